import { DateTime } from 'luxon';
import { recordMissionEvent } from '../../loyalty/missions/track-mission-progress';
import { collectPoints } from '../../loyalty/point-codes/collect-points';
import type { ActionDeps, ActionModule, ActionResult } from '../action-module';
import type { Variables } from '../flow-engine';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const outcomes = {
  collectPoints: ['collected', 'collectedAtStore', 'noCode', 'unknownCode', 'notStarted', 'expired', 'usedUp', 'alreadyCollected'],
} as const;

type CollectResult = ActionResult<(typeof outcomes.collectPoints)[number]>;

export const pointCodeActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { pointCodes, ledger, members } = repositories;
    const when = (date: Date) => DateTime.fromJSDate(date).setZone(zoneNamed(rules().zone)).toFormat('yyyy/MM/dd HH:mm');

    return {
      /** Collects the code in the variable `code` (typed after COLLECT / 集點, or from a button); noCode asks for one. */
      async collectPoints({ memberId, variables, now, actedAt, locale, flowRunId }): Promise<CollectResult> {
        if (memberId === null) throw new Error('collectPoints ran for a non-member: its flow must set requiresMember');
        const typedCode = variables.code?.trim() ?? '';
        if (typedCode === '') return { outcome: 'noCode' };
        const outcome = await collectPoints(
          { pointCodes, ledger, members, tierRules: repositories.tierRules, earning: rules().earning },
          { typedCode, memberId, requestId: flowRunId, now, actedAt },
        );
        if (outcome.kind === 'collected') await recordMissionEvent({ ...repositories, earning: rules().earning }, memberId, 'pointCodes', flowRunId, now);
        const number = numberFormat(locale);
        switch (outcome.kind) {
          case 'collected': {
            const collected: Variables = { points: number.format(outcome.points), balance: number.format(outcome.balance) };
            if (outcome.storeLabel === null) return { outcome: 'collected', variables: collected };
            return { outcome: 'collectedAtStore', variables: { ...collected, store: outcome.storeLabel } };
          }
          case 'notStarted':
            return { outcome: 'notStarted', variables: { startsAt: when(outcome.startsAt) } };
          case 'expired':
            return { outcome: 'expired', variables: { expiredAt: when(outcome.expiredAt) } };
          case 'alreadyCollected':
            return { outcome: 'alreadyCollected', variables: { limit: number.format(outcome.perMemberLimit) } };
          case 'unknownCode':
          case 'usedUp':
            return { outcome: outcome.kind };
        }
      },
    };
  },
};
