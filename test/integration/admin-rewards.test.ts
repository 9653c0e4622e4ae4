import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createAdminApi } from '../../src/http/admin/admin-api';
import { createRedemptionsRouter, redemptionOperations } from '../../src/http/admin/redemptions-router';
import { createRewardsRouter, rewardOperations } from '../../src/http/admin/rewards-router';
import { createErrorHandler, notFound } from '../../src/http/error-handler';
import { programmeRulesFrom } from '../../src/loyalty/programme';
import { redeemReward } from '../../src/loyalty/rewards/redeem-reward';
import { newMemberId, type MemberId } from '../../src/shared/ids';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';
import { aNewMember } from '../support/builders';

let platform: TestPlatform;
let app: Express;

/** The admin API with the two routers mounted as platform.ts mounts them. */
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', POINTS_EXPIRY_POLICY: 'never' });
  const { repositories, clock } = platform;
  const rules = platform.liveProgramme.rules;
  const tokens = Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin' | 'marketer' | 'viewer', token }));
  app = express();
  app.use(
    '/admin/api',
    createAdminApi(tokens, [
      { path: '/rewards', area: 'programme', router: createRewardsRouter({ repositories, clock }), operations: rewardOperations },
      { path: '/redemptions', area: 'staff', router: createRedemptionsRouter({ repositories, rules, clock }), operations: redemptionOperations },
    ]),
  );
  app.use(notFound);
  app.use(createErrorHandler(pino({ level: 'silent' })));
});
afterAll(() => platform.close());
beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const coffee = {
  name: { 'zh-TW': '中杯美式咖啡', en: 'Americano (medium)' },
  description: { 'zh-TW': '全門市適用', en: 'At any of our stores' },
  cost: 100,
};

async function memberWith(points: number): Promise<MemberId> {
  const id = newMemberId();
  const now = platform.clock.now();
  await platform.repositories.members.create(aNewMember({ id, createdAt: now.toJSDate() }));
  await platform.repositories.ledger.earn({ key: `seed:${id}`, memberId: id, points, reason: 'adjustment', now, expiresAt: null });
  return id;
}

async function redeemed(memberId: MemberId, rewardId: string): Promise<string> {
  const outcome = await redeemReward(
    { ...platform.repositories, rules: programmeRulesFrom(platform.config) },
    { memberId, rewardId, flowRunId: `run-${Math.random()}`, locale: 'en', now: platform.clock.now() },
  );
  if (outcome.kind !== 'redeemed') throw new Error(`expected redeemed, got ${outcome.kind}`);
  return outcome.redemption.id;
}

describe('admin API: who may do what', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const missing = await request(app).get('/admin/api/rewards');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'unauthenticated', message: expect.stringContaining('Bearer') } });
    expect((await request(app).get('/admin/api/rewards').set('Authorization', 'Bearer nope')).status).toBe(401);
  });

  it('lets a viewer read rewards and redemptions but not change them', async () => {
    expect((await request(app).get('/admin/api/rewards').set(as('viewer'))).status).toBe(200);
    expect((await request(app).get('/admin/api/redemptions').set(as('viewer'))).status).toBe(200);
    const post = await request(app).post('/admin/api/rewards').set(as('viewer')).send(coffee);
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe('forbidden');
    expect((await request(app).patch('/admin/api/rewards/anything').set(as('viewer')).send({ cost: 1 })).status).toBe(403);
  });

  it('lets a marketer manage rewards but not fulfil or cancel vouchers (staff)', async () => {
    const created = await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'marketer-coffee' });
    expect(created.status).toBe(201);
    expect((await request(app).patch('/admin/api/rewards/marketer-coffee').set(as('marketer')).send({ cost: 120 })).status).toBe(200);
    expect((await request(app).get('/admin/api/redemptions').set(as('marketer'))).status).toBe(200);
    expect((await request(app).post('/admin/api/redemptions/ABCDEFGH/fulfil').set(as('marketer'))).status).toBe(403);
    expect((await request(app).post('/admin/api/redemptions/ABCDEFGH/cancel').set(as('marketer'))).status).toBe(403);
  });
});

describe('POST /admin/api/rewards', () => {
  it('creates a reward with defaults, generating its id from the English name', async () => {
    const response = await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, name: { ...coffee.name, en: 'Café Latte (large)' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: 'cafe-latte-large',
      name: { 'zh-TW': '中杯美式咖啡', en: 'Café Latte (large)' },
      description: coffee.description,
      imageUrl: null,
      cost: 100,
      stock: null,
      startsAt: null,
      endsAt: null,
      perMemberLimit: null,
      minimumTier: null,
      usesCouponPool: false,
      active: true,
      couponCodes: { total: 0, available: 0 },
    });
    const again = await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, name: { ...coffee.name, en: 'Café Latte (large)' } });
    expect(again.status).toBe(201);
    expect(again.body.id).toMatch(/^cafe-latte-large-[0-9a-f]{6}$/);
  });

  it('takes every field, and refuses an id that exists', async () => {
    const body = {
      ...coffee,
      id: 'xmas-tumbler',
      imageUrl: 'https://cdn.example.com/tumbler.png',
      stock: 30,
      startsAt: '2026-12-01T00:00:00+08:00',
      endsAt: '2026-12-26T00:00:00+08:00',
      perMemberLimit: 1,
      minimumTier: 'silver',
      usesCouponPool: true,
      active: false,
    };
    const response = await request(app).post('/admin/api/rewards').set(as('admin')).send(body);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ ...body, startsAt: '2026-11-30T16:00:00.000Z', endsAt: '2026-12-25T16:00:00.000Z' });
    const duplicate = await request(app).post('/admin/api/rewards').set(as('admin')).send(body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('reward_exists');
  });

  it.each([
    ['a negative cost', { ...coffee, cost: -5 }, 'cost'],
    ['a missing English name', { ...coffee, name: { 'zh-TW': '咖啡' } }, 'name.en'],
    ['an unknown field', { ...coffee, price: 100 }, ''],
    ['an http image', { ...coffee, imageUrl: 'http://cdn.example.com/a.png' }, 'imageUrl'],
    ['a window ending before it starts', { ...coffee, startsAt: '2026-12-02T00:00:00+08:00', endsAt: '2026-12-01T00:00:00+08:00' }, 'endsAt'],
    ['a date without an offset', { ...coffee, startsAt: '2026-12-02 10:00' }, 'startsAt'],
    ['a bad id', { ...coffee, id: 'Coffee Voucher!' }, 'id'],
    ['an undefined tier', { ...coffee, minimumTier: 'platinum' }, 'minimumTier'],
  ])('answers 400 with details for %s', async (_, body, path) => {
    const response = await request(app).post('/admin/api/rewards').set(as('marketer')).send(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_request', details: expect.arrayContaining([expect.objectContaining({ path })]) });
  });
});

describe('GET /admin/api/rewards', () => {
  it('pages through the catalog in id order', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: `zz-${id}` });
    }
    const all = [];
    let cursor: string | null = 'zz-';
    while (cursor !== null) {
      const page: request.Response = await request(app).get('/admin/api/rewards').query({ limit: 2, cursor }).set(as('viewer'));
      expect(page.status).toBe(200);
      expect(page.body.rewards.length).toBeLessThanOrEqual(2);
      all.push(...page.body.rewards.map((reward: { id: string }) => reward.id));
      cursor = page.body.nextCursor;
    }
    expect(all).toEqual(['zz-page-a', 'zz-page-b', 'zz-page-c']);
    expect((await request(app).get('/admin/api/rewards').query({ limit: 500 }).set(as('viewer'))).status).toBe(400);
  });

  it('answers 404 for a reward that does not exist', async () => {
    const response = await request(app).get('/admin/api/rewards/no-such-reward').set(as('viewer'));
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'reward_not_found', message: expect.stringContaining('no-such-reward') } });
  });
});

describe('PATCH /admin/api/rewards/:id', () => {
  it('changes only the fields sent, one locale of a name at a time', async () => {
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'patch-me', stock: 10 });
    const response = await request(app).patch('/admin/api/rewards/patch-me').set(as('marketer')).send({ name: { en: 'Americano' }, active: false });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: { 'zh-TW': '中杯美式咖啡', en: 'Americano' }, active: false, cost: 100, stock: 10 });
  });

  it('moves stock atomically by a delta, never below 0, or sets it', async () => {
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'stocked', stock: 10 });
    const deltas = await Promise.all(
      Array.from({ length: 12 }, () => request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stockDelta: -1 })),
    );
    expect(deltas.filter((response) => response.status === 200)).toHaveLength(10);
    const tooLow = deltas.filter((response) => response.status === 409);
    expect(tooLow).toHaveLength(2);
    expect(tooLow[0]!.body.error.code).toBe('stock_too_low');
    expect((await request(app).get('/admin/api/rewards/stocked').set(as('viewer'))).body.stock).toBe(0);

    expect((await request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stockDelta: 25 })).body.stock).toBe(25);
    expect((await request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stock: 7 })).body.stock).toBe(7);
    expect((await request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stock: null })).body.stock).toBeNull();
    const unlimited = await request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stockDelta: 5 });
    expect(unlimited.status).toBe(409);
    expect(unlimited.body.error.code).toBe('stock_unlimited');
    const both = await request(app).patch('/admin/api/rewards/stocked').set(as('marketer')).send({ stock: 5, stockDelta: 5 });
    expect(both.status).toBe(400);
  });

  it('answers 404 for an unknown reward and 400 for an empty change', async () => {
    expect((await request(app).patch('/admin/api/rewards/nope').set(as('marketer')).send({ cost: 5 })).status).toBe(404);
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'unchanged' });
    expect((await request(app).patch('/admin/api/rewards/unchanged').set(as('marketer')).send({})).status).toBe(400);
  });
});

describe('POST /admin/api/rewards/:id/codes', () => {
  it('adds codes to the pool, skipping duplicates, and turns the pool on', async () => {
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'with-codes' });
    const first = await request(app).post('/admin/api/rewards/with-codes/codes').set(as('marketer')).send({ codes: ['AAA-1', 'BBB-2', 'AAA-1'] });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ added: 2, duplicates: 1, couponCodes: { total: 2, available: 2 }, usesCouponPool: true });
    const second = await request(app).post('/admin/api/rewards/with-codes/codes').set(as('marketer')).send({ codes: ['BBB-2', 'CCC-3'] });
    expect(second.body).toEqual({ added: 1, duplicates: 1, couponCodes: { total: 3, available: 3 }, usesCouponPool: true });
    expect((await request(app).get('/admin/api/rewards/with-codes').set(as('viewer'))).body).toMatchObject({
      usesCouponPool: true,
      couponCodes: { total: 3, available: 3 },
    });
    expect((await request(app).post('/admin/api/rewards/with-codes/codes').set(as('marketer')).send({ codes: [] })).status).toBe(400);
    expect((await request(app).post('/admin/api/rewards/nope/codes').set(as('marketer')).send({ codes: ['X'] })).status).toBe(404);
  });
});

describe('/admin/api/redemptions', () => {
  it('lists a member’s vouchers, finds one by its code in any case, and fulfils it once', async () => {
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'staff-coffee', stock: 5 });
    const memberId = await memberWith(300);
    const first = await redeemed(memberId, 'staff-coffee');
    platform.clock.set('2026-11-23T11:00:00+08:00');
    const second = await redeemed(memberId, 'staff-coffee');

    const list = await request(app).get('/admin/api/redemptions').query({ memberId }).set(as('viewer'));
    expect(list.status).toBe(200);
    expect(list.body.redemptions.map((redemption: { id: string }) => redemption.id)).toEqual([second, first]);
    expect(list.body.redemptions[0]).toMatchObject({ memberId, rewardId: 'staff-coffee', cost: 100, status: 'redeemed' });

    const found = await request(app).get(`/admin/api/redemptions/${first.toLowerCase().slice(0, 4)}-${first.toLowerCase().slice(4)}`).set(as('viewer'));
    expect(found.body).toMatchObject({ id: first, status: 'redeemed' });

    const fulfilled = await request(app).post(`/admin/api/redemptions/${first}/fulfil`).set(as('admin'));
    expect(fulfilled.status).toBe(200);
    expect(fulfilled.body).toMatchObject({ replayed: false, redemption: { status: 'fulfilled', handledBy: expect.stringMatching(/^admin:/) } });
    expect((await request(app).post(`/admin/api/redemptions/${first}/fulfil`).set(as('admin'))).body).toMatchObject({ replayed: true });

    const cancelFulfilled = await request(app).post(`/admin/api/redemptions/${first}/cancel`).set(as('admin'));
    expect(cancelFulfilled.status).toBe(409);
    expect(cancelFulfilled.body.error).toMatchObject({ code: 'not_cancellable', details: { status: 'fulfilled' } });
  });

  it('cancels a voucher with a refund and the stock back, and cancelling again changes nothing', async () => {
    await request(app).post('/admin/api/rewards').set(as('marketer')).send({ ...coffee, id: 'cancel-coffee', stock: 5 });
    const memberId = await memberWith(100);
    const code = await redeemed(memberId, 'cancel-coffee');

    const cancelled = await request(app).post(`/admin/api/redemptions/${code}/cancel`).set(as('admin'));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ refunded: 100, replayed: false, redemption: { status: 'cancelled' } });
    const again = await request(app).post(`/admin/api/redemptions/${code}/cancel`).set(as('admin'));
    expect(again.body).toMatchObject({ refunded: 100, replayed: true });

    expect((await platform.repositories.members.findById(memberId))!.points).toBe(100);
    expect((await request(app).get('/admin/api/rewards/cancel-coffee').set(as('viewer'))).body.stock).toBe(5);
    const fulfilCancelled = await request(app).post(`/admin/api/redemptions/${code}/fulfil`).set(as('admin'));
    expect(fulfilCancelled.status).toBe(409);
    expect(fulfilCancelled.body.error.code).toBe('not_fulfillable');
  });

  it('answers 404 for an unknown voucher and 400 for a malformed one', async () => {
    const missing = await request(app).post('/admin/api/redemptions/ZZZZZZZZ/cancel').set(as('admin'));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('redemption_not_found');
    expect((await request(app).get('/admin/api/redemptions/%F0%9F%8E%81').set(as('admin'))).status).toBe(400);
    expect((await request(app).get('/admin/api/redemptions').query({ status: 'lost' }).set(as('admin'))).status).toBe(400);
  });
});
