import request from 'supertest';
import { DateTime } from 'luxon';
import type { MissionId } from '../../src/loyalty/missions/mission';
import { progressIdOf } from '../../src/loyalty/missions/mission-repository';
import { recordMissionEvent } from '../../src/loyalty/missions/track-mission-progress';
import { createPointCodes } from '../../src/loyalty/point-codes/create-point-codes';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ CHECKIN_POINTS: '10', CHECKIN_STREAK_DAYS: '7', CHECKIN_STREAK_BONUS: '50', SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());

type Chat = ReturnType<typeof conversationWith>;
const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return identity!.memberId! as MemberId;
}

/** Each test runs its missions in a window of its own, so missions of other tests are not running. */
async function defineMission(body: Record<string, unknown>) {
  const response = await request(platform.app).post('/admin/api/missions').set(as('marketer')).send(body);
  expect(response.status).toBe(201);
  return response.body as { id: MissionId };
}

const missionDeps = () => ({ ...platform.repositories, earning: { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' } });

describe('POST|GET|PATCH /admin/api/missions', () => {
  const valid = {
    id: 'admin-test',
    name: { 'zh-TW': '測試任務', en: 'Test mission' },
    startsAt: '2040-01-01T00:00:00+08:00',
    endsAt: '2040-02-01T00:00:00+08:00',
    goal: { kind: 'checkIns', target: 3 },
    rewardPoints: 30,
  };

  it('creates, lists and changes a mission, validating every field', async () => {
    const created = await request(platform.app).post('/admin/api/missions').set(as('marketer')).send(valid);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ...valid, startsAt: '2039-12-31T16:00:00.000Z', endsAt: '2040-01-31T16:00:00.000Z', active: true });

    const again = await request(platform.app).post('/admin/api/missions').set(as('marketer')).send(valid);
    expect(again.status).toBe(409);

    const invalid = await request(platform.app)
      .post('/admin/api/missions')
      .set(as('marketer'))
      .send({ ...valid, id: 'Bad Id', goal: { kind: 'reviews', target: 0 }, endsAt: '2039-01-01T00:00:00+08:00' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(expect.arrayContaining(['id', 'goal.kind', 'goal.target']));

    const listed = await request(platform.app).get('/admin/api/missions').set(as('viewer'));
    expect(listed.status).toBe(200);
    expect(listed.body.missions.map((mission: { id: string }) => mission.id)).toContain('admin-test');

    const patched = await request(platform.app)
      .patch('/admin/api/missions/admin-test')
      .set(as('marketer'))
      .send({ name: { en: 'Renamed' }, goal: { kind: 'pointCodes', target: 2 }, active: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: { 'zh-TW': '測試任務', en: 'Renamed' }, goal: { kind: 'pointCodes', target: 2 }, active: false });

    const backwards = await request(platform.app).patch('/admin/api/missions/admin-test').set(as('marketer')).send({ endsAt: '2039-06-01T00:00:00+08:00' });
    expect(backwards.status).toBe(400);
    expect((await request(platform.app).patch('/admin/api/missions/nope').set(as('marketer')).send({ active: true })).status).toBe(404);
  });

  it('is closed to staff without programme access', async () => {
    expect((await request(platform.app).get('/admin/api/missions')).status).toBe(401);
  });
});

describe('missions flow', () => {
  it('counts check-in days, shows a progress bar and awards the mission once on completion (zh-TW)', async () => {
    platform.clock.set('2041-12-01T09:00:00+08:00');
    await defineMission({
      id: 'december-check-ins',
      name: { 'zh-TW': '十二月簽到挑戰', en: 'December check-ins' },
      startsAt: '2041-12-01T00:00:00+08:00',
      endsAt: '2042-01-01T00:00:00+08:00',
      goal: { kind: 'checkIns', target: 3 },
      rewardPoints: 50,
    });
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.joins('小美');
    await chat.says('任務');
    expect(chat.replyTexts()).toEqual(['🎯 進行中的任務\n🎯 十二月簽到挑戰（簽到 3 天）\n░░░░░ 0/3・完成送 50 點・12/31 截止']);
    expect(chat.choiceLabels()).toEqual(['每日簽到', '兌換禮物', '功能選單']);

    await chat.says('簽到');
    await chat.says('簽到');
    await chat.says('任務');
    expect(chat.replyTexts()).toEqual(['🎯 進行中的任務\n🎯 十二月簽到挑戰（簽到 3 天）\n▓░░░░ 1/3・完成送 50 點・12/31 截止']);

    platform.clock.set('2041-12-02T09:00:00+08:00');
    await chat.says('簽到');
    platform.clock.set('2041-12-05T09:00:00+08:00');
    await chat.says('簽到');
    expect(chat.replyTexts()).toEqual([
      '✅ 簽到成功！+10 點，目前共 30 點。已連續簽到 1 天，再 6 天可得額外 50 點！',
      '🎉 任務「十二月簽到挑戰」完成！獲得 50 點獎勵。',
    ]);
    platform.clock.set('2041-12-06T09:00:00+08:00');
    await chat.says('簽到');
    await chat.says('任務');
    expect(chat.replyTexts()).toEqual(['🎯 進行中的任務\n✅ 十二月簽到挑戰（簽到 3 天）\n▓▓▓▓▓ 3/3・已完成，獲得 50 點']);

    const memberId = await memberIdOf(chat);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(4 * 10 + 50);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'mission' })).toBe(1);
  });

  it('counts collected point codes, in English, and lists nothing once the window closed', async () => {
    platform.clock.set('2043-03-10T12:00:00+08:00');
    await defineMission({
      id: 'code-collector',
      name: { 'zh-TW': '集點達人', en: 'Code collector' },
      startsAt: '2043-03-01T00:00:00+08:00',
      endsAt: '2043-04-01T00:00:00+08:00',
      goal: { kind: 'pointCodes', target: 2 },
      rewardPoints: 100,
    });
    const created = await createPointCodes(
      { pointCodes: platform.repositories.pointCodes },
      { points: 20, maxUses: 100, perMemberLimit: 1, expiresAt: new Date('2043-12-31T23:59:59+08:00'), count: 2 },
      platform.clock.now(),
    );
    if (created.kind !== 'created') throw new Error(created.kind);
    const [first, second] = created.codes.map((code) => code.code);

    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    await chat.says(`collect ${first}`);
    await chat.says(`collect ${first}`);
    await chat.says('missions');
    expect(chat.replyTexts()).toEqual(['🎯 Missions running now\n🎯 Code collector (collect 2 point codes)\n▓▓░░░ 1/2 · 100 points when done · ends 03/31']);
    await chat.says(`collect ${second}`);
    expect(chat.replyTexts()[1]).toBe('🎉 Mission "Code collector" complete! You earned 100 bonus points.');
    expect((await platform.repositories.members.findById(await memberIdOf(chat)))!.points).toBe(140);

    platform.clock.set('2043-04-01T00:00:00+08:00');
    await chat.says('missions');
    expect(chat.replyTexts()).toEqual(['No missions are running right now. Do check back when new ones arrive 😊']);
  });

  it('counts a redelivered check-in once', async () => {
    platform.clock.set('2044-05-10T09:00:00+08:00');
    const mission = await defineMission({
      id: 'may-check-ins',
      name: { 'zh-TW': '五月簽到', en: 'May check-ins' },
      startsAt: '2044-05-01T00:00:00+08:00',
      endsAt: '2044-06-01T00:00:00+08:00',
      goal: { kind: 'checkIns', target: 2 },
      rewardPoints: 20,
    });
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Bob');
    const memberId = await memberIdOf(chat);
    await chat.says('check in');
    // The same check-in recorded again (a retry after a timeout, a redelivered webhook) changes nothing.
    await recordMissionEvent(missionDeps(), memberId, 'checkIns', '2044-05-10', platform.clock.now());
    await chat.says('check in');
    const progress = await platform.repositories.missions.progressOf(memberId, [mission.id]);
    expect(progress.get(mission.id)?.count).toBe(1);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'mission' })).toBe(0);
  });

  it('awards a completed mission once when many events complete it at the same time', async () => {
    platform.clock.set('2045-06-10T09:00:00+08:00');
    const mission = await defineMission({
      id: 'june-rush',
      name: { 'zh-TW': '六月衝刺', en: 'June rush' },
      startsAt: '2045-06-01T00:00:00+08:00',
      endsAt: '2045-07-01T00:00:00+08:00',
      goal: { kind: 'redemptions', target: 3 },
      rewardPoints: 500,
    });
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Cat');
    const memberId = await memberIdOf(chat);
    const now = platform.clock.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => recordMissionEvent(missionDeps(), memberId, 'redemptions', `r${index % 10}`, now)),
    );
    expect(results.filter((result) => result.completed.length > 0)).toHaveLength(1);
    // 20 calls, 10 distinct redemptions: the progress document (`<missionId>:<memberId>`) holds 10 keys.
    expect(progressIdOf(mission.id, memberId)).toBe(`june-rush:${memberId}`);
    expect((await platform.repositories.missions.progressOf(memberId, [mission.id])).get(mission.id)?.count).toBe(10);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'mission' })).toBe(1);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(500);
    await chat.says('help');
    expect(chat.replyTexts().filter((text) => text.startsWith('🎉 Mission "June rush" complete!'))).toHaveLength(1);
    await chat.says('help');
    expect(chat.replyTexts().some((text) => text.includes('June rush'))).toBe(false);
  });

  it('does not count events outside the window or of another kind', async () => {
    platform.clock.set('2046-07-10T09:00:00+08:00');
    const mission = await defineMission({
      id: 'july-codes',
      name: { 'zh-TW': '七月集點', en: 'July codes' },
      startsAt: '2046-07-01T00:00:00+08:00',
      endsAt: '2046-08-01T00:00:00+08:00',
      goal: { kind: 'pointCodes', target: 1 },
      rewardPoints: 10,
    });
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Dan');
    const memberId = await memberIdOf(chat);
    await chat.says('check in');
    await recordMissionEvent(missionDeps(), memberId, 'pointCodes', 'late', DateTime.fromISO('2046-08-01T00:00:00+08:00'));
    expect((await platform.repositories.missions.progressOf(memberId, [mission.id])).get(mission.id)).toBeUndefined();
  });
});
