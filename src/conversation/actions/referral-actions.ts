import { maskName } from '../../loyalty/leaderboard/leaderboard';
import { acceptInvitation } from '../../loyalty/referrals/accept-invitation';
import { referralCodeFor } from '../../loyalty/referrals/invite-friends';
import { inviteLinkFor } from '../../loyalty/referrals/referral';
import { requireMember, type ActionDeps, type ActionModule } from '../action-module';
import { numberFormat } from '../../shared/number-format';

const outcomes = {
  showInvite: ['shown', 'codeOnly'],
  acceptInvitation: ['remembered', 'noCode', 'unknownCode', 'selfReferral', 'alreadyMember'],
} as const;

export const referralActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { referrals, members } = repositories;

    return {
      /** The member's code and the link to share on the channel they asked from; codeOnly when no link is configured. */
      async showInvite({ memberId, identity, now, locale }) {
        const id = requireMember(memberId, 'showInvite');
        const code = await referralCodeFor({ referrals }, id, now.toJSDate());
        const { referrals: programme } = rules();
        const link = inviteLinkFor(code, identity.channel, programme.links);
        const variables = { code, bonus: numberFormat(locale).format(programme.bonusPoints) };
        return link === null ? { outcome: 'codeOnly', variables } : { outcome: 'shown', variables: { ...variables, link } };
      },

      /** The code in the variable `code` (typed after INVITE / 邀請, or from an invite link). */
      async acceptInvitation({ identity, memberId, variables, now }) {
        const outcome = await acceptInvitation(
          { referrals, members },
          { identityKey: identity.key, memberId, typedCode: variables.code ?? '', now: now.toJSDate() },
        );
        if (outcome.kind === 'remembered') return { outcome: 'remembered', variables: { referrerName: maskName(outcome.referrerName) } };
        return { outcome: outcome.kind };
      },
    };
  },
};
