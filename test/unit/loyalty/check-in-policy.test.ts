import { DateTime } from 'luxon';
import { daysToStreakBonus, planCheckIn } from '../../../src/loyalty/check-in/check-in-policy';

const rules = { points: 10, streakDays: 7, streakBonus: 50, zone: 'Asia/Taipei' };
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('planCheckIn()', () => {
  it.each([
    ['first ever', { streak: 0, lastDay: null }, '2026-11-23T10:00:00+08:00', { kind: 'award', day: '2026-11-23', streak: 1, points: 10, bonus: 0, movesStreak: true }],
    ['again the same day', { streak: 3, lastDay: '2026-11-23' }, '2026-11-23T23:59:59+08:00', { kind: 'alreadyCheckedIn', day: '2026-11-23', streak: 3 }],
    ['the next day', { streak: 3, lastDay: '2026-11-23' }, '2026-11-24T00:00:00+08:00', { kind: 'award', day: '2026-11-24', streak: 4, points: 10, bonus: 0, movesStreak: true }],
    ['after a missed day', { streak: 5, lastDay: '2026-11-21' }, '2026-11-23T08:00:00+08:00', { kind: 'award', day: '2026-11-23', streak: 1, points: 10, bonus: 0, movesStreak: true }],
    ['on the 7th day', { streak: 6, lastDay: '2026-11-22' }, '2026-11-23T08:00:00+08:00', { kind: 'award', day: '2026-11-23', streak: 7, points: 60, bonus: 50, movesStreak: true }],
    ['on the 14th day', { streak: 13, lastDay: '2026-11-22' }, '2026-11-23T08:00:00+08:00', { kind: 'award', day: '2026-11-23', streak: 14, points: 60, bonus: 50, movesStreak: true }],
    ['at 16:30 UTC, already tomorrow in Taipei', { streak: 1, lastDay: '2026-11-23' }, '2026-11-23T16:30:00Z', { kind: 'award', day: '2026-11-24', streak: 2, points: 10, bonus: 0, movesStreak: true }],
    ['at 15:59 UTC, still today in Taipei', { streak: 1, lastDay: '2026-11-23' }, '2026-11-23T15:59:00Z', { kind: 'alreadyCheckedIn', day: '2026-11-23', streak: 1 }],
    ['across a year end', { streak: 2, lastDay: '2026-12-31' }, '2027-01-01T00:10:00+08:00', { kind: 'award', day: '2027-01-01', streak: 3, points: 10, bonus: 0, movesStreak: true }],
    ['for a day before the latest one (a tap recorded late)', { streak: 4, lastDay: '2026-11-24' }, '2026-11-23T23:58:00+08:00', { kind: 'award', day: '2026-11-23', streak: 4, points: 10, bonus: 0, movesStreak: false }],
    ['across a leap day', { streak: 2, lastDay: '2028-02-28' }, '2028-02-29T09:00:00+08:00', { kind: 'award', day: '2028-02-29', streak: 3, points: 10, bonus: 0, movesStreak: true }],
  ])('%s', (_, state, now, expected) => {
    expect(planCheckIn(state, at(now), rules)).toEqual(expected);
  });

  it.each([
    [1, 6],
    [6, 1],
    [7, 0],
    [8, 6],
  ])('counts %i days of streak as %i days to the bonus', (streak, days) => {
    expect(daysToStreakBonus(streak, 7)).toBe(days);
  });
});
