import type { MemberId } from '../../shared/ids';
import type { Notice } from '../members/member-repository';
import type { TierChange, TierHistoryRepository } from './tier-history-repository';
import type { TierRules } from './tier-rules';

/**
 * The message a member gets when the recalculation moves them: queued on the member in the same
 * update that moves them (so it rides on their next reply), then offered as a push. Keyed by the
 * run, so a resumed run never queues it twice.
 */
export function tierNoticeOf(change: Pick<TierChange, 'runId' | 'from' | 'to' | 'qualifyingPoints'>, rules: TierRules): Notice | null {
  const from = rules.tiers.findIndex((tier) => tier.id === change.from);
  const to = rules.tiers.findIndex((tier) => tier.id === change.to);
  const tier = rules.tiers[to];
  if (tier === undefined) return null;
  const names = { tierNameEn: tier.name.en, tierNameZh: tier.name['zh-TW'] };
  const key = `tier:${change.runId}`;
  if (to > from) {
    return {
      key,
      template: 'notice.tier-upgraded',
      variables: { ...names, multiplier: tier.earnMultiplier > 1 ? String(tier.earnMultiplier) : '' },
    };
  }
  const previous = rules.tiers[from];
  if (previous === undefined) return null;
  return {
    key,
    template: 'notice.tier-downgraded',
    variables: {
      ...names,
      previousTierNameEn: previous.name.en,
      previousTierNameZh: previous.name['zh-TW'],
      pointsToReturn: String(Math.max(0, previous.entryThreshold - change.qualifyingPoints)),
    },
  };
}

/** After a run: offers each moved member their notice by push (held for the next chat where no push is allowed). */
export async function offerTierNotices(
  deps: { tierHistory: TierHistoryRepository; offer: (memberId: MemberId, notice: Notice) => Promise<unknown> },
  runId: string,
  rules: TierRules,
): Promise<number> {
  let offered = 0;
  for await (const change of deps.tierHistory.streamRun(runId)) {
    const notice = tierNoticeOf(change, rules);
    if (notice === null) continue;
    await deps.offer(change.memberId, notice);
    offered += 1;
  }
  return offered;
}
