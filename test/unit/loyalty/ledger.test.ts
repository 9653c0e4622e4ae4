import { DateTime } from 'luxon';
import { expiryOf, planExpiry, planSpend, type Lot } from '../../../src/loyalty/points/ledger';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });
const lot = (key: string, remaining: number, earnedAt: string, expiresAt: string | null): Lot => ({
  key,
  points: remaining,
  remaining,
  earnedAt: new Date(earnedAt),
  expiresAt: expiresAt === null ? null : new Date(expiresAt),
});

const lots = [
  lot('never', 100, '2026-01-01T00:00:00Z', null),
  lot('late', 30, '2026-03-01T00:00:00Z', '2027-03-31T15:59:59Z'),
  lot('early', 20, '2026-02-01T00:00:00Z', '2027-02-28T15:59:59Z'),
  lot('gone', 50, '2025-01-01T00:00:00Z', '2026-01-31T15:59:59Z'),
];

describe('planSpend()', () => {
  const now = at('2026-11-23T10:00:00+08:00');

  it.each([
    [10, [{ lot: 'early', points: 10 }]],
    [20, [{ lot: 'early', points: 20 }]],
    [45, [{ lot: 'early', points: 20 }, { lot: 'late', points: 25 }]],
    [150, [{ lot: 'early', points: 20 }, { lot: 'late', points: 30 }, { lot: 'never', points: 100 }]],
  ])('spends %i points from the lots that expire soonest first', (amount, draws) => {
    const plan = planSpend(lots, amount, now);
    expect(plan).toMatchObject({ kind: 'ok', draws });
  });

  it('never spends an expired lot, even before the expiry job has run', () => {
    expect(planSpend(lots, 151, now)).toEqual({ kind: 'notEnoughPoints', available: 150, shortBy: 1 });
  });

  it('drops emptied lots and keeps the rest', () => {
    const plan = planSpend(lots, 25, now);
    if (plan.kind !== 'ok') throw new Error('expected a plan');
    expect(plan.lotsAfter.map((entry) => [entry.key, entry.remaining])).toEqual([
      ['never', 100],
      ['late', 25],
      ['gone', 50],
    ]);
  });
});

describe('planExpiry()', () => {
  it('takes only what remains of due lots', () => {
    const spent = lots.map((entry) => (entry.key === 'gone' ? { ...entry, remaining: 12 } : entry));
    const plan = planExpiry(spent, at('2026-11-23T10:00:00+08:00'));
    expect(plan.draws).toEqual([{ lot: 'gone', points: 12 }]);
    expect(plan.lotsAfter.map((entry) => entry.key)).toEqual(['never', 'late', 'early']);
  });

  it('expires a lot at its expiry instant, not a millisecond before', () => {
    expect(planExpiry(lots, at('2027-02-28T15:59:58Z')).draws).toEqual([{ lot: 'gone', points: 50 }]);
    expect(planExpiry(lots, at('2027-02-28T15:59:59Z')).draws).toEqual([
      { lot: 'early', points: 20 },
      { lot: 'gone', points: 50 },
    ]);
  });
});

describe('expiryOf()', () => {
  it.each([
    [{ kind: 'never' } as const, '2026-11-23T10:00:00+08:00', null],
    [{ kind: 'monthsAfterEarning', months: 12 } as const, '2026-11-23T10:00:00+08:00', '2027-11-23T23:59:59.999+08:00'],
    [{ kind: 'endOfMonthAfter', months: 12 } as const, '2026-11-23T10:00:00+08:00', '2027-11-30T23:59:59.999+08:00'],
    [{ kind: 'endOfMonthAfter', months: 3 } as const, '2027-11-30T23:30:00+08:00', '2028-02-29T23:59:59.999+08:00'],
    [{ kind: 'monthsAfterEarning', months: 1 } as const, '2027-01-31T12:00:00+08:00', '2027-02-28T23:59:59.999+08:00'],
    // 16:30 UTC on 30 Nov is already 1 Dec in Taipei: the lot belongs to December
    [{ kind: 'endOfMonthAfter', months: 0 } as const, '2026-11-30T16:30:00Z', '2026-12-31T23:59:59.999+08:00'],
  ])('%j from %s expires at %s', (policy, earnedAt, expected) => {
    const expiresAt = expiryOf(policy, at(earnedAt), 'Asia/Taipei');
    expect(expiresAt === null ? null : DateTime.fromJSDate(expiresAt).setZone('Asia/Taipei').toISO()).toBe(expected);
  });
});
