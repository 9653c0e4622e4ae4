import type { DateTime } from 'luxon';
import type { CheckInState } from '../members/member';
import { zoneNamed } from '../../shared/zones';

export interface CheckInRules {
  points: number;
  /** Every streakDays-th consecutive day earns the bonus on top. */
  streakDays: number;
  streakBonus: number;
  zone: string;
}

export type CheckInPlan =
  | { kind: 'alreadyCheckedIn'; day: string; streak: number }
  | {
      kind: 'award';
      day: string;
      streak: number;
      points: number;
      bonus: number;
      /** False for a day before the member's latest check-in (a tap recorded late): its points only, the streak stays. */
      movesStreak: boolean;
    };

/** The loyalty day of an instant: the calendar date in the programme's zone; the day ends at local midnight. */
export function loyaltyDayOf(now: DateTime, zone: string): string {
  return now.setZone(zoneNamed(zone)).toISODate()!;
}

export function planCheckIn(state: CheckInState, now: DateTime, rules: CheckInRules): CheckInPlan {
  const today = now.setZone(zoneNamed(rules.zone)).startOf('day');
  const day = today.toISODate()!;
  if (state.lastDay === day) return { kind: 'alreadyCheckedIn', day, streak: state.streak };
  if (state.lastDay !== null && day < state.lastDay) return { kind: 'award', day, streak: state.streak, points: rules.points, bonus: 0, movesStreak: false };
  const yesterday = today.minus({ days: 1 }).toISODate()!;
  const streak = state.lastDay === yesterday ? state.streak + 1 : 1;
  const bonus = streak % rules.streakDays === 0 ? rules.streakBonus : 0;
  return { kind: 'award', day, streak, points: rules.points + bonus, bonus, movesStreak: true };
}

/** How many days are left until the next streak bonus (the bonus day itself counts as 0). */
export function daysToStreakBonus(streak: number, streakDays: number): number {
  return (streakDays - (streak % streakDays)) % streakDays;
}
