import request from 'supertest';
import { awardPoints } from '../../src/loyalty/points/award-points';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ SIGNUP_BONUS_POINTS: '0' }, '2031-06-15T14:20:00+08:00');
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const earning = { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' };

/** `count` members who earned in `month`: every 10th opted out, every 7th hidden, scores spread over 0–997. */
async function seedMembers(month: string, count: number, prefix: string) {
  const docs = Array.from({ length: count }, (_, index) => ({
    _id: `${prefix}-${String(index).padStart(6, '0')}`,
    signupKey: `web:${prefix}-${index}`,
    name: `王小${index}`,
    mobile: '0912345678',
    points: 0,
    earnedTotal: 0,
    earnedByMonth: { [month]: (index * 37) % 998, '2031-05': 5000 },
    ...(index % 10 === 0 ? { leaderboard: { display: { kind: 'masked' }, optedOut: true } } : {}),
    ...(index % 7 === 0 && index % 10 !== 0 ? { leaderboard: { display: { kind: 'hidden' }, optedOut: false } } : {}),
  }));
  const members = platform.repositories.members.model;
  for (let start = 0; start < docs.length; start += 1000) await members.insertMany(docs.slice(start, start + 1000), { lean: true });
  return docs.map((doc, index) => ({ id: doc._id, earned: doc.earnedByMonth[month]!, counted: index % 10 !== 0 && doc.earnedByMonth[month]! > 0 }));
}

describe('leaderboard snapshot job', () => {
  it('ranks 10,000 members in one pass: exact top 10, histogram and own ranks, opt-outs excluded', async () => {
    platform.clock.set('2031-06-15T14:20:00+08:00');
    const seeded = await seedMembers('2031-06', 10_000, 'lb');
    const startedAt = performance.now();
    const snapshot = await platform.jobs.snapshotLeaderboard();
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(`leaderboard snapshot of 10,000 members: ${seconds.toFixed(2)} s`);

    const counted = seeded.filter((member) => member.counted);
    expect(snapshot.month).toBe('2031-06');
    expect(snapshot.ranked).toBe(counted.length);
    expect(snapshot.histogram.reduce((sum, score) => sum + score.members, 0)).toBe(counted.length);
    const expectedTop = [...counted].sort((a, b) => b.earned - a.earned || (a.id < b.id ? -1 : 1)).slice(0, 10);
    expect(snapshot.top.map((row) => [row.memberId, row.earned])).toEqual(expectedTop.map((member) => [member.id, member.earned]));
    for (const row of snapshot.top) expect(row.rank).toBe(1 + counted.filter((other) => other.earned > row.earned).length);

    const stored = await platform.repositories.leaderboardSnapshots.find('2031-06');
    expect(stored).toEqual(snapshot);

    // A member asking gets their exact rank among all 9,000 counted, from the stored snapshot.
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    await awardPoints(
      { ledger: platform.repositories.ledger, rules: earning },
      { key: 'test:amy-june', memberId: identity!.memberId as MemberId, points: 500, reason: 'adjustment', now: platform.clock.now() },
    );
    const helpStartedAt = performance.now();
    await chat.says('help');
    const replyStartedAt = performance.now();
    await chat.says('leaderboard');
    const replyMs = performance.now() - replyStartedAt;
    console.log(`with 10,000 members: leaderboard reply ${replyMs.toFixed(0)} ms, help reply ${(replyStartedAt - helpStartedAt).toFixed(0)} ms`);
    const higher = counted.filter((member) => member.earned > 500).length;
    expect(chat.replyTexts()[0]).toContain(`(as of 14:20)\n1. `);
    expect(chat.replyTexts()[0]).toContain(`With your 500 points this month you are #${(higher + 1).toLocaleString('en')} of ${counted.length.toLocaleString('en')}.`);
    expect(chat.replyTexts()[0]).toContain('A member');
  });

  it('answers POST /admin/api/jobs/leaderboard-snapshot with what it stored, for staff only', async () => {
    platform.clock.set('2032-02-10T08:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.joins('陳美美');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    await awardPoints(
      { ledger: platform.repositories.ledger, rules: earning },
      { key: 'test:feb', memberId: identity!.memberId as MemberId, points: 120, reason: 'adjustment', now: platform.clock.now() },
    );

    expect((await request(platform.app).post('/admin/api/jobs/leaderboard-snapshot').send({})).status).toBe(401);
    const invalid = await request(platform.app).post('/admin/api/jobs/leaderboard-snapshot').set(as('admin')).send({ month: '2032-01' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_request');

    const response = await request(platform.app).post('/admin/api/jobs/leaderboard-snapshot').set(as('admin')).send({});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      month: '2032-02',
      takenAt: '2032-02-10T00:00:00.000Z',
      ranked: 1,
      distinctScores: 1,
      top: [{ rank: 1, memberId: identity!.memberId, earned: 120, shownName: '陳*美' }],
    });
  });

  it('serves replies from the stored snapshot, not a pass over the members, until the next run', async () => {
    platform.clock.set('2033-03-03T09:00:00+08:00');
    const first = conversationWith(platform, { locale: 'en' });
    await first.joins('Bob');
    const firstId = (await platform.repositories.identities.find(`web:${first.source.channelUserId}`))!.memberId as MemberId;
    await awardPoints({ ledger: platform.repositories.ledger, rules: earning }, { key: 'test:bob', memberId: firstId, points: 50, reason: 'adjustment', now: platform.clock.now() });
    await first.says('leaderboard');
    expect(first.replyTexts()[0]).toContain('(as of 09:00)\n👉 1. B*b 50 pts');

    // A member the snapshot has not seen yet: not listed until the next run.
    await seedMembers('2033-03', 3, 'late');
    platform.clock.set('2033-03-03T09:05:00+08:00');
    await first.says('leaderboard');
    expect(first.replyTexts()[0]).toContain('(as of 09:00)\n👉 1. B*b 50 pts\n\n');

    platform.clock.set('2033-03-03T09:10:00+08:00');
    await platform.jobs.snapshotLeaderboard();
    await first.says('leaderboard');
    expect(first.replyTexts()[0]).toContain('(as of 09:10)\n1. 王*2 74 pts\n👉 2. B*b 50 pts\n3. 王*1 37 pts\n\nWith your 50 points this month you are #2 of 3.');
  });

  it('keeps the newer snapshot when an older run finishes last', async () => {
    const { leaderboardSnapshots } = platform.repositories;
    const newer = { month: '2034-01', takenAt: new Date('2034-01-05T02:10:00Z'), ranked: 2, top: [], histogram: [{ earned: 10, members: 2 }] };
    const older = { ...newer, takenAt: new Date('2034-01-05T02:00:00Z'), ranked: 1, histogram: [{ earned: 10, members: 1 }] };
    expect(await leaderboardSnapshots.save(newer)).toBe(true);
    expect(await leaderboardSnapshots.save(older)).toBe(false);
    expect(await leaderboardSnapshots.find('2034-01')).toEqual(newer);
  });
});
