import { DateTime } from 'luxon';
import { tierOutlook, type KeepOutlook } from '../../../src/loyalty/tiers/tier-outlook';
import { defaultTierRules, type DowngradeMode, type QualificationBasis, type TierRules } from '../../../src/loyalty/tiers/tier-rules';

// Default tiers: member 0; silver entry 500 / retain 400; gold entry 2000 / retain 1600.
const zone = 'Asia/Taipei';
const rules = (basis: QualificationBasis, mode: DowngradeMode = 'oneTierAtATime', graceDays = 0): TierRules => ({
  ...defaultTierRules,
  basis,
  downgrade: { mode, graceDays },
});
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });
const day = (date: DateTime | null) => date?.toISODate() ?? null;

function keepSummary(keep: KeepOutlook): [string, number | null, string | null] {
  switch (keep.kind) {
    case 'secureUntil':
      return [keep.kind, null, day(keep.until)];
    case 'earnToKeep':
      return [keep.kind, keep.points, day(keep.by)];
    case 'graceUntil':
      return [keep.kind, keep.points, day(keep.until)];
    default:
      return [keep.kind, null, null];
  }
}

describe('tierOutlook: what keeps the tier', () => {
  it.each<[string, TierRules, string, Record<string, number>, string, string | null, [string, number | null, string | null]]>([
    ['the first tier has nothing to keep', rules('rolling12Months'), 'member', {}, '2026-11-23T10:00:00+08:00', null, ['lowestTier', null, null]],
    ['lifetime points never lapse', rules('lifetime'), 'gold', { '2001-01': 2000 }, '2026-11-23T10:00:00+08:00', null, ['forGood', null, null]],
    ['downgrades switched off', rules('rolling12Months', 'never'), 'gold', {}, '2026-11-23T10:00:00+08:00', null, ['forGood', null, null]],
    // 1,600 from December 2025 leaves the window at the end of November 2026.
    ['rolling: the oldest month drops out at this month end', rules('rolling12Months'), 'gold', { '2025-12': 1600, '2026-11': 100 }, '2026-11-23T10:00:00+08:00', null, ['earnToKeep', 1500, '2026-11-30']],
    ['rolling: secure until the month before the window falls short', rules('rolling12Months'), 'gold', { '2026-03': 1000, '2026-05': 700 }, '2026-11-23T10:00:00+08:00', null, ['secureUntil', null, '2027-02-28']],
    ['rolling: a leap-year February end', rules('rolling12Months'), 'silver', { '2027-02': 400 }, '2027-12-10T10:00:00+08:00', null, ['secureUntil', null, '2028-01-31']],
    ['rolling: the Taipei month, not UTC', rules('rolling12Months'), 'silver', { '2025-12': 400 }, '2026-11-30T15:00:00Z', null, ['earnToKeep', 400, '2026-11-30']],
    ['calendar year: this year\'s points keep it through next year', rules('calendarYear'), 'gold', { '2026-02': 1600 }, '2026-11-23T10:00:00+08:00', null, ['secureUntil', null, '2027-12-31']],
    ['calendar year: kept on last year\'s points, earn by 31 Dec to keep it next year', rules('calendarYear'), 'gold', { '2025-05': 2000, '2026-02': 400 }, '2026-11-23T10:00:00+08:00', null, ['earnToKeep', 1200, '2026-12-31']],
    ['below the retain threshold within grace', rules('rolling12Months', 'oneTierAtATime', 30), 'gold', { '2026-11': 100 }, '2026-11-23T10:00:00+08:00', '2026-11-10T12:00:00+08:00', ['graceUntil', 1500, '2026-12-10']],
    ['below the retain threshold after grace: earn today', rules('rolling12Months', 'oneTierAtATime', 5), 'gold', { '2026-11': 100 }, '2026-11-23T10:00:00+08:00', '2026-11-10T12:00:00+08:00', ['earnToKeep', 1500, '2026-11-23']],
  ])('%s', (_, tierRules, tier, earnedByMonth, now, tierSince, expected) => {
    const outlook = tierOutlook({ earnedByMonth, tierSince: tierSince ? at(tierSince).toJSDate() : null }, tierRules, tier, at(now), zone);
    expect(keepSummary(outlook.keep)).toEqual(expected);
  });
});

describe('tierOutlook: what is next', () => {
  it.each<[string, QualificationBasis, string, Record<string, number>, string, [string, number, string | null] | null, number]>([
    ['rolling: reach it before this month ends', 'rolling12Months', 'silver', { '2026-06': 880 }, '2026-11-23T10:00:00+08:00', ['gold', 1120, '2026-11-30'], 0.2533],
    ['calendar year: by 31 December', 'calendarYear', 'member', { '2026-06': 380 }, '2026-11-23T10:00:00+08:00', ['silver', 120, '2026-12-31'], 0.76],
    ['lifetime: no deadline', 'lifetime', 'member', { '2020-01': 100 }, '2026-11-23T10:00:00+08:00', ['silver', 400, null], 0.2],
    ['qualified already: tonight moves the member up', 'rolling12Months', 'member', { '2026-11': 600 }, '2026-11-23T10:00:00+08:00', ['silver', 0, '2026-11-30'], 1],
    ['the top tier has no next one', 'rolling12Months', 'gold', { '2026-11': 3000 }, '2026-11-23T10:00:00+08:00', null, 1],
  ])('%s', (_, basis, tier, earnedByMonth, now, expected, progress) => {
    const outlook = tierOutlook({ earnedByMonth, tierSince: null }, rules(basis), tier, at(now), zone);
    expect(outlook.next && [outlook.next.tier.id, outlook.next.points, day(outlook.next.by)]).toEqual(expected);
    expect(outlook.progress).toBeCloseTo(progress, 3);
  });
});
