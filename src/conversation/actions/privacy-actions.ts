import { eraseMember, erasureConsequences } from '../../privacy/erase-member';
import { marketingChoiceOf, recordMarketingChoice, type MarketingChoice, type MarketingChoiceOutcome } from '../../privacy/marketing-consent';
import { requireMember, type ActionContext, type ActionDeps, type ActionModule } from '../action-module';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const outcomes = {
  createExportLink: ['issued'],
  describeErasure: ['described'],
  eraseMember: ['erased'],
  withdrawMarketingConsent: ['withdrawn', 'alreadyWithdrawn'],
  giveMarketingConsent: ['given', 'alreadyGiven'],
  readMarketingChoice: ['receivesPromotions', 'stoppedPromotions', 'notMember'],
} as const;

export const privacyActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules, exportLinks }: ActionDeps) {
    const recordMarketing = (status: MarketingChoice['status'], action: string, { memberId, identity, actedAt }: ActionContext): Promise<MarketingChoiceOutcome> =>
      recordMarketingChoice(repositories.members, requireMember(memberId, action), {
        status,
        version: rules().termsVersion,
        // When the member objected, also for a turn run late.
        at: actedAt.toJSDate(),
        channel: identity.channel,
      });

    return {
      async createExportLink({ memberId, now }) {
        if (exportLinks === undefined) throw new Error('createExportLink needs exportLinks in the action deps (platform.ts)');
        const link = await exportLinks.issue(requireMember(memberId, 'createExportLink'), now);
        const expiresAt = link.expiresAt.setZone(zoneNamed(rules().zone)).toFormat('yyyy-MM-dd HH:mm');
        return { outcome: 'issued', variables: { link: link.url, expiresAt } };
      },

      async describeErasure({ memberId, locale }) {
        const { points, unusedVouchers } = await erasureConsequences(repositories, requireMember(memberId, 'describeErasure'));
        const number = numberFormat(locale);
        return { outcome: 'described', variables: { points: number.format(points), vouchers: number.format(unusedVouchers) } };
      },

      async eraseMember({ memberId, now }) {
        await eraseMember({ ...repositories, rules: rules() }, requireMember(memberId, 'eraseMember'), now);
        return { outcome: 'erased', forgotten: true };
      },

      async withdrawMarketingConsent(context) {
        const result = await recordMarketing('withdrawn', 'withdrawMarketingConsent', context);
        return { outcome: result.kind === 'recorded' ? 'withdrawn' : 'alreadyWithdrawn' };
      },

      async giveMarketingConsent(context) {
        const result = await recordMarketing('given', 'giveMarketingConsent', context);
        return { outcome: result.kind === 'recorded' ? 'given' : 'alreadyGiven' };
      },

      // The privacy notice offers "Stop promotions" or "Resume promotions", whichever the member can still choose.
      async readMarketingChoice({ memberId }) {
        const choice = memberId === null ? null : await marketingChoiceOf(repositories.members, memberId);
        if (choice === null) return { outcome: 'notMember' };
        return { outcome: choice === 'given' ? 'receivesPromotions' : 'stoppedPromotions' };
      },
    };
  },
};
