import { randomBytes } from 'node:crypto';
import { connectMongo, type Connection } from '../../src/database/mongo-connection';
import { createRepositories } from '../../src/repositories';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { startChildServer, type ChildServer } from '../support/child-server';
import { lineEventFactory } from '../support/line-events';
import { testMongoUri, uriWithDatabase } from '../support/mongo';
import {
  admin,
  lineServerEnv,
  messageTextsOf,
  postLine,
  replyTokenOf,
  signUpOnLine,
  sleep,
  type LineEvent,
} from './line-fixture';

// Issue 8: LINE redelivers an event it got no 200 for, and a proxy or a retrying platform can send
// the same one many times at once. Each check-in, collect and redemption confirmation sent ten times
// concurrently, half of them marked isRedelivery, must take effect once and be answered once.
describe('redelivery storm on the real server', () => {
  let line: FakeLineApi;
  let server: ChildServer;
  let connection: Connection;

  beforeAll(async () => {
    line = await startFakeLineApi();
    const mongoUri = uriWithDatabase(testMongoUri(), `storm_${randomBytes(6).toString('hex')}`);
    connection = await connectMongo(mongoUri);
    server = await startChildServer(lineServerEnv(mongoUri, line));
  }, 30_000);
  afterAll(async () => {
    await server?.kill();
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
    await line?.close();
  });

  /** Ten copies at once, the even ones as redeliveries; every copy must be answered 200. */
  async function storm(event: LineEvent) {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, copy) => postLine(server.baseUrl, [event], { redelivery: copy % 2 === 0 })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    await line.waitFor((request) => replyTokenOf(request) === event.replyToken, 10_000);
  }

  it('applies each effect once and replies once per event', async () => {
    const events = lineEventFactory('01JSTORM');
    const userId = events.userId();
    const member = await signUpOnLine(server.baseUrl, line, events, userId);
    const { codes } = await admin<{ codes: { code: string }[] }>(server.baseUrl, 'POST', '/point-codes', {
      points: 30,
      maxUses: 100,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const reward = await admin<{ id: string }>(server.baseUrl, 'POST', '/rewards', {
      name: { 'zh-TW': '咖啡', en: 'Coffee' },
      cost: 20,
      stock: 5,
    });
    line.reset();

    const checkIn = events.postback(userId, 'intent=checkin');
    const collect = events.postback(userId, `intent=collect&code=${codes[0]!.code}`);
    const redeem = events.postback(userId, `intent=redeem&reward=${reward.id}`);
    const confirm = events.postback(userId, 'answer=confirm');
    await storm(checkIn);
    await storm(collect);
    await storm(redeem);
    await storm(confirm);
    // Copies still in flight would reply late: give them the time a turn takes, then count.
    await sleep(500);

    const stormEvents = [checkIn, collect, redeem, confirm];
    expect(line.pushes()).toEqual([]);
    expect(line.unexpected()).toEqual([]);
    expect(line.replies().map(replyTokenOf)).toEqual(stormEvents.map((event) => event.replyToken));
    const [checkInReply, collectReply, , confirmReply] = line.replies().map((reply) => messageTextsOf(reply).join('\n'));
    expect(checkInReply).toMatch(/\+10/);
    expect(collectReply).toMatch(/\+30/);
    expect(confirmReply).toMatch(/Redeemed/);

    const repositories = createRepositories(connection);
    const reasons = (await repositories.ledger.model.find({ memberId: member.id }).lean()).map((entry) => `${entry.reason} ${entry.points} ${entry.status}`);
    expect(reasons.sort()).toEqual(['checkin 10 applied', 'pointCode 30 applied', 'redemption -20 applied', 'signupBonus 50 applied'].sort());
    expect(await repositories.redemptions.models[0]!.countDocuments({ memberId: member.id })).toBe(1);
    expect((await repositories.rewards.findById(reward.id as never))!.stock).toBe(4);
    expect(await admin(server.baseUrl, 'GET', `/members/${member.id}`)).toMatchObject({ points: 50 + 10 + 30 - 20 });
    expect(await admin(server.baseUrl, 'GET', '/ledger/verify')).toMatchObject({ ok: true, problems: [] });
  }, 60_000);
});
