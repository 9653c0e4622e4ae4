import { computeDailyStats, daysBetween, factsNeededSince, type LedgerDayRow, type MemberFact, type StatsFacts } from '../../../src/analytics/daily-stats';

const member = (memberId: string, joinedDay: string, overrides: Partial<MemberFact> = {}): MemberFact => ({
  memberId,
  joinedDay,
  tier: 'member',
  channels: ['line'],
  lastChatDay: null,
  ...overrides,
});
const checkIn = (memberId: string, day: string): LedgerDayRow => ({ memberId, day, kind: 'earn', reason: 'checkin', points: 10, entries: 1 });

describe('computeDailyStats', () => {
  // Given a hand-built week: Amy joins on Monday and checks in daily, Ben joined long ago and only
  // checked in 40 days before, Cat joins on Wednesday and redeems on Friday, Dan chatted on Tuesday.
  const week = daysBetween('2026-11-16', '2026-11-22');
  const facts: StatsFacts = {
    members: [
      member('amy', '2026-11-16', { tier: 'silver', channels: ['line', 'messenger'] }),
      member('ben', '2026-09-01', { channels: [] }),
      member('cat', '2026-11-18', { channels: ['web'] }),
      member('dan', '2026-10-01', { lastChatDay: '2026-11-17' }),
    ],
    ledger: [
      { memberId: 'amy', day: '2026-11-16', kind: 'earn', reason: 'signupBonus', points: 50, entries: 1 },
      ...week.map((day) => checkIn('amy', day)),
      checkIn('ben', '2026-10-07'),
      { memberId: 'cat', day: '2026-11-18', kind: 'earn', reason: 'signupBonus', points: 50, entries: 1 },
      { memberId: 'cat', day: '2026-11-20', kind: 'spend', reason: 'redemption', points: -40, entries: 1 },
      { memberId: 'cat', day: '2026-11-21', kind: 'earn', reason: 'refund', points: 40, entries: 1 },
      { memberId: 'ben', day: '2026-11-19', kind: 'expire', reason: 'expiry', points: -10, entries: 1 },
      { memberId: 'ben', day: '2026-11-19', kind: 'earn', reason: 'birthdayBonus', points: 100, entries: 1 },
      { memberId: 'sandbox-1', day: '2026-11-19', kind: 'earn', reason: 'checkin', points: 10, entries: 1 },
    ],
    tierChanges: [{ memberId: 'amy', day: '2026-11-19', at: new Date('2026-11-18T19:00:00Z'), from: 'member', to: 'silver' }],
    redemptions: [{ memberId: 'cat', day: '2026-11-20', rewardId: 'coffee' }],
  };
  const stats = computeDailyStats(facts, week);
  const on = (day: string) => stats.find((entry) => entry.day === day)!;

  it.each([
    // day,         total, new, active, checkedIn, rate
    ['2026-11-16', 3, 1, 1, 1, 1],
    ['2026-11-17', 3, 0, 2, 1, 0.5],
    ['2026-11-18', 4, 1, 3, 1, 0.3333],
    ['2026-11-22', 4, 0, 3, 1, 0.3333],
  ])('on %s: %i members, %i new, %i active, %i checked in, rate %d', (day, total, signups, active, checkedIn, rate) => {
    expect(on(day)).toMatchObject({ totalMembers: total, newSignups: signups, activeMembers: active, checkedIn, checkInRate: rate });
  });

  it('counts points by what happened, and birthday bonuses as issued without making anyone active', () => {
    expect(on('2026-11-19').points).toEqual({ issued: 110, redeemed: 0, refunded: 0, expired: 10 });
    expect(on('2026-11-20').points).toEqual({ issued: 10, redeemed: 40, refunded: 0, expired: 0 });
    expect(on('2026-11-21').points).toEqual({ issued: 10, redeemed: 0, refunded: 40, expired: 0 });
    expect(on('2026-11-20').redemptionsByReward).toEqual({ coffee: 1 });
  });

  it('rolls tiers back through later changes, and counts members per linked channel', () => {
    expect(on('2026-11-18').tierMix).toEqual({ member: 4 });
    expect(on('2026-11-19').tierMix).toEqual({ silver: 1, member: 3 });
    expect(on('2026-11-18').channelMix).toEqual({ line: 2, messenger: 1, none: 1, web: 1 });
  });

  it('has no check-in rate on a day nobody was active', () => {
    expect(computeDailyStats({ members: [member('ben', '2026-01-01')], ledger: [], tierChanges: [], redemptions: [] }, ['2026-11-16'])[0]!.checkInRate).toBeNull();
  });

  it('needs facts from 29 days before the first day asked', () => {
    expect(factsNeededSince(['2026-11-22', '2026-11-16'])).toBe('2026-10-18');
  });
});
