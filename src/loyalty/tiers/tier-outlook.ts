import { DateTime } from 'luxon';
import { graceEndOf, qualifyingPointsOf, retainingPointsOf, type TierHistory } from './tier-policy';
import type { TierRule, TierRules } from './tier-rules';
import { zoneNamed } from '../../shared/zones';

/** What keeps the member's tier, as of `now`. Dates are the last loyalty day that counts. */
export type KeepOutlook =
  /** The first tier: there is nothing to lose. */
  | { kind: 'lowestTier' }
  /** Lifetime points, downgrades off, or a tier that needs nothing to keep. */
  | { kind: 'forGood' }
  /** Kept without earning anything more until at least this day. */
  | { kind: 'secureUntil'; until: DateTime }
  /** Earn this many more points by this day to keep the tier. */
  | { kind: 'earnToKeep'; points: number; by: DateTime }
  /** Already below the points to keep it, but held until this day (the grace period). */
  | { kind: 'graceUntil'; until: DateTime; points: number };

export interface NextOutlook {
  tier: TierRule;
  /** Qualifying points still missing; 0 means tonight's review moves the member up. */
  points: number;
  /** The last day those points must be earned by; null when they never lapse (lifetime basis). */
  by: DateTime | null;
}

export interface TierOutlook {
  current: TierRule;
  qualifyingPoints: number;
  keep: KeepOutlook;
  next: NextOutlook | null;
  /** 0..1 of the way from the current tier's entry threshold to the next one's. */
  progress: number;
}

/**
 * The card's "what keeps it, what's next": the same arithmetic as decideTier, read forwards.
 *
 * Rolling 12 months: the oldest month of the window drops out at each month end, so the tier is
 * secure until the first month end whose window no longer reaches the retain threshold, and the
 * next tier must be reached before this month ends (after that, the target moves). Calendar year:
 * the deadline is 31 December; a tier held with this year's points lasts through next year.
 */
export function tierOutlook(history: TierHistory, rules: TierRules, currentTierId: string, now: DateTime, zone: string): TierOutlook {
  const local = now.setZone(zoneNamed(zone));
  const tiers = rules.tiers;
  const index = Math.max(0, tiers.findIndex((tier) => tier.id === currentTierId));
  const current = tiers[index]!;
  const qualifyingPoints = qualifyingPointsOf(history.earnedByMonth, rules.basis, local);
  const nextTier = tiers[index + 1];
  const next: NextOutlook | null =
    nextTier === undefined
      ? null
      : {
          tier: nextTier,
          points: Math.max(0, nextTier.entryThreshold - qualifyingPoints),
          by: rules.basis === 'lifetime' ? null : lastDayOf(local, rules.basis === 'calendarYear' ? 'year' : 'month'),
        };
  const span = nextTier === undefined ? 1 : Math.max(1, nextTier.entryThreshold - current.entryThreshold);
  const progress = nextTier === undefined ? 1 : clamp((qualifyingPoints - current.entryThreshold) / span);
  return { current, qualifyingPoints, keep: keepOutlook(history, rules, index, local), next, progress };
}

function keepOutlook(history: TierHistory, rules: TierRules, index: number, local: DateTime): KeepOutlook {
  if (index === 0) return { kind: 'lowestTier' };
  const retain = rules.tiers[index]!.retainThreshold;
  if (rules.basis === 'lifetime' || rules.downgrade.mode === 'never' || retain === 0) return { kind: 'forGood' };

  const retaining = retainingPointsOf(history.earnedByMonth, rules.basis, local);
  if (retaining < retain) {
    const graceEnd = graceEndOf(history.tierSince ?? null, rules.downgrade.graceDays);
    if (graceEnd !== null && local.toMillis() < graceEnd.toMillis()) {
      return { kind: 'graceUntil', until: graceEnd.setZone(local.zone).minus({ milliseconds: 1 }).startOf('day'), points: retain - retaining };
    }
    // Below it and out of grace: tonight's review moves the member down unless they earn today.
    return { kind: 'earnToKeep', points: retain - retaining, by: local.startOf('day') };
  }

  if (rules.basis === 'calendarYear') {
    const thisYear = qualifyingPointsOf(history.earnedByMonth, 'calendarYear', local);
    if (thisYear >= retain) return { kind: 'secureUntil', until: lastDayOf(local.plus({ years: 1 }), 'year') };
    return { kind: 'earnToKeep', points: retain - thisYear, by: lastDayOf(local, 'year') };
  }

  // Rolling 12 months: walk the coming month ends until the window falls short.
  for (let monthsAhead = 1; monthsAhead <= 12; monthsAhead += 1) {
    const windowEnd = local.startOf('month').plus({ months: monthsAhead });
    const points = qualifyingPointsOf(history.earnedByMonth, 'rolling12Months', windowEnd);
    if (points >= retain) continue;
    const lastSecureDay = windowEnd.minus({ days: 1 }).startOf('day');
    if (monthsAhead === 1) return { kind: 'earnToKeep', points: retain - points, by: lastSecureDay };
    return { kind: 'secureUntil', until: lastSecureDay };
  }
  return { kind: 'secureUntil', until: lastDayOf(local.plus({ months: 11 }), 'month') };
}

function lastDayOf(local: DateTime, unit: 'month' | 'year'): DateTime {
  return local.endOf(unit).startOf('day');
}

function clamp(ratio: number): number {
  return Math.min(1, Math.max(0, ratio));
}
