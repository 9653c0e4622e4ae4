import type { DateTime } from 'luxon';
import { balanceOf, isExpired, type Lot } from '../points/ledger';
import type { Tier } from '../tiers/tier';
import type { Reward } from './reward';

/** What the rules need to know about the member asking. */
export interface Redeemer {
  tier: string;
  /** Spendable points now (expired lots excluded). */
  points: number;
  /** Redemptions of this reward the member holds now; the per-member limit counts these. */
  held: number;
}

export type Offer =
  | { kind: 'onOffer' }
  | { kind: 'notAvailable'; reason: 'inactive' | 'notStarted' | 'ended' | 'tierUndefined' }
  | { kind: 'tierTooLow'; requiredTier: Tier };

export type Eligibility =
  | { kind: 'eligible'; balanceAfter: number }
  | Exclude<Offer, { kind: 'onOffer' }>
  | { kind: 'overLimit'; limit: number }
  | { kind: 'outOfStock' }
  | { kind: 'notEnoughPoints'; shortBy: number };

export type Ineligibility = Exclude<Eligibility, { kind: 'eligible' }>;

/**
 * Whether this member may redeem the reward at all: active, inside its window, and the member's
 * tier at least the minimum one (by tier order; a member on a tier that is no longer defined
 * counts as below every tier). These do not change when another redemption happens, so they are
 * safe to decide before a redemption is recorded.
 */
export function offerTo(reward: Reward, memberTier: string, tiers: Tier[], now: DateTime): Offer {
  if (!reward.active) return { kind: 'notAvailable', reason: 'inactive' };
  const at = now.toMillis();
  if (reward.startsAt !== null && at < reward.startsAt.getTime()) return { kind: 'notAvailable', reason: 'notStarted' };
  if (reward.endsAt !== null && at >= reward.endsAt.getTime()) return { kind: 'notAvailable', reason: 'ended' };
  if (reward.minimumTier === null) return { kind: 'onOffer' };
  const requiredTier = tiers.find((tier) => tier.id === reward.minimumTier);
  if (requiredTier === undefined) return { kind: 'notAvailable', reason: 'tierUndefined' };
  const memberOrder = tiers.find((tier) => tier.id === memberTier)?.order ?? Number.NEGATIVE_INFINITY;
  return memberOrder >= requiredTier.order ? { kind: 'onOffer' } : { kind: 'tierTooLow', requiredTier };
}

/**
 * The whole answer to "can I redeem this now?", in the order a member can do least about:
 * not on offer, tier, their own limit, stock, then points. Stock and points are only a forecast
 * here; redeemReward takes them atomically.
 */
export function eligibilityOf(reward: Reward, redeemer: Redeemer, tiers: Tier[], now: DateTime): Eligibility {
  const offer = offerTo(reward, redeemer.tier, tiers, now);
  if (offer.kind !== 'onOffer') return offer;
  if (reward.perMemberLimit !== null && redeemer.held >= reward.perMemberLimit) {
    return { kind: 'overLimit', limit: reward.perMemberLimit };
  }
  if (reward.stock !== null && reward.stock <= 0) return { kind: 'outOfStock' };
  if (redeemer.points < reward.cost) return { kind: 'notEnoughPoints', shortBy: reward.cost - redeemer.points };
  return { kind: 'eligible', balanceAfter: redeemer.points - reward.cost };
}

export interface CatalogEntry {
  reward: Reward;
  eligibility: Eligibility;
}

const catalogRank: Record<Eligibility['kind'], number> = {
  eligible: 0,
  notEnoughPoints: 1,
  tierTooLow: 2,
  overLimit: 3,
  outOfStock: 4,
  notAvailable: 5,
};

/**
 * The catalog as one member sees it: rewards outside their window, inactive or for an undefined
 * tier are left out; what the member can redeem now comes first, then what they could afford
 * with more points, then tier-locked, over-limit and sold-out rewards; cheapest first within each.
 */
export function catalogFor(
  rewards: Reward[],
  member: { tier: string; points: number },
  heldByReward: ReadonlyMap<string, number>,
  tiers: Tier[],
  now: DateTime,
): CatalogEntry[] {
  return rewards
    .map((reward) => ({
      reward,
      eligibility: eligibilityOf(reward, { ...member, held: heldByReward.get(reward.id) ?? 0 }, tiers, now),
    }))
    .filter((entry) => entry.eligibility.kind !== 'notAvailable')
    .sort(
      (a, b) =>
        catalogRank[a.eligibility.kind] - catalogRank[b.eligibility.kind] ||
        a.reward.cost - b.reward.cost ||
        a.reward.id.localeCompare(b.reward.id),
    );
}

/** Until when staff may fulfil a voucher before the release job refunds it. */
export function holdUntilOf(redeemedAt: DateTime, holdHours: number): Date {
  return redeemedAt.plus({ hours: holdHours }).toJSDate();
}

/** What a member can spend now: lots past their expiry are not spendable even before the expiry job runs. */
export function spendableBalance(lots: Lot[], now: DateTime): number {
  return balanceOf(lots.filter((lot) => !isExpired(lot, now)));
}
