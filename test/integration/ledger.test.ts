import request from 'supertest';
import { awardPoints } from '../../src/loyalty/points/award-points';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    POINTS_EXPIRY_POLICY: 'months-after-earning',
    POINTS_EXPIRY_MONTHS: '1',
    SIGNUP_BONUS_POINTS: '50',
    BIRTHDAY_BONUS_POINTS: '100',
    DEFAULT_LOCALE: 'en',
  });
});
afterAll(() => platform.close());
beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

const admin = () => ({ Authorization: `Bearer ${testAdminTokens.admin}` });

async function newMember(birthday = 'skip') {
  const chat = conversationWith(platform, { locale: 'en' });
  await chat.joins('Amy', '0912345678', birthday);
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return { chat, memberId: identity!.memberId! as MemberId };
}

async function expectLedgerConsistent() {
  const report = await verifyLedger(platform.repositories);
  expect(report.problems).toEqual([]);
}

describe('points ledger', () => {
  it('awards once when the same key is recorded ten times concurrently', async () => {
    const { memberId } = await newMember();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        platform.repositories.ledger.earn({
          key: 'same-event',
          memberId,
          points: 7,
          reason: 'adjustment',
          now: platform.clock.now(),
          expiresAt: null,
        }),
      ),
    );
    expect(results.filter((result) => result.kind === 'recorded')).toHaveLength(1);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(57);
    await expectLedgerConsistent();
  });

  it('applies a new entry with a balance state read before it without reading again, and falls back when that state is stale', async () => {
    const { memberId } = await newMember();
    const { ledger, members } = platform.repositories;
    const readBefore = (await members.balanceState(memberId))!;
    const reads = jest.spyOn(members, 'balanceState');
    try {
      const fresh = await ledger.earn({ key: 'read-before:1', memberId, points: 5, reason: 'adjustment', now: platform.clock.now(), expiresAt: null, readBefore });
      expect(fresh).toEqual({ kind: 'recorded', balance: 55 });
      expect(reads).not.toHaveBeenCalled();

      // The same state again is stale now: the compare-and-set misses and the full protocol plans on what is there.
      const stale = await ledger.earn({ key: 'read-before:2', memberId, points: 5, reason: 'adjustment', now: platform.clock.now(), expiresAt: null, readBefore });
      expect(stale).toEqual({ kind: 'recorded', balance: 60 });
      expect(reads).toHaveBeenCalled();
      reads.mockClear();

      const spent = await ledger.spend({ key: 'read-before:3', memberId, points: 60, reason: 'adjustment', now: platform.clock.now(), readBefore });
      expect(spent).toMatchObject({ kind: 'recorded', balance: 0 });
      expect(reads).toHaveBeenCalled(); // planned on 50 points, refused ahead, so the full protocol decided on 60
    } finally {
      reads.mockRestore();
    }
    expect((await platform.repositories.ledger.find('read-before:3'))!.draws.reduce((sum, draw) => sum + draw.points, 0)).toBe(60);
    await expectLedgerConsistent();
  });

  it('applies once when concurrent requests with one key each bring a balance state read before them', async () => {
    const { memberId } = await newMember();
    const { ledger, members } = platform.repositories;
    const states = await Promise.all(Array.from({ length: 10 }, () => members.balanceState(memberId)));
    const earns = await Promise.all(
      states.map((readBefore) =>
        ledger.earn({ key: 'read-before:same', memberId, points: 7, reason: 'adjustment', now: platform.clock.now(), expiresAt: null, readBefore: readBefore! }),
      ),
    );
    expect(earns.filter((result) => result.kind === 'recorded')).toHaveLength(1);
    const spendStates = await Promise.all(Array.from({ length: 6 }, () => members.balanceState(memberId)));
    const spends = await Promise.all(
      spendStates.map((readBefore, index) =>
        ledger.spend({ key: `read-before:spend:${index}`, memberId, points: 20, reason: 'adjustment', now: platform.clock.now(), readBefore: readBefore! }),
      ),
    );
    // 57 points: two spends of 20 fit, every other one is refused, whatever state it planned on.
    expect(spends.filter((result) => result.kind === 'recorded')).toHaveLength(2);
    expect((await members.findById(memberId))!.points).toBe(17);
    await expectLedgerConsistent();
  });

  it('writes member fields planned on an earlier read only while the member still has what they were planned on', async () => {
    const { memberId } = await newMember();
    const { ledger, members } = platform.repositories;
    const now = platform.clock.now();
    const streakOf = async () => (await members.findById(memberId))!.checkIn;

    // Planned on a last check-in day the member no longer has: nothing lands, the entry waits under its key.
    const stale = await ledger.earn({
      key: 'planned-on:1',
      memberId,
      points: 5,
      reason: 'checkin',
      now,
      expiresAt: null,
      set: { 'checkIn.lastDay': '2026-11-20', 'checkIn.streak': 9 },
      where: { 'checkIn.lastDay': '2026-11-19' },
    });
    expect(stale).toMatchObject({ kind: 'stale', entry: { key: 'planned-on:1', points: 5, status: 'pending' } });
    expect(await streakOf()).toEqual({ lastDay: null, streak: 0 });
    expect((await members.findById(memberId))!.points).toBe(50);

    // Planned again on what is there, under the same key: applied once.
    expect(await ledger.earn({ key: 'planned-on:1', memberId, points: 5, reason: 'checkin', now, expiresAt: null })).toEqual({ kind: 'recorded', balance: 55 });
    expect(await ledger.earn({ key: 'planned-on:1', memberId, points: 5, reason: 'checkin', now, expiresAt: null })).toMatchObject({ kind: 'duplicate' });
    expect(
      await ledger.earn({
        key: 'planned-on:2',
        memberId,
        points: 5,
        reason: 'checkin',
        now,
        expiresAt: null,
        set: { 'checkIn.lastDay': '2026-11-23', 'checkIn.streak': 1 },
        where: { 'checkIn.lastDay': null },
      }),
    ).toEqual({ kind: 'recorded', balance: 60 });
    expect(await streakOf()).toEqual({ lastDay: '2026-11-23', streak: 1 });
    expect(await ledger.find('planned-on:1')).toMatchObject({ status: 'applied', points: 5 });
    await expectLedgerConsistent();
  });

  it('never counts a point twice when expiry runs while the member spends', async () => {
    for (let round = 0; round < 5; round += 1) {
      platform.clock.set('2026-11-23T10:00:00+08:00');
      const { memberId } = await newMember();
      platform.clock.set('2026-12-10T10:00:00+08:00');
      await platform.repositories.ledger.earn({
        key: `fresh-${round}`,
        memberId,
        points: 30,
        reason: 'adjustment',
        now: platform.clock.now(),
        expiresAt: null,
      });
      // the 50-point welcome lot expired on 23 Dec; spend 40 while the expiry job runs
      platform.clock.set('2026-12-24T09:00:00+08:00');
      const [spend] = await Promise.all([
        platform.repositories.ledger.spend({ key: `spend-${round}`, memberId, points: 40, reason: 'adjustment', now: platform.clock.now() }),
        platform.jobs.expirePoints(),
      ]);
      // the expired lot is never spendable, so only the fresh 30 are: the spend is refused either way
      expect(spend).toMatchObject({ kind: 'notEnoughPoints', shortBy: 10 });
      expect((await platform.repositories.members.findById(memberId))!.points).toBe(30);
    }
    await expectLedgerConsistent();
  });

  it('spends FIFO and expiry takes only what the spends left', async () => {
    const { memberId } = await newMember();
    platform.clock.set('2026-12-01T10:00:00+08:00');
    await platform.repositories.ledger.earn({ key: 'second-lot', memberId, points: 20, reason: 'adjustment', now: platform.clock.now(), expiresAt: null });
    const spend = await platform.repositories.ledger.spend({ key: 'fifo-spend', memberId, points: 35, reason: 'redemption', note: 'Coffee', now: platform.clock.now() });
    expect(spend).toMatchObject({ kind: 'recorded', balance: 35, draws: [{ lot: `signup-bonus:${memberId}`, points: 35 }] });
    platform.clock.set('2026-12-24T03:30:00+08:00');
    expect(await platform.jobs.expirePoints()).toMatchObject({ pointsExpired: 15 });
    expect(await platform.jobs.expirePoints()).toMatchObject({ pointsExpired: 0 });
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(20);
    await expectLedgerConsistent();
  });

  it('reminds a member once, on their next chat, that points expire within 14 days', async () => {
    const { chat } = await newMember();
    platform.clock.set('2026-12-12T03:30:00+08:00');
    expect((await platform.jobs.expirePoints()).remindersQueued).toBeGreaterThanOrEqual(1);
    expect((await platform.jobs.expirePoints()).remindersQueued).toBe(0);
    await chat.says('card');
    expect(chat.replyTexts().at(-1)).toBe('⏰ Heads-up: 50 of your points expire on 2026-12-23. Redeem them before then!');
    await chat.says('card');
    expect(chat.replyTexts().join()).not.toContain('Heads-up');
  });

  it('gives the birthday bonus once a year, also for 29 February in other years', async () => {
    const { chat, memberId } = await newMember('2000-02-29');
    platform.clock.set('2027-02-28T00:05:00+08:00');
    expect((await platform.jobs.awardBirthdayBonuses()).awarded).toBeGreaterThanOrEqual(1);
    await platform.jobs.awardBirthdayBonuses();
    expect((await platform.repositories.ledger.find(`birthday:${memberId}:2027`))!.points).toBe(100);
    await chat.says('help');
    expect(chat.replyTexts().at(-1)).toBe('🎂 Happy birthday! Here are 100 birthday points — have a wonderful day!');
  });

  it('tells the history in plain words, newest first', async () => {
    const { chat, memberId } = await newMember();
    await chat.says('check in');
    await platform.repositories.ledger.spend({ key: 'history-spend', memberId, points: 25, reason: 'redemption', note: 'Americano', now: platform.clock.now() });
    await chat.says('history');
    expect(chat.replyTexts()[0]).toBe(
      'Your recent points:\n11/23 -25 redeemed・Americano\n11/23 +10 check-in\n11/23 +50 welcome bonus',
    );
  });
});

describe('admin API: members and adjustments', () => {
  it('adjusts points idempotently and refuses what would go negative', async () => {
    const { chat, memberId } = await newMember();
    const found = await request(platform.app)
      .get('/admin/api/members')
      .query({ channel: 'web', channelUserId: chat.source.channelUserId })
      .set(admin());
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: memberId, points: 50, name: 'Amy' });

    const adjust = (body: object) => request(platform.app).post(`/admin/api/members/${memberId}/adjustments`).set(admin()).send(body);
    const first = await adjust({ points: 25, reason: 'Apology for a late order', idempotencyKey: 'ticket-1234' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ balance: 75, replayed: false, entry: { points: 25, note: 'Apology for a late order' } });
    const replay = await adjust({ points: 25, reason: 'Apology for a late order', idempotencyKey: 'ticket-1234' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ balance: 75, replayed: true });
    expect((await adjust({ points: -100, reason: 'Correction', idempotencyKey: 'ticket-1235' })).status).toBe(409);
    expect((await adjust({ points: -75, reason: 'Correction', idempotencyKey: 'ticket-1236' })).body.balance).toBe(0);
    const invalid = await adjust({ points: 0, reason: '', idempotencyKey: 'x' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_request');
    expect(invalid.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['points', 'reason', 'idempotencyKey']);

    const ledger = await request(platform.app).get(`/admin/api/members/${memberId}/ledger`).set(admin());
    expect(ledger.body.entries.map((entry: { points: number }) => entry.points)).toEqual([-75, 25, 50]);
    const verify = await request(platform.app).get('/admin/api/ledger/verify').set(admin());
    expect(verify.body).toMatchObject({ ok: true, problems: [] });
  });

  it('checks tokens and roles', async () => {
    expect((await request(platform.app).get('/admin/api/ledger/verify')).status).toBe(401);
    expect((await request(platform.app).get('/admin/api/ledger/verify').set({ Authorization: 'Bearer wrong-token-000000000' })).status).toBe(401);
    const viewer = { Authorization: `Bearer ${testAdminTokens.viewer}` };
    expect((await request(platform.app).get('/admin/api/ledger/verify').set(viewer)).status).toBe(200);
    const write = await request(platform.app).post('/admin/api/members/m_AAAAAAAAAAAAAAAA/adjustments').set(viewer).send({});
    expect(write.status).toBe(403);
    const marketer = { Authorization: `Bearer ${testAdminTokens.marketer}` };
    expect((await request(platform.app).post('/admin/api/members/m_AAAAAAAAAAAAAAAA/adjustments').set(marketer).send({})).status).toBe(403);
    expect((await request(platform.app).get('/admin/api/members/m_AAAAAAAAAAAAAAAA').set(admin())).status).toBe(404);
  });
});

describe('crash between the balance update and marking the entry applied', () => {
  it('never applies the entry twice, however many changes come before it is finished', async () => {
    const { memberId } = await newMember();
    const now = platform.clock.now();
    const { ledger, members } = platform.repositories;
    // the state a SIGKILL leaves after step 3: the entry pending, its points and marker on the member
    await ledger.model.create({
      _id: 'crashed-earn', memberId, kind: 'earn', points: 10, reason: 'adjustment', note: null,
      createdAt: now.toJSDate(), expiresAt: null, draws: [], status: 'pending', sequence: undefined,
    });
    const state = (await members.balanceState(memberId))!;
    const lot = { key: 'crashed-earn', points: 10, remaining: 10, earnedAt: now.toJSDate(), expiresAt: null };
    expect(await members.compareAndSetBalance(state, { entryKey: 'crashed-earn', lots: [...state.lots, lot], points: state.points + 10, earned: 10 })).toBe(true);

    for (let index = 0; index < 250; index += 1) {
      await ledger.earn({ key: `later-${index}`, memberId, points: 1, reason: 'adjustment', now, expiresAt: null });
    }
    await ledger.earn({ key: 'crashed-earn', memberId, points: 10, reason: 'adjustment', now, expiresAt: null });
    await ledger.recoverPending(new Date(now.toMillis() + 1), now);
    expect((await members.findById(memberId))!.points).toBe(50 + 10 + 250);
    expect((await ledger.find('crashed-earn'))!.status).toBe('applied');
    await expectLedgerConsistent();
  });
});

describe('tier qualification buckets', () => {
  it('adds every award to its loyalty month in the same update as the balance, but not refunds', async () => {
    const { memberId } = await newMember();
    platform.clock.set('2026-11-30T23:30:00+08:00');
    await platform.repositories.ledger.earn({
      key: 'refund-not-earning', memberId, points: 40, reason: 'refund', now: platform.clock.now(), expiresAt: null,
    });
    platform.clock.set('2026-11-30T16:30:00Z'); // already 1 December in Taipei
    await awardPoints(
      { ledger: platform.repositories.ledger, rules: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' } },
      { key: 'december-award', memberId, points: 25, reason: 'adjustment', now: platform.clock.now() },
    );
    const doc = await platform.repositories.members.model.findById(memberId, { earnedByMonth: 1, earnedTotal: 1, points: 1 }).lean();
    expect(doc).toMatchObject({ earnedByMonth: { '2026-11': 50, '2026-12': 25 }, earnedTotal: 75, points: 115 });
  });
});
