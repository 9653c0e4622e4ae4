import { DateTime } from 'luxon';
import {
  catalogFor,
  eligibilityOf,
  holdUntilOf,
  offerTo,
  spendableBalance,
} from '../../../src/loyalty/rewards/redemption-policy';
import type { Reward, RewardId } from '../../../src/loyalty/rewards/reward';
import { slugOf } from '../../../src/loyalty/rewards/reward';
import type { Tier } from '../../../src/loyalty/tiers/tier';
import { aReward } from '../../support/builders';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });
const tiers: Tier[] = [
  { id: 'member', name: { 'zh-TW': '一般會員', en: 'Member' }, threshold: 0, order: 0 },
  { id: 'silver', name: { 'zh-TW': '銀卡會員', en: 'Silver' }, threshold: 500, order: 1 },
  { id: 'gold', name: { 'zh-TW': '金卡會員', en: 'Gold' }, threshold: 2000, order: 2 },
];
const silver = tiers[1]!;
const gold = tiers[2]!;

function reward(overrides: Partial<Reward> = {}): Reward {
  return aReward({ id: 'coffee' as RewardId, name: { 'zh-TW': '咖啡', en: 'Coffee' }, description: { 'zh-TW': '', en: '' }, ...overrides });
}

const december = { startsAt: new Date('2026-12-01T00:00:00+08:00'), endsAt: new Date('2027-01-01T00:00:00+08:00') };

describe('offerTo()', () => {
  it.each([
    ['always on offer', reward(), 'member', '2026-11-23T10:00:00+08:00', { kind: 'onOffer' }],
    ['inactive', reward({ active: false }), 'gold', '2026-11-23T10:00:00+08:00', { kind: 'notAvailable', reason: 'inactive' }],
    ['a second before its window (Taipei)', reward(december), 'member', '2026-11-30T23:59:59+08:00', { kind: 'notAvailable', reason: 'notStarted' }],
    ['at the start of its window, inclusive', reward(december), 'member', '2026-12-01T00:00:00+08:00', { kind: 'onOffer' }],
    ['at 16:00 UTC, already the window in Taipei', reward(december), 'member', '2026-11-30T16:00:00Z', { kind: 'onOffer' }],
    ['a second before its end', reward(december), 'member', '2026-12-31T23:59:59+08:00', { kind: 'onOffer' }],
    ['at its end, exclusive', reward(december), 'member', '2027-01-01T00:00:00+08:00', { kind: 'notAvailable', reason: 'ended' }],
    ['with only an end', reward({ endsAt: december.endsAt }), 'member', '2020-01-01T00:00:00+08:00', { kind: 'onOffer' }],
    ['silver+ to a member', reward({ minimumTier: 'silver' }), 'member', '2026-11-23T10:00:00+08:00', { kind: 'tierTooLow', requiredTier: silver }],
    ['silver+ to silver', reward({ minimumTier: 'silver' }), 'silver', '2026-11-23T10:00:00+08:00', { kind: 'onOffer' }],
    ['silver+ to gold (tier order, not equality)', reward({ minimumTier: 'silver' }), 'gold', '2026-11-23T10:00:00+08:00', { kind: 'onOffer' }],
    ['gold-only to silver', reward({ minimumTier: 'gold' }), 'silver', '2026-11-23T10:00:00+08:00', { kind: 'tierTooLow', requiredTier: gold }],
    ['silver+ to a member on a removed tier', reward({ minimumTier: 'silver' }), 'vip-2019', '2026-11-23T10:00:00+08:00', { kind: 'tierTooLow', requiredTier: silver }],
    ['for a tier nobody defined', reward({ minimumTier: 'platinum' }), 'gold', '2026-11-23T10:00:00+08:00', { kind: 'notAvailable', reason: 'tierUndefined' }],
    ['inactive wins over the window', reward({ ...december, active: false }), 'member', '2026-11-23T10:00:00+08:00', { kind: 'notAvailable', reason: 'inactive' }],
  ])('given a reward %s, decides the offer', (_, given, memberTier, now, expected) => {
    expect(offerTo(given, memberTier, tiers, at(now))).toEqual(expected);
  });
});

describe('eligibilityOf()', () => {
  const now = at('2026-11-23T10:00:00+08:00');
  it.each([
    ['affordable, with the balance after', reward({ cost: 100 }), { tier: 'member', points: 250, held: 0 }, { kind: 'eligible', balanceAfter: 150 }],
    ['exactly affordable', reward({ cost: 100 }), { tier: 'member', points: 100, held: 0 }, { kind: 'eligible', balanceAfter: 0 }],
    ['short of points', reward({ cost: 500 }), { tier: 'member', points: 110, held: 0 }, { kind: 'notEnoughPoints', shortBy: 390 }],
    ['sold out', reward({ stock: 0 }), { tier: 'member', points: 1000, held: 0 }, { kind: 'outOfStock' }],
    ['the last unit', reward({ stock: 1 }), { tier: 'member', points: 1000, held: 0 }, { kind: 'eligible', balanceAfter: 900 }],
    ['at the per-member limit', reward({ perMemberLimit: 1 }), { tier: 'member', points: 1000, held: 1 }, { kind: 'overLimit', limit: 1 }],
    ['under the per-member limit', reward({ perMemberLimit: 2 }), { tier: 'member', points: 1000, held: 1 }, { kind: 'eligible', balanceAfter: 900 }],
    ['over the limit wins over sold out', reward({ perMemberLimit: 1, stock: 0 }), { tier: 'member', points: 0, held: 1 }, { kind: 'overLimit', limit: 1 }],
    ['sold out wins over points', reward({ stock: 0, cost: 500 }), { tier: 'member', points: 0, held: 0 }, { kind: 'outOfStock' }],
    ['tier wins over points', reward({ minimumTier: 'gold', cost: 500 }), { tier: 'silver', points: 0, held: 0 }, { kind: 'tierTooLow', requiredTier: gold }],
  ])('%s', (_, given, redeemer, expected) => {
    expect(eligibilityOf(given, redeemer, tiers, now)).toEqual(expected);
  });
});

describe('catalogFor()', () => {
  const now = at('2026-11-23T10:00:00+08:00');
  const catalog = [
    reward({ id: 'tote' as RewardId, cost: 500, stock: 50 }),
    reward({ id: 'coffee' as RewardId, cost: 100 }),
    reward({ id: 'cake' as RewardId, cost: 200 }),
    reward({ id: 'sold-out-mug' as RewardId, cost: 50, stock: 0 }),
    reward({ id: 'gold-dinner' as RewardId, cost: 150, minimumTier: 'gold' }),
    reward({ id: 'one-per-member' as RewardId, cost: 10, perMemberLimit: 1 }),
    reward({ id: 'christmas' as RewardId, cost: 10, ...december }),
    reward({ id: 'retired' as RewardId, cost: 10, active: false }),
  ];

  it('puts what the member can redeem now first, then by cost; hides what is not on offer', () => {
    const entries = catalogFor(catalog, { tier: 'silver', points: 220 }, new Map([['one-per-member', 1]]), tiers, now);
    expect(entries.map((entry) => [entry.reward.id, entry.eligibility.kind])).toEqual([
      ['coffee', 'eligible'],
      ['cake', 'eligible'],
      ['tote', 'notEnoughPoints'],
      ['gold-dinner', 'tierTooLow'],
      ['one-per-member', 'overLimit'],
      ['sold-out-mug', 'outOfStock'],
    ]);
  });

  it('orders by cost alone when the member can afford nothing', () => {
    const entries = catalogFor(catalog.slice(0, 3), { tier: 'member', points: 0 }, new Map(), tiers, now);
    expect(entries.map((entry) => entry.reward.id)).toEqual(['coffee', 'cake', 'tote']);
  });

  it('shows a seasonal reward inside its window', () => {
    const entries = catalogFor(catalog, { tier: 'member', points: 0 }, new Map(), tiers, at('2026-12-24T20:00:00+08:00'));
    expect(entries.map((entry) => entry.reward.id)).toContain('christmas');
  });
});

describe('holdUntilOf()', () => {
  it.each([
    ['72 hours later', '2026-11-23T10:00:00+08:00', 72, '2026-11-26T10:00:00+08:00'],
    ['across a month end', '2026-11-30T22:30:00+08:00', 48, '2026-12-02T22:30:00+08:00'],
    ['by the clock, not the calendar day', '2026-11-23T23:59:00+08:00', 1, '2026-11-24T00:59:00+08:00'],
  ])('holds a voucher %s', (_, redeemedAt, hours, until) => {
    expect(holdUntilOf(at(redeemedAt), hours)).toEqual(new Date(until));
  });
});

describe('spendableBalance()', () => {
  it('leaves out lots past their expiry even before the expiry job has run', () => {
    const lots = [
      { key: 'a', points: 100, remaining: 60, earnedAt: new Date('2026-01-01'), expiresAt: new Date('2026-11-23T09:00:00+08:00') },
      { key: 'b', points: 50, remaining: 50, earnedAt: new Date('2026-06-01'), expiresAt: null },
    ];
    expect(spendableBalance(lots, at('2026-11-23T10:00:00+08:00'))).toBe(50);
    expect(spendableBalance(lots, at('2026-11-23T08:00:00+08:00'))).toBe(110);
  });
});

describe('slugOf()', () => {
  it.each([
    ['NT$200 voucher', 'nt-200-voucher'],
    ['Americano (medium)', 'americano-medium'],
    ['Café Crème', 'cafe-creme'],
    ['中杯美式', ''],
  ])('%s → %s', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });
});
