import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/database/embedded-mongo';
import type { LedgerEntry } from '../../src/loyalty/points/ledger';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { startChildServer, type ChildServer } from '../support/child-server';
import { lineEventFactory } from '../support/line-events';
import { admin, lineServerEnv, postLine, signUpOnLine, sleep } from './line-fixture';

// Issue 8: LINE never sends again an event it got a 200 for. The server answers as soon as the events are
// recorded and runs the turns after, so a SIGKILL in between used to lose them. The recorded event is now
// kept until its turn is handled, and a sweep runs what a killed process left, replying by push.
const codeCount = 30;
const pointsPerCode = 7;

describe('a server killed right after acknowledging a batch', () => {
  let line: FakeLineApi;
  let database: EmbeddedMongo;
  let server: ChildServer | undefined;

  afterAll(async () => {
    await server?.kill();
    await database?.stop();
    await line?.close();
  });

  it('runs every acknowledged event exactly once after the restart, and pushes the replies it could not give', async () => {
    line = await startFakeLineApi();
    database = await startEmbeddedMongo({ backend: 'memory' });
    const env = {
      ...lineServerEnv(`${database.uri}/killed`, line),
      // One member sends the whole batch: the flood control is not what this test is about.
      CHAT_RATE_LIMIT_EVENTS: '1000',
      RECOVER_UNHANDLED_AFTER_SECONDS: '1',
    };
    server = await startChildServer(env);
    const events = lineEventFactory('01JKILLED');
    const userId = events.userId();
    const member = await signUpOnLine(server.baseUrl, line, events, userId);
    const { codes } = await admin<{ codes: { code: string }[] }>(server.baseUrl, 'POST', '/point-codes', {
      points: pointsPerCode,
      maxUses: 10,
      count: codeCount,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });

    // One person's events run one after another: most of the batch is still waiting when the process dies.
    const batch = codes.map(({ code }) => events.postback(userId, `intent=collect&code=${code}`));
    const repliesBefore = line.replies().length;
    expect((await postLine(server.baseUrl, batch)).status).toBe(200);
    await server.kill();
    const repliedBeforeKill = line.replies().length - repliesBefore;

    server = await startChildServer(env);
    const { baseUrl } = server;
    const collected = async () =>
      (await admin<{ entries: LedgerEntry[] }>(baseUrl, 'GET', `/members/${member.id}/ledger?limit=200`)).entries.filter(
        (entry) => entry.reason === 'pointCode',
      );
    const deadline = performance.now() + 30_000;
    while ((await collected()).length < codeCount && performance.now() < deadline) await sleep(200);

    const entries = await collected();
    const pushed = line.pushes().filter((push) => (push.body as { to?: string }).to === userId);
    console.log(`acknowledged-then-killed: ${JSON.stringify({ repliedBeforeKill, pushedAfterRestart: pushed.length, entries: entries.length })}`);
    expect(repliedBeforeKill).toBeLessThan(codeCount);
    expect(entries.filter((entry) => entry.status !== 'applied')).toEqual([]);
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
    expect(entries).toHaveLength(codeCount);
    expect(await admin(baseUrl, 'GET', `/members/${member.id}`)).toMatchObject({ points: 50 + codeCount * pointsPerCode });
    expect(await admin(baseUrl, 'GET', '/ledger/verify')).toMatchObject({ ok: true, problems: [] });
    // Every event the member got no reply to before the kill is answered by push after the restart (a turn cut
    // between its reply and its handled marker runs again: its answer is pushed once more).
    expect(pushed.length).toBeGreaterThanOrEqual(codeCount - repliedBeforeKill);
  }, 120_000);
});
