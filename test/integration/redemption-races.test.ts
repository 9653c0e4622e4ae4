import { randomUUID } from 'node:crypto';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { cancelRedemption } from '../../src/loyalty/rewards/cancel-redemption';
import { fulfilRedemption } from '../../src/loyalty/rewards/fulfil-redemption';
import { recoverRedemptions, redeemReward, type RedeemOutcome, type RedemptionDeps } from '../../src/loyalty/rewards/redeem-reward';
import { newRedemptionId, redemptionKeyOf, spendKeyOf, type Redemption } from '../../src/loyalty/rewards/redemption';
import { releaseReservations } from '../../src/loyalty/rewards/release-reservations';
import type { Reward, RewardId } from '../../src/loyalty/rewards/reward';
import { newMemberId, type MemberId } from '../../src/shared/ids';
import { aNewMember, aReward } from '../support/builders';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let deps: RedemptionDeps;
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', POINTS_EXPIRY_POLICY: 'never', REDEMPTION_HOLD_HOURS: '72' });
  deps = {
    ...platform.repositories,
    rules: { earning: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' }, redemptionHoldHours: 72 },
  };
});
afterAll(() => platform.close());
beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

const rounds = 4;

async function newMember(points: number, tier = 'member'): Promise<MemberId> {
  const id = newMemberId();
  const now = platform.clock.now();
  await platform.repositories.members.create(aNewMember({ id, name: 'Race', tier, createdAt: now.toJSDate() }));
  if (points > 0) {
    await platform.repositories.ledger.earn({ key: `seed:${id}`, memberId: id, points, reason: 'adjustment', now, expiresAt: null });
  }
  return id;
}

async function newReward(overrides: Partial<Reward> = {}): Promise<Reward> {
  const reward = aReward({
    id: `r-${randomUUID().slice(0, 8)}` as RewardId,
    name: { 'zh-TW': '帆布袋', en: 'Tote bag' },
    description: { 'zh-TW': '', en: '' },
    ...overrides,
  });
  await platform.repositories.rewards.create(reward, platform.clock.now().toJSDate());
  return reward;
}

const redeem = (memberId: MemberId, reward: Reward, flowRunId: string = randomUUID()) =>
  redeemReward(deps, { memberId, rewardId: reward.id, flowRunId, locale: 'en', now: platform.clock.now() });
const pointsOf = async (memberId: MemberId) => (await platform.repositories.members.findById(memberId))!.points;
const stockOf = async (reward: Reward) => (await platform.repositories.rewards.findById(reward.id))!.stock;
const kinds = (outcomes: RedeemOutcome[]) => outcomes.map((outcome) => outcome.kind).sort();
const redeemedOf = (outcome: RedeemOutcome) => {
  if (outcome.kind !== 'redeemed') throw new Error(`expected redeemed, got ${outcome.kind}`);
  return outcome.redemption;
};
const spendsOf = (memberId: MemberId) => platform.repositories.ledger.model.countDocuments({ memberId, reason: 'redemption', status: 'applied' });

/** The reward's own markers (the catalogue never shows them): who holds a unit in flight, whose unit came back. */
async function stockMarkersOf(reward: Reward): Promise<{ holders: string[]; returns: string[] }> {
  const doc = await platform.repositories.rewards.models[0]!.findById(reward.id, { stockHolders: 1, stockReturns: 1 }).lean<{ stockHolders: string[]; stockReturns: string[] }>();
  return { holders: doc!.stockHolders, returns: doc!.stockReturns };
}

const cancel = (voucher: Redemption) => cancelRedemption(deps, { redemptionId: voucher.id, now: platform.clock.now(), handledBy: 'admin:test' });

async function expectLedgerConsistent() {
  expect((await verifyLedger(platform.repositories)).problems).toEqual([]);
}

describe('redeeming under concurrency', () => {
  it('lets exactly 5 of 20 members redeem a reward with stock 5, and stock ends at 0', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const reward = await newReward({ stock: 5 });
      const members = await Promise.all(Array.from({ length: 20 }, () => newMember(100)));
      const outcomes = await Promise.all(members.map((memberId) => redeem(memberId, reward)));

      expect(kinds(outcomes)).toEqual([...Array(5).fill('redeemed'), ...Array(15).fill('outOfStock')].sort());
      expect(await stockOf(reward)).toBe(0);
      const balances = await Promise.all(members.map(pointsOf));
      expect(balances.filter((points) => points === 0)).toHaveLength(5);
      expect(balances.filter((points) => points === 100)).toHaveLength(15);
      const codes = outcomes.filter((outcome) => outcome.kind === 'redeemed').map((outcome) => redeemedOf(outcome).id);
      expect(new Set(codes).size).toBe(5);
    }
    await expectLedgerConsistent();
  });

  it('makes one redemption and one spend when one member confirms the same question 10 times at once', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const reward = await newReward({ stock: 10, perMemberLimit: 3, usesCouponPool: true });
      await platform.repositories.rewards.addCouponCodes(reward.id, ['C1', 'C2', 'C3', 'C4', 'C5'], new Date());
      const memberId = await newMember(300);
      const flowRunId = randomUUID();

      const outcomes = await Promise.all(Array.from({ length: 10 }, () => redeem(memberId, reward, flowRunId)));

      expect(kinds(outcomes)).toEqual(Array(10).fill('redeemed'));
      const vouchers = new Set(outcomes.map((outcome) => redeemedOf(outcome).id));
      const coupons = new Set(outcomes.map((outcome) => redeemedOf(outcome).couponCode));
      expect(vouchers.size).toBe(1);
      expect(coupons.size).toBe(1);
      expect(outcomes.map((outcome) => (outcome.kind === 'redeemed' ? outcome.balance : -1))).toEqual(Array(10).fill(200));
      expect(await platform.repositories.redemptions.list({ memberId, limit: 50 })).toMatchObject({ redemptions: [{ status: 'redeemed' }] });
      expect(await spendsOf(memberId)).toBe(1);
      expect(await pointsOf(memberId)).toBe(200);
      expect(await stockOf(reward)).toBe(9);
      expect(await platform.repositories.rewards.couponCodeCounts(reward.id)).toEqual({ total: 5, available: 4 });
      expect(await platform.repositories.redemptions.heldCounts(memberId, [reward.id])).toEqual(new Map([[reward.id, 1]]));
    }
    await expectLedgerConsistent();
  });

  it('holds the per-member limit when one member redeems from many flows at once, returning the losers’ stock', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const reward = await newReward({ stock: 10, perMemberLimit: 2 });
      const memberId = await newMember(1000);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => redeem(memberId, reward)));

      expect(kinds(outcomes)).toEqual([...Array(2).fill('redeemed'), ...Array(6).fill('overLimit')].sort());
      expect(await stockOf(reward)).toBe(8);
      expect(await pointsOf(memberId)).toBe(800);
      expect(await spendsOf(memberId)).toBe(2);
    }
    await expectLedgerConsistent();
  });

  it('hands each redeemer a distinct coupon code until the pool is empty, taking nothing from the rest', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const reward = await newReward({ usesCouponPool: true });
      await platform.repositories.rewards.addCouponCodes(reward.id, ['A-1', 'A-2', 'A-3'], new Date());
      const members = await Promise.all(Array.from({ length: 8 }, () => newMember(100)));
      const outcomes = await Promise.all(members.map((memberId) => redeem(memberId, reward)));

      expect(kinds(outcomes)).toEqual([...Array(3).fill('redeemed'), ...Array(5).fill('poolEmpty')].sort());
      const codes = outcomes.filter((outcome) => outcome.kind === 'redeemed').map((outcome) => redeemedOf(outcome).couponCode);
      expect(codes.sort()).toEqual(['A-1', 'A-2', 'A-3']);
      expect((await Promise.all(members.map(pointsOf))).sort()).toEqual([0, 0, 0, 100, 100, 100, 100, 100]);
    }
  });

  it('returns stock, code and limit slot when the spend fails because another redemption spent the points first', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const memberId = await newMember(150);
      const first = await newReward({ stock: 3, perMemberLimit: 1, usesCouponPool: true });
      const second = await newReward({ stock: 3, perMemberLimit: 1, usesCouponPool: true });
      await platform.repositories.rewards.addCouponCodes(first.id, ['F1', 'F2'], new Date());
      await platform.repositories.rewards.addCouponCodes(second.id, ['S1', 'S2'], new Date());

      const outcomes = await Promise.all([redeem(memberId, first), redeem(memberId, second)]);

      expect(kinds(outcomes)).toEqual(['notEnoughPoints', 'redeemed']);
      expect(outcomes.find((outcome) => outcome.kind === 'notEnoughPoints')).toMatchObject({ shortBy: 50 });
      expect(await pointsOf(memberId)).toBe(50);
      expect([await stockOf(first), await stockOf(second)].sort()).toEqual([2, 3]);
      const pools = [await platform.repositories.rewards.couponCodeCounts(first.id), await platform.repositories.rewards.couponCodeCounts(second.id)];
      expect(pools.map((pool) => pool.available).sort()).toEqual([1, 2]);
      const held = await platform.repositories.redemptions.heldCounts(memberId, [first.id, second.id]);
      expect([...held.values()].sort()).toEqual([0, 1]);
    }
    await expectLedgerConsistent();
  });
});

describe('cancelling, fulfilling and releasing vouchers', () => {
  it('refunds a cancelled voucher as a new lot and returns its stock, once however often it is cancelled', async () => {
    for (let round = 0; round < rounds; round += 1) {
      const reward = await newReward({ stock: 5, perMemberLimit: 1 });
      const memberId = await newMember(100);
      const voucher = redeemedOf(await redeem(memberId, reward));
      expect(await stockOf(reward)).toBe(4);

      const cancels = await Promise.all(
        Array.from({ length: 5 }, () => cancelRedemption(deps, { redemptionId: voucher.id, now: platform.clock.now(), handledBy: 'admin:test' })),
      );
      const again = await cancelRedemption(deps, { redemptionId: voucher.id.toLowerCase(), now: platform.clock.now(), handledBy: 'admin:test' });

      expect([...cancels, again].every((outcome) => outcome.kind === 'cancelled')).toBe(true);
      expect(again).toMatchObject({ kind: 'cancelled', refunded: 100, replayed: true, redemption: { status: 'cancelled' } });
      expect(await pointsOf(memberId)).toBe(100);
      expect(await stockOf(reward)).toBe(5);
      const refund = await platform.repositories.ledger.find(`refund:${voucher.id}`);
      expect(refund).toMatchObject({ kind: 'earn', reason: 'refund', points: 100, status: 'applied', note: 'Tote bag' });
      expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'refund' })).toBe(1);
      const lots = (await platform.repositories.members.balanceState(memberId))!.lots;
      expect(lots.map((lot) => lot.key)).toEqual([`refund:${voucher.id}`]);
      // The limit slot came back too: the member may redeem it again.
      expect(await redeem(memberId, reward)).toMatchObject({ kind: 'redeemed' });
    }
    await expectLedgerConsistent();
  });

  it('keeps no marker on the reward for a redeemed voucher, and hands each cancelled one back once', async () => {
    const reward = await newReward({ stock: 100 });
    const members = await Promise.all(Array.from({ length: 20 }, () => newMember(100)));
    const vouchers = (await Promise.all(members.map((memberId) => redeem(memberId, reward)))).map(redeemedOf);

    // Outstanding vouchers do not grow the reward's document: each one's status says it holds its unit.
    expect(await stockOf(reward)).toBe(80);
    expect(await stockMarkersOf(reward)).toEqual({ holders: [], returns: [] });

    await Promise.all(vouchers.flatMap((voucher) => [cancel(voucher), cancel(voucher), cancel(voucher)]));
    expect(await stockOf(reward)).toBe(100);
    const markers = await stockMarkersOf(reward);
    expect(markers.holders).toEqual([]);
    expect([...markers.returns].sort()).toEqual(vouchers.map((voucher) => voucher.id).sort());
    const again = await Promise.all(vouchers.map((voucher) => cancel(voucher)));
    expect(again.map((outcome) => outcome.kind)).toEqual(Array(20).fill('cancelled'));
    expect(await stockOf(reward)).toBe(100);
    await expectLedgerConsistent();
  });

  it('hands back once the unit of a voucher whose marker is still on the reward (redeemed by an earlier version)', async () => {
    const reward = await newReward({ stock: 5 });
    const memberId = await newMember(100);
    const voucher = redeemedOf(await redeem(memberId, reward));
    await platform.repositories.rewards.models[0]!.updateOne({ _id: reward.id }, { $push: { stockHolders: voucher.id } });

    await Promise.all([cancel(voucher), cancel(voucher), cancel(voucher)]);
    expect(await stockOf(reward)).toBe(5);
    expect(await stockMarkersOf(reward)).toEqual({ holders: [], returns: [voucher.id] });
  });

  it('does not hand back a unit taken before the stock was made unlimited, also once it is limited again', async () => {
    const reward = await newReward({ stock: 5 });
    const voucher = redeemedOf(await redeem(await newMember(100), reward));
    platform.clock.set('2026-11-23T10:01:00+08:00');
    await platform.repositories.rewards.update(reward.id, { stock: null }, platform.clock.now().toJSDate());
    expect(await cancel(voucher)).toMatchObject({ kind: 'cancelled' });
    expect(await stockOf(reward)).toBe(null);

    const later = redeemedOf(await redeem(await newMember(100), reward));
    platform.clock.set('2026-11-23T10:02:00+08:00');
    await platform.repositories.rewards.update(reward.id, { stock: 3 }, platform.clock.now().toJSDate());
    const limited = redeemedOf(await redeem(await newMember(100), reward));
    expect(await stockOf(reward)).toBe(2);
    await Promise.all([cancel(later), cancel(limited)]);
    // The unlimited one took nothing; the one taken since the stock was limited again comes back.
    expect(await stockOf(reward)).toBe(3);
  });

  it('fulfils once, and a fulfilled voucher can no longer be cancelled or released', async () => {
    const reward = await newReward({ stock: 2 });
    const memberId = await newMember(100);
    const voucher = redeemedOf(await redeem(memberId, reward));
    const request = { redemptionId: voucher.id, now: platform.clock.now(), handledBy: 'admin:test' };

    const fulfils = await Promise.all([fulfilRedemption(deps, request), fulfilRedemption(deps, request), fulfilRedemption(deps, request)]);

    expect(fulfils.map((outcome) => outcome.kind)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(fulfils.filter((outcome) => outcome.kind === 'fulfilled' && !outcome.replayed)).toHaveLength(1);
    expect(await cancelRedemption(deps, request)).toEqual({ kind: 'notCancellable', status: 'fulfilled' });
    platform.clock.set('2026-12-30T10:00:00+08:00');
    await releaseReservations(deps, platform.clock.now());
    expect((await platform.repositories.redemptions.findById(voucher.id))!.status).toBe('fulfilled');
    expect(await pointsOf(memberId)).toBe(0);
    expect(await stockOf(reward)).toBe(1);
  });

  it('releases a voucher nobody fulfilled within the hold: refund, stock back, status released, once', async () => {
    for (let round = 0; round < rounds; round += 1) {
      platform.clock.set('2026-11-23T10:00:00+08:00');
      const reward = await newReward({ stock: 3 });
      const memberId = await newMember(100);
      const voucher = redeemedOf(await redeem(memberId, reward));
      expect(voucher.holdUntil).toEqual(new Date('2026-11-26T10:00:00+08:00'));

      await releaseReservations(deps, platform.clock.now().plus({ hours: 71, minutes: 59 }));
      expect((await platform.repositories.redemptions.findById(voucher.id))!.status).toBe('redeemed');

      platform.clock.set('2026-11-26T10:00:00+08:00');
      const runs = await Promise.all([releaseReservations(deps, platform.clock.now()), releaseReservations(deps, platform.clock.now())]);
      expect(runs.map((run) => run.released).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(1);
      expect(await releaseReservations(deps, platform.clock.now())).toEqual({ released: 0, points: 0 });

      expect(await platform.repositories.redemptions.findById(voucher.id)).toMatchObject({ status: 'released', releasedAt: new Date('2026-11-26T10:00:00+08:00') });
      expect(await pointsOf(memberId)).toBe(100);
      expect(await stockOf(reward)).toBe(3);
      expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'refund' })).toBe(1);
      expect(await fulfilRedemption(deps, { redemptionId: voucher.id, now: platform.clock.now(), handledBy: 'admin:test' })).toEqual({
        kind: 'notFulfillable',
        status: 'released',
      });
    }
    await expectLedgerConsistent();
  });
});

describe('recovering from a crash mid-redemption', () => {
  /** What a process leaves behind when it dies after taking the limit slot, the stock unit and a coupon code. */
  async function abandonedRedemption(options: { spent: boolean }) {
    const reward = await newReward({ stock: 4, perMemberLimit: 1, usesCouponPool: true });
    await platform.repositories.rewards.addCouponCodes(reward.id, ['Z1', 'Z2'], new Date());
    const memberId = await newMember(100);
    const now = platform.clock.now();
    const flowRunId = randomUUID();
    const redemption: Redemption = {
      id: newRedemptionId(),
      key: redemptionKeyOf(memberId, flowRunId),
      memberId,
      rewardId: reward.id,
      rewardName: reward.name,
      note: reward.name.en,
      cost: reward.cost,
      takesStock: true,
      perMemberLimit: 1,
      usesCouponPool: true,
      couponCode: null,
      status: 'pending',
      failure: null,
      shortBy: null,
      balanceAfter: null,
      createdAt: now.toJSDate(),
      updatedAt: now.toJSDate(),
      redeemedAt: null,
      holdUntil: null,
      fulfilledAt: null,
      cancelledAt: null,
      releasedAt: null,
      handledBy: null,
    };
    await platform.repositories.redemptions.insert(redemption);
    await platform.repositories.redemptions.claimLimitSlot(reward.id, memberId, redemption.id, 1);
    await platform.repositories.rewards.takeStock(reward.id, redemption.id);
    await platform.repositories.rewards.claimCouponCode(reward.id, redemption.id, now.toJSDate());
    if (options.spent) {
      await platform.repositories.ledger.spend({ key: spendKeyOf(redemption.id), memberId, points: 100, reason: 'redemption', note: 'Tote bag', now });
    }
    return { reward, memberId, redemption, flowRunId };
  }

  it('leaves a redemption alone while its lease runs, then reverses one abandoned before the spend', async () => {
    const { reward, memberId, redemption, flowRunId } = await abandonedRedemption({ spent: false });

    expect(await recoverRedemptions(deps, platform.clock.now().plus({ minutes: 1 }))).toMatchObject({ reversed: 0 });
    expect((await platform.repositories.redemptions.findById(redemption.id))!.status).toBe('pending');

    platform.clock.set('2026-11-23T10:03:00+08:00');
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ reversed: 1, finished: 0 });
    expect(await platform.repositories.redemptions.findById(redemption.id)).toMatchObject({ status: 'failed', failure: 'interrupted' });
    expect(await stockOf(reward)).toBe(4);
    expect(await platform.repositories.rewards.couponCodeCounts(reward.id)).toEqual({ total: 2, available: 2 });
    expect(await platform.repositories.redemptions.heldCounts(memberId, [reward.id])).toEqual(new Map([[reward.id, 0]]));
    expect(await pointsOf(memberId)).toBe(100);
    // The same confirmation arriving again hears what happened, and nothing more is taken.
    expect(await redeem(memberId, reward, flowRunId)).toMatchObject({ kind: 'interrupted' });
    expect(await recoverRedemptions(deps, platform.clock.now())).toEqual({ finished: 0, reversed: 0, completed: 0, waiting: 0 });
  });

  it('finishes a redemption abandoned after the spend: the voucher with its coupon code, held from the spend', async () => {
    const { reward, memberId, redemption, flowRunId } = await abandonedRedemption({ spent: true });
    platform.clock.set('2026-11-23T10:05:00+08:00');

    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ finished: 1 });

    const finished = await platform.repositories.redemptions.findById(redemption.id);
    expect(finished).toMatchObject({ status: 'redeemed', holdUntil: new Date('2026-11-26T10:00:00+08:00') });
    expect(['Z1', 'Z2']).toContain(finished!.couponCode);
    expect(await stockOf(reward)).toBe(3);
    expect(await pointsOf(memberId)).toBe(0);
    expect(await redeem(memberId, reward, flowRunId)).toMatchObject({ kind: 'redeemed', redemption: { id: redemption.id } });
    await expectLedgerConsistent();
  });

  it('refunds a spend that a stalled process wrote after recovery had reversed its redemption', async () => {
    const { memberId, redemption } = await abandonedRedemption({ spent: false });
    platform.clock.set('2026-11-23T10:05:00+08:00');
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ reversed: 1 });
    await platform.repositories.ledger.spend({
      key: spendKeyOf(redemption.id),
      memberId,
      points: 100,
      reason: 'redemption',
      note: 'Tote bag',
      now: platform.clock.now(),
    });
    expect(await pointsOf(memberId)).toBe(0);

    platform.clock.set('2026-11-23T10:06:00+08:00');
    await recoverRedemptions(deps, platform.clock.now());
    await recoverRedemptions(deps, platform.clock.now());
    expect(await pointsOf(memberId)).toBe(100);
    expect(await platform.repositories.ledger.find(`refund:${redemption.id}`)).toMatchObject({ points: 100, status: 'applied' });
    await expectLedgerConsistent();
  });

  it('waits for the ledger to settle a spend still pending', async () => {
    const { memberId, redemption } = await abandonedRedemption({ spent: false });
    await platform.repositories.ledger.model.create({
      _id: spendKeyOf(redemption.id),
      memberId,
      kind: 'spend',
      points: -100,
      reason: 'redemption',
      note: 'Tote bag',
      createdAt: platform.clock.now().toJSDate(),
      expiresAt: null,
      draws: [],
      status: 'pending',
    });
    platform.clock.set('2026-11-23T10:05:00+08:00');
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ waiting: 1 });
    expect((await platform.repositories.redemptions.findById(redemption.id))!.status).toBe('pending');

    await platform.repositories.ledger.recoverPending(platform.clock.now().toJSDate(), platform.clock.now());
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ reversed: 1 });
    expect(await pointsOf(memberId)).toBe(100);
  });

  it('completes a cancellation a crash interrupted after its unit came back, without handing it back twice', async () => {
    const reward = await newReward({ stock: 2 });
    const memberId = await newMember(100);
    const voucher = redeemedOf(await redeem(memberId, reward));
    await platform.repositories.redemptions.transition(voucher.id, ['redeemed'], 'cancelling', { updatedAt: platform.clock.now().toJSDate() });
    expect(await platform.repositories.rewards.returnRedeemedStock(reward.id, voucher.id, voucher.createdAt)).toBe(true);
    expect(await stockOf(reward)).toBe(2);

    platform.clock.set('2026-11-23T10:05:00+08:00');
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ completed: 1 });
    expect((await platform.repositories.redemptions.findById(voucher.id))!.status).toBe('cancelled');
    expect(await pointsOf(memberId)).toBe(100);
    expect(await stockOf(reward)).toBe(2);
  });

  it('completes a cancellation a crash interrupted', async () => {
    const reward = await newReward({ stock: 2 });
    const memberId = await newMember(100);
    const voucher = redeemedOf(await redeem(memberId, reward));
    await platform.repositories.redemptions.transition(voucher.id, ['redeemed'], 'cancelling', { updatedAt: platform.clock.now().toJSDate() });

    platform.clock.set('2026-11-23T10:05:00+08:00');
    expect(await recoverRedemptions(deps, platform.clock.now())).toMatchObject({ completed: 1 });
    expect((await platform.repositories.redemptions.findById(voucher.id))!.status).toBe('cancelled');
    expect(await pointsOf(memberId)).toBe(100);
    expect(await stockOf(reward)).toBe(2);
  });
});
