import { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import { zoneNamed } from '../../shared/zones';

export type LedgerReason =
  | 'checkin'
  | 'signupBonus'
  | 'birthdayBonus'
  | 'pointCode'
  | 'mission'
  | 'referralBonus'
  | 'adjustment'
  | 'redemption'
  | 'refund'
  | 'expiry'
  /** The member asked to be erased: the points die with the account. */
  | 'erasure';

export type LedgerKind = 'earn' | 'spend' | 'expire';

/** Earned points not yet spent or expired; spending draws the oldest lots first. */
export interface Lot {
  key: string;
  points: number;
  remaining: number;
  earnedAt: Date;
  expiresAt: Date | null;
}

export interface Draw {
  lot: string;
  points: number;
}

/**
 * One change of points. Its key is the idempotency key (a platform event, a check-in day, a point
 * code use, an admin-supplied key, a job run + lot): a second entry with the same key is never
 * written, and replaying it returns the first result.
 */
export interface LedgerEntry {
  key: string;
  memberId: MemberId;
  kind: LedgerKind;
  /** Positive for earn, negative for spend and expire. */
  points: number;
  reason: LedgerReason;
  /** Words for the member's history, e.g. "Coffee voucher". */
  note: string | null;
  createdAt: Date;
  /** For an earn entry: when its lot expires. */
  expiresAt: Date | null;
  /**
   * For an earn entry that counts toward tiers: the loyalty month (yyyy-MM) whose earned bucket it
   * adds to. Refunds give points back without counting as earning.
   */
  qualifyingMonth: string | null;
  /** For spend and expire entries: the lots they took from. */
  draws: Draw[];
  /** pending: written, not yet on the balance; applied: on the balance; rejected: never will be. */
  status: 'pending' | 'applied' | 'rejected';
}

export type ExpiryPolicy =
  | { kind: 'never' }
  | { kind: 'monthsAfterEarning'; months: number }
  | { kind: 'endOfMonthAfter'; months: number };

/** When points earned at `earnedAt` expire: the end of that day (or month) in the loyalty zone. */
export function expiryOf(policy: ExpiryPolicy, earnedAt: DateTime, zone: string): Date | null {
  const local = earnedAt.setZone(zoneNamed(zone));
  switch (policy.kind) {
    case 'never':
      return null;
    case 'monthsAfterEarning':
      return local.plus({ months: policy.months }).endOf('day').toJSDate();
    case 'endOfMonthAfter':
      return local.plus({ months: policy.months }).endOf('month').toJSDate();
  }
}

export function isExpired(lot: Lot, now: DateTime): boolean {
  return lot.expiresAt !== null && lot.expiresAt.getTime() <= now.toMillis();
}

export function balanceOf(lots: Lot[]): number {
  return lots.reduce((sum, lot) => sum + lot.remaining, 0);
}

/** Oldest first: the lot that expires soonest, then the one earned first. Never-expiring lots last. */
function spendingOrder(a: Lot, b: Lot): number {
  const expiryA = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return expiryA - expiryB || a.earnedAt.getTime() - b.earnedAt.getTime() || a.key.localeCompare(b.key);
}

export type SpendPlan =
  | { kind: 'ok'; draws: Draw[]; lotsAfter: Lot[] }
  | { kind: 'notEnoughPoints'; available: number; shortBy: number };

/** FIFO spending across lots; expired lots are not spendable even before the expiry job has run. */
export function planSpend(lots: Lot[], amount: number, now: DateTime): SpendPlan {
  const spendable = lots.filter((lot) => !isExpired(lot, now) && lot.remaining > 0).sort(spendingOrder);
  const available = balanceOf(spendable);
  if (available < amount) return { kind: 'notEnoughPoints', available, shortBy: amount - available };
  const draws: Draw[] = [];
  let left = amount;
  for (const lot of spendable) {
    if (left === 0) break;
    const taken = Math.min(lot.remaining, left);
    draws.push({ lot: lot.key, points: taken });
    left -= taken;
  }
  return { kind: 'ok', draws, lotsAfter: withDraws(lots, draws) };
}

/** What expiring every due lot takes; expiry only ever takes what is still remaining. */
export function planExpiry(lots: Lot[], now: DateTime): { draws: Draw[]; lotsAfter: Lot[] } {
  const draws = lots.filter((lot) => isExpired(lot, now) && lot.remaining > 0).map((lot) => ({ lot: lot.key, points: lot.remaining }));
  return { draws, lotsAfter: withDraws(lots, draws) };
}

/** Lots after the draws; emptied lots are dropped (the ledger keeps their history). */
function withDraws(lots: Lot[], draws: Draw[]): Lot[] {
  const taken = new Map(draws.map((draw) => [draw.lot, draw.points]));
  return lots
    .map((lot) => ({ ...lot, remaining: lot.remaining - (taken.get(lot.key) ?? 0) }))
    .filter((lot) => lot.remaining > 0);
}

export function pointsExpiringBy(lots: Lot[], deadline: DateTime): number {
  return lots
    .filter((lot) => lot.expiresAt !== null && lot.expiresAt.getTime() <= deadline.toMillis())
    .reduce((sum, lot) => sum + lot.remaining, 0);
}
