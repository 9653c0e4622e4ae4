import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { loadConfig } from '../../src/config';
import { connectMongo, initModels, type Connection } from '../../src/database/mongo-connection';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { programmeRulesFrom } from '../../src/loyalty/programme';
import { recoverRedemptions } from '../../src/loyalty/rewards/redeem-reward';
import { createRepositories, modelsOf, type Repositories } from '../../src/repositories';
import { startChildServer, type ChildServer } from '../support/child-server';
import { testMongoUri, uriWithDatabase } from '../support/mongo';
import { admin, reliabilityAdminToken, sleep } from './line-fixture';

// Issue 8: SIGKILL the real server while members earn (admin adjustments) and redeem a reward with
// limited stock (the web chat: tap the reward, then confirm). Unanswered requests are retried with
// the same idempotency key or message id after each restart. Then every acknowledged earn and every
// acknowledged redemption is in the ledger exactly once, and the stock taken equals the redemptions
// that hold it. CRASH_SEED replays the kill timing choices.
const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31);
const memberCount = 4;
const initialStock = 12;
const cost = 30;

type Answer = { kind: 'answered'; body: unknown } | { kind: 'unknown'; cause: string };

interface WebMember {
  cookie: string;
  memberId: string;
}

interface Operation {
  kind: 'earn' | 'redeem';
  memberId: string;
  key: string;
  points: number;
  outcome: 'acknowledged' | 'refused' | 'unknown' | 'silent';
  voucher?: string;
}

const stillRunning = (answer: Answer) => answer.kind === 'unknown';

async function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      // Generous: on a loaded machine a turn can take seconds, and a retry while it runs learns nothing.
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (response.status >= 500) return { kind: 'unknown', cause: `HTTP ${response.status}` };
    if (response.status >= 300) throw new Error(`${url} answered ${response.status}: ${text}`);
    return { kind: 'answered', body: JSON.parse(text) };
  } catch (error) {
    if ((error as Error).message.includes('answered')) throw error;
    const cause = (error as { cause?: { code?: string } }).cause;
    return { kind: 'unknown', cause: cause?.code ?? (error as Error).name };
  }
}

describe('crash recovery with redemptions: SIGKILL during earns and web chat redemptions', () => {
  let connection: Connection;
  let repositories: Repositories;
  let server: ChildServer | undefined;
  let serverUp: Promise<string>;
  let markUp: (url: string) => void = () => undefined;

  afterAll(async () => {
    await server?.kill();
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  });

  it(`holds every acknowledged earn and redemption once, and the stock matches (CRASH_SEED=${seed})`, async () => {
    const started = performance.now();
    const database = `crash_redeem_${randomBytes(6).toString('hex')}`;
    const mongoUri = uriWithDatabase(testMongoUri(), database);
    connection = await connectMongo(mongoUri);
    repositories = createRepositories(connection);
    await initModels(modelsOf(repositories));
    const env = {
      MONGODB_URI: mongoUri,
      ADMIN_TOKENS: `admin:${reliabilityAdminToken}`,
      DEMO_DATA: 'false',
      POINTS_EXPIRY_POLICY: 'never',
      DEFAULT_LOCALE: 'en',
      SIGNUP_BONUS_POINTS: '60',
      ADMIN_API_RATE_LIMIT: '0',
      WEB_CHAT_RATE_LIMIT: '0',
      CHAT_RATE_LIMIT_EVENTS: '10000',
    };
    const startups: number[] = [];
    const start = async () => {
      server = await startChildServer(env);
      startups.push(server.startupMs);
      return server.baseUrl;
    };
    serverUp = Promise.resolve(await start());

    /** Sends until a definitive answer, waiting out restarts: what a client with the same key or id does. */
    const untilAnswered = async (send: (baseUrl: string) => Promise<Answer>): Promise<{ answer: Answer; attempts: number }> => {
      let attempts = 0;
      for (;;) {
        attempts += 1;
        const answer = await send(await serverUp);
        if (!stillRunning(answer) || attempts > 20) return { answer, attempts };
        await sleep(100);
      }
    };
    const chat = (member: WebMember, message: { text?: string; payload?: string }) => {
      const id = randomUUID();
      return untilAnswered((baseUrl) => postJson(`${baseUrl}/chat/api/messages`, { id, ...message }, { cookie: member.cookie }));
    };

    // Members signed up through the web chat, each with a cookie identity.
    const members: WebMember[] = [];
    for (let i = 0; i < memberCount; i += 1) {
      const baseUrl = await serverUp;
      const session = await fetch(`${baseUrl}/chat/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"locale":"en"}' });
      const cookie = session.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
      const member = { cookie, memberId: '' };
      for (const step of [{ payload: 'intent=signup' }, { payload: 'answer=agree' }, { text: `Crash ${i}` }, { text: `09123456${i}0` }, { payload: 'answer=skip' }]) {
        await chat(member, step);
      }
      const webId = /loyalty_web_id=([^;]+)/.exec(cookie)![1]!;
      member.memberId = (await admin<{ id: string }>(baseUrl, 'GET', `/members?channel=web&channelUserId=${webId}`)).id;
      members.push(member);
    }
    const reward = await admin<{ id: string }>(await serverUp, 'POST', '/rewards', { name: { 'zh-TW': '蛋糕', en: 'Cake' }, cost, stock: initialStock });

    // The stream: each member alternates at random between earning and redeeming, one at a time.
    const operations: Operation[] = [];
    let stopping = false;
    const worker = async (member: WebMember, index: number) => {
      let sequence = 0;
      while (!stopping) {
        sequence += 1;
        if ((sequence + index) % 3 !== 0) {
          const operation: Operation = { kind: 'earn', memberId: member.memberId, key: `earn-${seed}-${index}-${sequence}`, points: 10 + ((sequence * 7) % 50), outcome: 'unknown' };
          operations.push(operation);
          const { answer } = await untilAnswered((baseUrl) =>
            postJson(
              `${baseUrl}/admin/api/members/${member.memberId}/adjustments`,
              { points: operation.points, reason: 'crash test', idempotencyKey: operation.key },
              { authorization: `Bearer ${reliabilityAdminToken}` },
            ),
          );
          if (answer.kind === 'answered') operation.outcome = 'acknowledged';
        } else {
          const operation: Operation = { kind: 'redeem', memberId: member.memberId, key: `redeem-${index}-${sequence}`, points: -cost, outcome: 'unknown' };
          operations.push(operation);
          await chat(member, { payload: `intent=redeem&reward=${reward.id}` });
          const { answer } = await chat(member, { payload: 'answer=confirm' });
          if (answer.kind === 'answered') {
            const messages = (answer.body as { messages: { kind: string; title?: string; fields?: { label: string; value: string }[] }[] }).messages;
            const card = messages.find((message) => message.title === '🎉 Redeemed!');
            if (card !== undefined) {
              operation.outcome = 'acknowledged';
              operation.voucher = card.fields!.find((field) => field.label === 'Voucher code')!.value;
            } else {
              // Not enough points, out of stock, or [] for a retried message whose turn had finished before the kill.
              operation.outcome = messages.length === 0 ? 'silent' : 'refused';
            }
          }
        }
      }
    };
    const workers = members.map(worker);

    let state = seed >>> 0;
    const between = (min: number, max: number) => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return min + (state % (max - min + 1));
    };
    const kills = 2;
    for (let round = 0; round < kills; round += 1) {
      await sleep(between(800, 2000));
      serverUp = new Promise((resolveUp) => (markUp = resolveUp));
      expect(await server!.kill()).toBe('SIGKILL');
      markUp(await start());
    }
    await sleep(500);
    stopping = true;
    await Promise.all(workers);
    // A last kill, so that nothing is in flight while the sweeps run (the server runs them every minute)
    // and settle what the crashes left half done and no retry finished.
    await server!.kill();
    const rules = programmeRulesFrom(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    const later = DateTime.now().plus({ minutes: 5 });
    await repositories.ledger.recoverPending(later.toJSDate(), later);
    await recoverRedemptions({ ...repositories, rules }, later);
    await repositories.ledger.recoverPending(later.toJSDate(), later);

    const entries = await repositories.ledger.model.find({}).lean();
    const redemptions = await repositories.redemptions.models[0]!.find({ rewardId: reward.id }).lean();
    const holdingStock = redemptions.filter((redemption) => ['redeemed', 'fulfilled'].includes(redemption.status as string));
    const stock = (await repositories.rewards.findById(reward.id as never))!.stock;
    const count = (kind: Operation['kind'], outcome: Operation['outcome']) => operations.filter((o) => o.kind === kind && o.outcome === outcome).length;
    console.log(
      `crash-redemptions (replay with CRASH_SEED=${seed}): ${JSON.stringify({
        seconds: Math.round((performance.now() - started) / 100) / 10,
        serverStartupMs: startups,
        earns: { acknowledged: count('earn', 'acknowledged'), unknown: count('earn', 'unknown') },
        redemptions: {
          acknowledged: count('redeem', 'acknowledged'),
          refused: count('redeem', 'refused'),
          silent: count('redeem', 'silent'),
          unknown: count('redeem', 'unknown'),
          stored: countBy(redemptions.map((redemption) => redemption.status as string)),
        },
        stock,
      })}`,
    );

    expect(operations.filter((operation) => operation.outcome === 'unknown')).toEqual([]);
    // Every acknowledged earn: its entry, applied, once (the key is the entry's _id).
    const entryByKey = new Map(entries.map((entry) => [entry._id as string, entry]));
    const missingEarns = operations
      .filter((operation) => operation.kind === 'earn' && operation.outcome === 'acknowledged')
      .filter((operation) => entryByKey.get(`adjustment:${operation.key}`)?.status !== 'applied');
    expect(missingEarns).toEqual([]);
    // Every acknowledged redemption: stored once, holding its stock, its spend applied once.
    const acknowledgedVouchers = operations.filter((operation) => operation.outcome === 'acknowledged' && operation.kind === 'redeem').map((o) => o.voucher!);
    expect(new Set(acknowledgedVouchers).size).toBe(acknowledgedVouchers.length);
    const byId = new Map(redemptions.map((redemption) => [redemption._id as string, redemption]));
    expect(acknowledgedVouchers.filter((voucher) => !['redeemed', 'fulfilled'].includes(byId.get(voucher)?.status as string))).toEqual([]);
    const spends = entries.filter((entry) => entry.reason === 'redemption' && entry.status === 'applied');
    const refunds = entries.filter((entry) => entry.reason === 'refund' && entry.status === 'applied');
    expect(spends.length - refunds.length).toBe(holdingStock.length);
    // Stock: what was taken is exactly what the standing redemptions hold.
    expect(stock).toBe(initialStock - holdingStock.length);
    expect(acknowledgedVouchers.length).toBeGreaterThan(0);
    expect(await verifyLedger(repositories)).toMatchObject({ ok: true, problems: [], pendingEntries: 0 });
  }, 90_000);
});

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
