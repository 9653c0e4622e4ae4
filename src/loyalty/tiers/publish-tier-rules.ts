import type { RewardRepository } from '../rewards/reward-repository';
import type { TierRepository } from './tier-repository';
import { tiersOf, type TierRules } from './tier-rules';
import type { TierRulesRepository } from './tier-rules-repository';

export type PublishOutcome =
  | { kind: 'published'; before: TierRules }
  /** Rewards on offer only from a tier the new rules remove: fix those rewards first. */
  | { kind: 'tierInUse'; rewards: { id: string; minimumTier: string }[] };

/**
 * Makes a rule set live. Members do not move here: the caller either runs the recalculation now
 * or leaves it to the next nightly run, and says which (rules never recompute silently).
 */
export async function publishTierRules(
  deps: { tierRules: TierRulesRepository; tiers: TierRepository; rewards: RewardRepository },
  rules: TierRules,
  now: Date,
): Promise<PublishOutcome> {
  const tierIds = new Set(rules.tiers.map((tier) => tier.id));
  const stranded = (await deps.rewards.active())
    .filter((reward) => reward.minimumTier !== null && !tierIds.has(reward.minimumTier))
    .map((reward) => ({ id: reward.id, minimumTier: reward.minimumTier! }));
  if (stranded.length > 0) return { kind: 'tierInUse', rewards: stranded };
  const before = await deps.tierRules.current();
  await deps.tierRules.publish(rules, now);
  // The card and reward access read the tiers collection: keep it the published rules' view.
  await deps.tiers.replaceAll(tiersOf(rules));
  return { kind: 'published', before };
}
