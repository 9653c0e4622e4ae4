import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import type { OutboundMessage } from '../../src/channels/channel';
import { connectMongo } from '../../src/database/mongo-connection';
import { createPlatform, type Platform } from '../../src/platform';
import { testMongoUri } from '../support/mongo';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ CATALOG_REFRESH_SECONDS: '0.2', CHECKIN_POINTS: '12', SIGNUP_BONUS_POINTS: '50' });
});
afterAll(() => platform.close());
afterEach(() => request(platform.app).post('/admin/api/programme/reset').set(as('admin')).expect(200));

// Audit entries sort by time: audited writes a test compares happen a minute after everything before.
const nextMinute = () => platform.clock.set(platform.clock.now().plus({ minutes: 1 }).toISO()!);

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });

/** A customer on the real web chat: cookie identity, JSON messages, English. */
function webChat(app = platform.app) {
  const agent = request.agent(app);
  let started = false;
  const send = async (body: Record<string, string>) => {
    if (!started) {
      await agent.post('/chat/api/session').send({ locale: 'en' }).expect(200);
      started = true;
    }
    const response = await agent.post('/chat/api/messages').send({ id: randomUUID(), ...body }).expect(200);
    return (response.body.messages as OutboundMessage[]).map((message) => (message.kind === 'text' ? message.text : message.title));
  };
  const says = (text: string) => send({ text });
  const taps = (payload: string) => send({ payload });
  return {
    says,
    taps,
    async joins(name = 'Amy') {
      await taps('intent=signup');
      await taps('answer=agree');
      await says(name);
      await says('0912345678');
      return taps('answer=skip');
    },
  };
}

describe('GET /admin/api/programme', () => {
  it('shows every number in effect, its env variable and that it follows the env default until the console sets it', async () => {
    const response = await request(platform.app).get('/admin/api/programme').set(as('viewer')).expect(200);

    expect(response.body.settings.checkInPoints).toEqual({ value: 12, source: 'default', default: 12, env: 'CHECKIN_POINTS', min: 0, max: 100_000 });
    expect(response.body.settings.checkInStreakDays).toMatchObject({ value: 7, source: 'default', env: 'CHECKIN_STREAK_DAYS', min: 2 });
    expect(Object.keys(response.body.settings)).toEqual([
      'checkInPoints',
      'checkInStreakDays',
      'checkInStreakBonus',
      'signupBonusPoints',
      'birthdayBonusPoints',
      'referralBonusPoints',
      'expiryReminderDays',
      'redemptionHoldHours',
    ]);
    expect(response.body.appliesWithinSeconds).toBe(0.2);
  });
});

describe('PUT /admin/api/programme', () => {
  it('lets marketers and admins change the numbers, but not viewers', async () => {
    await request(platform.app).put('/admin/api/programme').set(as('viewer')).send({ checkInPoints: 30 }).expect(403);
    await request(platform.app).put('/admin/api/programme').send({ checkInPoints: 30 }).expect(401);

    const byMarketer = await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: 30 }).expect(200);
    expect(byMarketer.body.settings.checkInPoints).toMatchObject({ value: 30, source: 'console', default: 12 });
    expect(byMarketer.body.updatedBy).toMatch(/^marketer:/);

    const byAdmin = await request(platform.app).put('/admin/api/programme').set(as('admin')).send({ signupBonusPoints: 80 }).expect(200);
    // Fields the change leaves out stay as they were.
    expect(byAdmin.body.settings.checkInPoints).toMatchObject({ value: 30, source: 'console' });
    expect(byAdmin.body.settings.signupBonusPoints).toMatchObject({ value: 80, source: 'console' });
  });

  it('refuses numbers out of bounds, fractions, text and unknown fields, naming each field, and changes nothing', async () => {
    const response = await request(platform.app)
      .put('/admin/api/programme')
      .set(as('marketer'))
      .send({ checkInPoints: -1, checkInStreakDays: 1, checkInStreakBonus: 2.5, birthdayBonusPoints: '100', checkinPoints: 5 });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    const byPath = Object.fromEntries((response.body.error.details as { path: string; message: string }[]).map((detail) => [detail.path, detail.message]));
    expect(byPath).toMatchObject({
      checkInPoints: 'Enter a whole number from 0 to 100000',
      checkInStreakDays: 'Enter a whole number from 2 to 365',
      checkInStreakBonus: 'Enter a whole number from 0 to 100000',
      birthdayBonusPoints: 'Enter a whole number from 0 to 100000',
    });
    expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('checkinPoints') })]));

    const after = await request(platform.app).get('/admin/api/programme').set(as('viewer')).expect(200);
    expect(after.body.settings.checkInPoints.source).toBe('default');
    expect(after.body.settings.checkInStreakDays.source).toBe('default');
  });

  it('records who changed what in the audit log, with the numbers before and after', async () => {
    nextMinute();
    await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: 20 }).expect(200);
    nextMinute();
    await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: 25, checkInStreakBonus: 70 }).expect(200);

    const [entry] = await platform.repositories.audit.list({ limit: 1, resource: 'programme' });
    expect(entry).toMatchObject({
      action: 'programme.update',
      role: 'marketer',
      before: { values: expect.objectContaining({ checkInPoints: 20, checkInStreakBonus: 50 }), overrides: { checkInPoints: 20 } },
      after: { values: expect.objectContaining({ checkInPoints: 25, checkInStreakBonus: 70 }), overrides: { checkInPoints: 25, checkInStreakBonus: 70 } },
    });
  });

  it('returns a field to its env default when it is sent as null, and every field on reset', async () => {
    await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: 25, signupBonusPoints: 5 }).expect(200);
    nextMinute();
    const cleared = await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: null }).expect(200);
    expect(cleared.body.settings.checkInPoints).toMatchObject({ value: 12, source: 'default' });
    expect(cleared.body.settings.signupBonusPoints).toMatchObject({ value: 5, source: 'console' });

    await request(platform.app).post('/admin/api/programme/reset').set(as('viewer')).expect(403);
    nextMinute();
    const reset = await request(platform.app).post('/admin/api/programme/reset').set(as('marketer')).expect(200);
    expect(Object.values(reset.body.settings).every((setting) => (setting as { source: string }).source === 'default')).toBe(true);
    const [entry] = await platform.repositories.audit.list({ limit: 1, resource: 'programme' });
    expect(entry).toMatchObject({ action: 'programme.reset', before: { overrides: { signupBonusPoints: 5 } }, after: { overrides: {} } });
  });
});

describe('the chat after a change', () => {
  it('awards and quotes the new check-in points, streak and bonuses from the next message on, without a restart', async () => {
    await request(platform.app)
      .put('/admin/api/programme')
      .set(as('marketer'))
      .send({ checkInPoints: 25, checkInStreakDays: 5, checkInStreakBonus: 40, signupBonusPoints: 80 })
      .expect(200);
    const customer = webChat();

    const welcome = await customer.joins('Amy Programme');
    expect(welcome[0]).toContain('Your 80-point welcome gift is in. Check in every day for 25 points — 5 days in a row earns a 40-point bonus.');
    const checkIn = await customer.says('check in');
    expect(checkIn[0]).toBe('✅ Checked in! +25 points — you now have 105. Day 1 of your streak; 4 more for a 40-point bonus!');
    expect((await customer.says('help'))[0]).toContain('check in daily for 25 points (40 extra every 5 days in a row)');

    const member = await platform.repositories.members.model.findOne({ name: 'Amy Programme' }).lean();
    const ledger = await request(platform.app).get(`/admin/api/members/${String(member?._id)}/ledger`).set(as('viewer')).expect(200);
    expect(ledger.body.entries.map((entry: { points: number }) => entry.points)).toEqual([25, 80]);
  });

  it('is picked up by a second server on the same database within its refresh interval', async () => {
    const connection = await connectMongo(testMongoUri(), platform.repositories.identities.model.db.name);
    const second: Platform = await createPlatform({
      config: platform.config,
      connection,
      logger: pino({ level: 'silent' }),
      clock: platform.clock,
      adminTokens: Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token })),
    });
    try {
      expect(second.liveProgramme.rules().checkIn.points).toBe(12);
      await request(platform.app).put('/admin/api/programme').set(as('marketer')).send({ checkInPoints: 33 }).expect(200);

      const started = Date.now();
      while (second.liveProgramme.rules().checkIn.points !== 33 && Date.now() - started < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(second.liveProgramme.rules().checkIn.points).toBe(33);
      const customer = webChat(second.app);
      await customer.joins('Ben');
      expect((await customer.says('check in'))[0]).toMatch(/^✅ Checked in! \+33 points/);
    } finally {
      second.liveCatalog.stop();
      second.liveProgramme.stop();
      await second.inbox.drain();
      await connection.close();
    }
  });
});
