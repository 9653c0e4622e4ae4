import { checkIn } from '../../loyalty/check-in/check-in';
import { daysToStreakBonus } from '../../loyalty/check-in/check-in-policy';
import { membershipCardVariables } from '../../loyalty/members/membership-card';
import { recordMissionEvent } from '../../loyalty/missions/track-mission-progress';
import { signUp } from '../../loyalty/members/sign-up';
import { welcomeNewMember } from '../../loyalty/members/welcome-new-member';
import { historyLines } from '../../loyalty/points/history';
import type { MemberId } from '../../shared/ids';
import { tierOutlook } from '../../loyalty/tiers/tier-outlook';
import { requireMember, type ActionContext, type ActionDeps, type ActionModule } from '../action-module';
import { tierCardVariables } from './tier-wording';
import type { Variables } from '../flow-engine';
import { locales, type Locale } from '../flow-schema';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const outcomes = {
  checkMembership: ['member', 'guest'],
  signUp: ['joined', 'alreadyMember'],
  checkIn: ['awarded', 'awardedWithBonus', 'alreadyCheckedIn'],
  showCard: ['shown'],
  showHistory: ['shown', 'empty'],
  setLanguage: ['changed'],
} as const;

export const memberActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules: currentRules }: ActionDeps) {
    const { members, identities, ledger, tiers } = repositories;
    const cardVariables = async (memberId: MemberId, context: ActionContext): Promise<Variables> => {
      const found = await members.findWithTierState(memberId);
      if (found === null) return {};
      const { member, tierState: state } = found;
      const outlook = tierOutlook(state, await repositories.tierRules.current(), member.tier, context.now, currentRules().zone);
      return {
        ...membershipCardVariables(member, context.locale),
        ...tierCardVariables(outlook, context.locale, context.now, context.phrase),
      };
    };

    return {
      async checkMembership({ memberId }) {
        return { outcome: memberId === null ? 'guest' : 'member' };
      },

      async signUp({ identity, variables, now, locale, flowRunId }) {
        const rules = currentRules();
        const welcome = { signupBonus: rules.signupBonus, referralBonus: rules.referrals.bonusPoints };
        const [startingTier] = await tiers.all();
        const outcome = await signUp(
          { members, identities, startingTier: startingTier?.id ?? 'member' },
          {
            identityKey: identity.key,
            channel: identity.channel,
            channelUserId: identity.channelUserId,
            name: variables.name ?? '',
            mobile: variables.mobile ?? '',
            birthday: variables.birthday ? variables.birthday : null,
            locale,
            termsVersion: rules.termsVersion,
            now: now.toJSDate(),
            runId: flowRunId,
            welcome,
          },
        );
        // A turn run again pays, and says, what joining promised the first time, whatever the programme says now.
        const paid = outcome.kind === 'joined' ? outcome.welcome : welcome;
        if (outcome.kind === 'joined') {
          await welcomeNewMember({ ...repositories, earning: rules.earning }, { memberId: outcome.memberId, identityKey: identity.key, amounts: paid, now });
        }
        return {
          outcome: outcome.kind,
          memberId: outcome.memberId,
          variables: { signupBonus: numberFormat(locale).format(paid.signupBonus) },
        };
      },

      async checkIn({ memberId, now, actedAt, locale }) {
        const rules = currentRules();
        const id = requireMember(memberId, 'checkIn');
        const outcome = await checkIn({ members, ledger, tierRules: repositories.tierRules, rules: rules.checkIn, earning: rules.earning }, id, now, actedAt);
        if (outcome.kind === 'notMember') throw new Error(`Member ${id} of a linked identity does not exist`);
        if (outcome.kind === 'awarded') {
          const day = actedAt.setZone(zoneNamed(rules.checkIn.zone)).toFormat('yyyy-MM-dd');
          await recordMissionEvent({ ...repositories, earning: rules.earning }, id, 'checkIns', day, now);
        }
        const number = numberFormat(locale);
        const streakDays = rules.checkIn.streakDays;
        const variables: Variables = {
          streak: String(outcome.streak),
          balance: number.format(outcome.balance),
          daysToBonus: String(daysToStreakBonus(outcome.streak, streakDays) || streakDays),
          streakDays: String(streakDays),
          streakBonus: number.format(rules.checkIn.streakBonus),
        };
        if (outcome.kind === 'alreadyCheckedIn') return { outcome: 'alreadyCheckedIn', variables };
        return {
          outcome: outcome.bonus > 0 ? 'awardedWithBonus' : 'awarded',
          variables: { ...variables, points: number.format(outcome.points), bonus: number.format(outcome.bonus) },
        };
      },

      async showCard(context) {
        return { outcome: 'shown', variables: await cardVariables(requireMember(context.memberId, 'showCard'), context) };
      },

      async showHistory({ memberId, locale }) {
        const entries = await ledger.recent(requireMember(memberId, 'showHistory'), 10);
        if (entries.length === 0) return { outcome: 'empty' };
        return { outcome: 'shown', variables: { history: historyLines(entries, locale, currentRules().zone).join('\n') } };
      },

      async setLanguage({ identity, memberId, variables }) {
        const locale = locales.find((candidate) => candidate === variables.locale) ?? locales[0];
        await identities.setLocale(identity.key, locale);
        if (memberId !== null) await members.setLocale(memberId, locale);
        return { outcome: 'changed', locale };
      },
    };
  },
};
