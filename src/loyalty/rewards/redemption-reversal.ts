import type { DateTime } from 'luxon';
import type { MemberRepository } from '../members/member-repository';
import { awardPoints } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import type { ProgrammeRules } from '../programme';
import type { TierRepository } from '../tiers/tier-repository';
import { refundKeyOf, spendKeyOf, type Redemption } from './redemption';
import type { RedemptionRepository } from './redemption-repository';
import type { RewardRepository } from './reward-repository';

export interface RedemptionDeps {
  rewards: RewardRepository;
  redemptions: RedemptionRepository;
  members: MemberRepository;
  ledger: LedgerRepository;
  tiers: TierRepository;
  rules: Pick<ProgrammeRules, 'earning' | 'redemptionHoldHours'>;
}

/**
 * Gives the points back as a new lot (with a fresh expiry), once: only if the redemption's spend
 * was applied, under the key `refund:<id>`. Returns the points refunded by this call or an earlier one.
 */
export async function refundIfSpent(deps: RedemptionDeps, redemption: Redemption, now: DateTime): Promise<number> {
  const spend = await deps.ledger.find(spendKeyOf(redemption.id));
  if (spend?.status !== 'applied') return 0;
  await awardPoints(
    { ledger: deps.ledger, rules: deps.rules.earning },
    { key: refundKeyOf(redemption.id), memberId: redemption.memberId, points: -spend.points, reason: 'refund', note: redemption.note, now },
  );
  return -spend.points;
}

/**
 * Undoes a redemption that never reached the member: frees its coupon code, returns its stock unit,
 * frees its limit slot and refunds a spend that went through. Each hand-back only touches what
 * this redemption holds, so running it again (a retry, the recovery sweep) changes nothing.
 */
export async function handBackEverything(deps: RedemptionDeps, redemption: Redemption, now: DateTime): Promise<void> {
  if (redemption.usesCouponPool) await deps.rewards.releaseCouponCodes(redemption.rewardId, redemption.id);
  if (redemption.takesStock) await deps.rewards.returnStock(redemption.rewardId, redemption.id);
  if (redemption.perMemberLimit !== null) await deps.redemptions.releaseLimitSlot(redemption.rewardId, redemption.memberId, redemption.id);
  await refundIfSpent(deps, redemption, now);
}

export type Undo = 'cancel' | 'release';

const undoStatuses = {
  cancel: { passing: 'cancelling', final: 'cancelled', at: 'cancelledAt' },
  release: { passing: 'releasing', final: 'released', at: 'releasedAt' },
} as const;

/**
 * Cancels (staff) or releases (the hold ran out) a voucher: `redeemed → cancelling|releasing`
 * decides it once; then the refund, the stock unit and the limit slot go back, and it ends
 * `cancelled|released`. The coupon code stays claimed: the member has seen it, so handing it to
 * someone else could make it count twice at the till. Returns the redemption as it ends, or null
 * when it was not (or no longer) in a state this undo may take.
 */
export async function undoRedeemed(
  deps: RedemptionDeps,
  redemption: Redemption,
  undo: Undo,
  now: DateTime,
  handledBy: string | null,
): Promise<{ redemption: Redemption; refunded: number } | null> {
  const { passing, final, at } = undoStatuses[undo];
  const updatedAt = now.toJSDate();
  if (redemption.status === 'redeemed') {
    const taken = await deps.redemptions.transition(redemption.id, ['redeemed'], passing, {
      updatedAt,
      ...(handledBy !== null ? { handledBy } : {}),
    });
    if (!taken) {
      const current = await deps.redemptions.findById(redemption.id);
      return current?.status === passing ? undoRedeemed(deps, current, undo, now, handledBy) : null;
    }
  } else if (redemption.status !== passing) {
    return null;
  }
  if (redemption.takesStock) await deps.rewards.returnRedeemedStock(redemption.rewardId, redemption.id, redemption.createdAt);
  if (redemption.perMemberLimit !== null) await deps.redemptions.releaseLimitSlot(redemption.rewardId, redemption.memberId, redemption.id);
  const refunded = await refundIfSpent(deps, redemption, now);
  await deps.redemptions.transition(redemption.id, [passing], final, { updatedAt, [at]: updatedAt });
  const ended = await deps.redemptions.findById(redemption.id);
  if (ended === null) throw new Error(`Redemption ${redemption.id} disappeared while being undone`);
  return { redemption: ended, refunded };
}
