import { checkLinkCode, issueLinkCode, linkCodeLifetimeMinutes, linkIdentity } from '../../loyalty/members/link-identity';
import type { ActionDeps, ActionModule, ActionResult } from '../action-module';
import { numberFormat } from '../../shared/number-format';

const refusals = ['unknownCode', 'expired', 'used', 'alreadyLinked', 'otherMembership'] as const;

const minutes = String(linkCodeLifetimeMinutes);

const outcomes = {
  issueLinkCode: ['issued'],
  checkLinkCode: ['confirmable', ...refusals],
  linkIdentity: ['linked', ...refusals],
} as const;

type ResultOf<Action extends keyof typeof outcomes> = ActionResult<(typeof outcomes)[Action][number]>;

export const linkActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories }: ActionDeps) {
    const { linkCodes, members, identities } = repositories;
    const deps = { linkCodes, members, identities };

    return {
      async issueLinkCode({ memberId, now }) {
        if (memberId === null) throw new Error('issueLinkCode ran for a non-member: its flow must set requiresMember');
        const issued = await issueLinkCode(deps, memberId, now);
        return { outcome: 'issued', variables: { code: issued.code, minutes } };
      },

      /** Checks the code in the variable `code` (typed after LINK / 綁定); the person need not be a member here. */
      async checkLinkCode({ identity, variables, now }): Promise<ResultOf<'checkLinkCode'>> {
        const outcome = await checkLinkCode(deps, { typedCode: variables.code ?? '', identity, now });
        if (outcome.kind === 'confirmable') return { outcome: 'confirmable', variables: { maskedName: outcome.maskedName } };
        return { outcome: outcome.kind, variables: { minutes } };
      },

      async linkIdentity({ identity, variables, now, locale }): Promise<ResultOf<'linkIdentity'>> {
        const outcome = await linkIdentity(deps, { typedCode: variables.code ?? '', identity, now });
        if (outcome.kind !== 'linked') return { outcome: outcome.kind, variables: { minutes } };
        const member = await members.findById(outcome.memberId);
        const balance = numberFormat(locale).format(member?.points ?? 0);
        return { outcome: 'linked', memberId: outcome.memberId, variables: { balance } };
      },
    };
  },
};
