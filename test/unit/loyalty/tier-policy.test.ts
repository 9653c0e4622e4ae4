import { DateTime } from 'luxon';
import fc from 'fast-check';
import { decideTier, qualifyingPointsOf, type TierReason } from '../../../src/loyalty/tiers/tier-policy';
import { defaultTierRules, tierRulesSchema, type DowngradeMode, type QualificationBasis, type TierRules } from '../../../src/loyalty/tiers/tier-rules';

const zone = 'Asia/Taipei';
const rules = (basis: QualificationBasis, mode: DowngradeMode, graceDays = 0): TierRules => ({
  ...defaultTierRules,
  basis,
  downgrade: { mode, graceDays },
});
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('decideTier', () => {
  describe('qualification basis, in Asia/Taipei loyalty months', () => {
    it.each<[string, QualificationBasis, Record<string, number>, string, number, string]>([
      // given buckets, when judged at `now`, then the qualifying points and the tier
      ['rolling 12 months counts the current month and the 11 before', 'rolling12Months', { '2025-12': 300, '2026-11': 250 }, '2026-11-23T10:00:00+08:00', 550, 'silver'],
      ['rolling 12 months drops the 13th month back', 'rolling12Months', { '2025-11': 300, '2026-11': 250 }, '2026-11-23T10:00:00+08:00', 250, 'member'],
      // 2026-11-30T16:30Z is already 1 December in Taipei: December 2025 leaves the window.
      ['a UTC month end is the next loyalty month in Taipei', 'rolling12Months', { '2025-12': 300, '2026-11': 250 }, '2026-11-30T16:30:00Z', 250, 'member'],
      ['the last minute of November in Taipei still counts December 2025', 'rolling12Months', { '2025-12': 300, '2026-11': 250 }, '2026-11-30T15:59:00Z', 550, 'silver'],
      ['rolling 12 months from 29 Feb of a leap year starts in March', 'rolling12Months', { '2027-03': 500, '2028-02': 1500 }, '2028-02-29T23:59:00+08:00', 2000, 'gold'],
      ['rolling 12 months on 1 Mar of a leap year drops that March', 'rolling12Months', { '2027-03': 500, '2028-02': 1500 }, '2028-03-01T00:00:00+08:00', 1500, 'silver'],
      ['calendar year counts only this year', 'calendarYear', { '2026-12': 1900, '2027-01': 600 }, '2027-01-01T00:00:00+08:00', 600, 'silver'],
      ['calendar year on 31 Dec 23:59 Taipei still counts the whole year', 'calendarYear', { '2024-01': 1000, '2024-12': 1000 }, '2024-12-31T15:59:00Z', 2000, 'gold'],
      ['lifetime counts every month', 'lifetime', { '2001-01': 1000, '2026-11': 1000 }, '2026-11-23T10:00:00+08:00', 2000, 'gold'],
    ])('%s', (_, basis, earnedByMonth, now, qualifyingPoints, tier) => {
      expect(decideTier({ earnedByMonth }, rules(basis, 'oneTierAtATime'), 'member', at(now), zone)).toEqual({
        tier,
        reason: tier === 'member' ? 'retained' : 'qualified',
        qualifyingPoints,
      });
    });
  });

  describe('downgrades', () => {
    const now = '2026-11-23T10:00:00+08:00';
    it.each<[string, DowngradeMode, number, string, number, string | null, string, TierReason]>([
      ['gold at the retain threshold keeps gold', 'oneTierAtATime', 0, 'gold', 1600, null, 'gold', 'retained'],
      ['gold below retain moves one tier down', 'oneTierAtATime', 0, 'gold', 100, null, 'silver', 'downgraded'],
      ['gold below retain goes straight to the qualified tier', 'toQualifiedTier', 0, 'gold', 100, null, 'member', 'downgraded'],
      ['toQualifiedTier uses the lower tier retain threshold', 'toQualifiedTier', 0, 'gold', 450, null, 'silver', 'downgraded'],
      ['never keeps the tier', 'never', 0, 'gold', 0, null, 'gold', 'neverDowngraded'],
      ['grace keeps the tier until tierSince + graceDays', 'oneTierAtATime', 30, 'gold', 0, '2026-10-25T10:00:01+08:00', 'gold', 'inGracePeriod'],
      ['grace ends exactly graceDays after tierSince', 'oneTierAtATime', 30, 'gold', 0, '2026-10-24T10:00:00+08:00', 'silver', 'downgraded'],
      ['grace over 29 Feb of a leap year counts that day', 'toQualifiedTier', 2, 'silver', 0, '2028-02-28T12:00:00+08:00', 'silver', 'inGracePeriod'],
      ['an unknown tierSince gives no grace', 'oneTierAtATime', 30, 'silver', 0, null, 'member', 'downgraded'],
      ['the first tier never moves down', 'toQualifiedTier', 0, 'member', 0, null, 'member', 'retained'],
      ['an upgrade beats any downgrade rule', 'never', 0, 'silver', 2500, null, 'gold', 'qualified'],
      ['an unknown current tier takes the qualified tier', 'never', 0, 'platinum', 600, null, 'silver', 'unknownTier'],
    ])('%s', (_, mode, graceDays, current, earned, tierSince, tier, reason) => {
      const when = tierSince?.startsWith('2028') ? at('2028-03-01T11:00:00+08:00') : at(now);
      const month = when.setZone(zone).toFormat('yyyy-MM');
      const history = { earnedByMonth: { [month]: earned }, tierSince: tierSince ? at(tierSince).toJSDate() : null };
      expect(decideTier(history, rules('rolling12Months', mode, graceDays), current, when, zone)).toEqual({ tier, reason, qualifyingPoints: earned });
    });
  });
});

describe('tierRulesSchema', () => {
  it('accepts the shipped defaults', () => {
    expect(tierRulesSchema.safeParse(defaultTierRules).success).toBe(true);
  });

  it.each<[string, (draft: TierRules) => void, string]>([
    ['the first tier not at 0', (draft) => (draft.tiers[0]!.entryThreshold = 10), 'tiers.0.entryThreshold'],
    ['retain above entry', (draft) => (draft.tiers[1]!.retainThreshold = 600), 'tiers.1.retainThreshold'],
    ['tiers out of order', (draft) => (draft.tiers[2]!.entryThreshold = 400), 'tiers.2.entryThreshold'],
    ['retain thresholds decreasing', (draft) => (draft.tiers[2]!.retainThreshold = 300), 'tiers.2.retainThreshold'],
    ['a duplicate id', (draft) => (draft.tiers[2]!.id = 'silver'), 'tiers.2.id'],
  ])('rejects %s', (_, change, path) => {
    const draft = structuredClone(defaultTierRules);
    change(draft);
    const parsed = tierRulesSchema.safeParse(draft);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('calendar-year tiers last through the next year', () => {
  it.each<[string, Record<string, number>, string, string, TierReason]>([
    ['Gold reached in 2026 is kept on 1 January 2027 with no 2027 points', { '2026-06': 2000 }, '2027-01-01T00:00:00+08:00', 'gold', 'retained'],
    ['and still on 31 December 2027 in Taipei', { '2026-06': 2000 }, '2027-12-31T23:59:00+08:00', 'gold', 'retained'],
    ['but not into 2028', { '2026-06': 2000 }, '2028-01-01T00:00:00+08:00', 'silver', 'downgraded'],
    ['2027 points keep it into 2028', { '2026-06': 2000, '2027-03': 1600 }, '2028-01-01T00:00:00+08:00', 'gold', 'retained'],
  ])('%s', (_, earnedByMonth, now, tier, reason) => {
    expect(decideTier({ earnedByMonth }, rules('calendarYear', 'oneTierAtATime'), 'gold', at(now), zone)).toMatchObject({ tier, reason });
  });
});

describe('qualifyingPointsOf', () => {
  // The window as the rules define it, walked a month at a time with luxon: what the arithmetic must match.
  const walkedWindow = (basis: 'rolling12Months' | 'calendarYear', now: DateTime): string[] => {
    const months: string[] = [];
    const start = basis === 'calendarYear' ? now.startOf('year') : now.startOf('month').minus({ months: 11 });
    for (let month = start; month <= now; month = month.plus({ months: 1 })) months.push(month.toFormat('yyyy-MM'));
    return months;
  };

  it('sums exactly the months of the window, for any instant and zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1999-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.constantFrom('Asia/Taipei', 'America/New_York', 'Pacific/Kiritimati', 'UTC'),
        fc.constantFrom('rolling12Months' as const, 'calendarYear' as const),
        (instant, zoneName, basis) => {
          const now = DateTime.fromJSDate(instant).setZone(zoneName);
          // One point per month around the window, each month a different power of two, so any wrong month shows.
          const earnedByMonth: Record<string, number> = {};
          for (let offset = -15; offset <= 2; offset += 1) earnedByMonth[now.plus({ months: offset }).toFormat('yyyy-MM')] = 2 ** (offset + 15);
          const expected = walkedWindow(basis, now).reduce((sum, month) => sum + (earnedByMonth[month] ?? 0), 0);
          expect(qualifyingPointsOf(earnedByMonth, basis, now)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
