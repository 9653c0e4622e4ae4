import { DateTime } from 'luxon';
import type { TierRules } from './tier-rules';
import { zoneNamed } from '../../shared/zones';

export interface TierHistory {
  /** Points earned per loyalty month, `yyyy-MM` in the loyalty time zone. */
  earnedByMonth: Record<string, number>;
  /** When the member entered the current tier; null when unknown (counts as long ago). */
  tierSince?: Date | null;
}

export type TierReason =
  /** Qualifying points reach a higher tier's entry threshold. */
  | 'qualified'
  /** At or above the current tier's retain threshold. */
  | 'retained'
  /** Below the retain threshold, but the downgrade mode is `never`. */
  | 'neverDowngraded'
  /** Below the retain threshold, still within `graceDays` of `tierSince`. */
  | 'inGracePeriod'
  | 'downgraded'
  /** The current tier is no longer defined: the member takes the tier their points qualify for. */
  | 'unknownTier';

export interface TierDecision {
  tier: string;
  reason: TierReason;
  qualifyingPoints: number;
}

/**
 * The tier a member should hold at `now`, judged in `zone` (LOYALTY_TIMEZONE).
 *
 * Upgrades go to the highest tier whose entry threshold the qualifying points reach. A member
 * below the current tier's retain threshold keeps it while `now < tierSince + graceDays` (grace
 * counts from entering the tier, so a fresh upgrade is never taken back the next night); after
 * that `oneTierAtATime` moves one tier down and `toQualifiedTier` moves to the highest lower tier
 * whose retain threshold the points still meet (the member was above it, so retain applies).
 *
 * With the calendar-year basis a tier reached in one year is kept through the next: the retain
 * check takes the better of this year's and last year's points (otherwise every member would fall
 * on 1 January, when this year's count starts from zero).
 */
export function decideTier(history: TierHistory, rules: TierRules, current: string, now: DateTime, zone: string): TierDecision {
  return tierDecider(rules, now, zone)(history, current);
}

/**
 * `decideTier` for many members at one `now`: the basis's month keys and the tier order are
 * worked out once, so deciding a member is a few lookups and no date arithmetic (the nightly
 * job decides every member).
 */
export function tierDecider(rules: TierRules, now: DateTime, zone: string): (history: TierHistory, current: string) => TierDecision {
  const local = now.setZone(zoneNamed(zone));
  const months = monthsOf(rules.basis, local);
  // Calendar-year tiers last through the next year: the retain check also counts last year's months.
  const lastYearMonths = rules.basis === 'calendarYear' ? monthsOf('calendarYear', local.minus({ years: 1 }).endOf('year')) : null;
  const tiers = rules.tiers;
  const indexOf = new Map(tiers.map((tier, index) => [tier.id, index]));
  const graceDays = rules.downgrade.graceDays;
  const nowMillis = now.toMillis();

  return (history, current) => {
    const qualifyingPoints = sumOf(history.earnedByMonth, months);
    let qualified = 0;
    for (let index = 0; index < tiers.length; index += 1) {
      if (qualifyingPoints >= tiers[index]!.entryThreshold) qualified = index;
    }

    const currentIndex = indexOf.get(current) ?? -1;
    if (currentIndex === -1) return { tier: tiers[qualified]!.id, reason: 'unknownTier', qualifyingPoints };
    if (qualified > currentIndex) return { tier: tiers[qualified]!.id, reason: 'qualified', qualifyingPoints };
    const retainingPoints = lastYearMonths === null ? qualifyingPoints : Math.max(qualifyingPoints, sumOf(history.earnedByMonth, lastYearMonths));
    if (retainingPoints >= tiers[currentIndex]!.retainThreshold) return { tier: tiers[currentIndex]!.id, reason: 'retained', qualifyingPoints };
    if (rules.downgrade.mode === 'never') return { tier: tiers[currentIndex]!.id, reason: 'neverDowngraded', qualifyingPoints };
    if (isInGrace(history.tierSince ?? null, graceDays, now, nowMillis)) return { tier: tiers[currentIndex]!.id, reason: 'inGracePeriod', qualifyingPoints };
    if (rules.downgrade.mode === 'oneTierAtATime') return { tier: tiers[currentIndex - 1]!.id, reason: 'downgraded', qualifyingPoints };
    let target = 0;
    for (let index = 0; index < currentIndex; index += 1) {
      if (retainingPoints >= tiers[index]!.retainThreshold) target = index;
    }
    return { tier: tiers[target]!.id, reason: 'downgraded', qualifyingPoints };
  };
}

const dayMillis = 24 * 60 * 60 * 1000;

/**
 * Grace ends `graceDays` calendar days after `tierSince`. A calendar day is 24 h give or take a
 * daylight-saving shift, so only an end within a day of `now` needs luxon's calendar arithmetic.
 */
function isInGrace(tierSince: Date | null, graceDays: number, now: DateTime, nowMillis: number): boolean {
  if (graceDays <= 0 || tierSince === null) return false;
  const roughEnd = tierSince.getTime() + graceDays * dayMillis;
  if (roughEnd - nowMillis > dayMillis) return true;
  if (nowMillis - roughEnd > dayMillis) return false;
  return nowMillis < DateTime.fromJSDate(tierSince).plus({ days: graceDays }).toMillis();
}

/** The points that keep a tier: the qualifying points, or for the calendar year the better of this year and last. */
export function retainingPointsOf(earnedByMonth: Record<string, number>, basis: TierRules['basis'], now: DateTime): number {
  const thisWindow = qualifyingPointsOf(earnedByMonth, basis, now);
  if (basis !== 'calendarYear') return thisWindow;
  return Math.max(thisWindow, qualifyingPointsOf(earnedByMonth, basis, now.minus({ years: 1 }).endOf('year')));
}

/** The instant a tier's grace period ends; null without one. */
export function graceEndOf(tierSince: Date | null, graceDays: number): DateTime | null {
  if (graceDays <= 0 || tierSince === null) return null;
  return DateTime.fromJSDate(tierSince).plus({ days: graceDays });
}

/** Sums the buckets of the basis's window; `now` is already in the loyalty time zone. */
export function qualifyingPointsOf(earnedByMonth: Record<string, number>, basis: TierRules['basis'], now: DateTime): number {
  return sumOf(earnedByMonth, monthsOf(basis, now));
}

function sumOf(earnedByMonth: Record<string, number>, months: Set<string> | 'all'): number {
  let sum = 0;
  for (const month in earnedByMonth) {
    if (months === 'all' || months.has(month)) sum += earnedByMonth[month]!;
  }
  return sum;
}

function monthsOf(basis: TierRules['basis'], now: DateTime): Set<string> | 'all' {
  if (basis === 'lifetime') return 'all';
  // Month keys by arithmetic on the local year and month: every card and tier check computes these, and a
  // DateTime step per month asks the time zone for its offset each time.
  const last = now.year * 12 + (now.month - 1);
  const first = basis === 'calendarYear' ? now.year * 12 : last - 11;
  const months = new Set<string>();
  for (let index = first; index <= last; index += 1) months.add(monthKeyOf(Math.floor(index / 12), (index % 12) + 1));
  return months;
}

function monthKeyOf(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}
