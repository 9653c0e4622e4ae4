import fc from 'fast-check';
import request from 'supertest';
import { startFakeGraphApi, type FakeGraphApi } from '../fakes/fake-graph-api';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { deliverToLine, lineEventFactory, lineReplyTexts } from '../support/line-events';
import { startTestPlatform, testAdminTokens, testLineSecret, type TestPlatform } from '../support/platform';
import { signLineBody, signMessengerBody } from '../support/signed-webhook';

// Issue 8: random and malformed input on every route that reads one: never a 5xx, never a failed
// turn (the apology), and the server answers as usual afterwards. Bodies are signed where the route
// checks a signature, so fuzzed JSON gets past it. FUZZ_SEED replays a run; FUZZ_RUNS makes it longer.
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const numRuns = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 30;
const runs = { seed, numRuns, endOnFailure: true };
const messengerSecret = 'test-messenger-app-secret';
const apology = 'Sorry, something went wrong on our side';

let platform: TestPlatform;
let line: FakeLineApi;
let graph: FakeGraphApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  graph = await startFakeGraphApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    MESSENGER_APP_SECRET: messengerSecret,
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: 'test-verify-token',
    MESSENGER_API_BASE_URL: graph.baseUrl,
    BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: 'true',
    DEFAULT_LOCALE: 'en',
  });
}, 30_000);
afterAll(async () => {
  await platform.close();
  await line.close();
  await graph.close();
});

// ---- generators ----
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '🙂'.repeat(200), 'x'.repeat(5000), '__proto__', 'constructor', '../../etc/passwd', '$where', '{"$gt":""}'),
);
const postbackData = fc.oneof(
  text,
  fc
    .tuple(fc.constantFrom('intent=', 'answer=', 'intent=redeem&reward=', 'intent=collect&code=', 'intent=checkin&', 'intent=language&locale=', '&&=&'), text)
    .map(([prefix, rest]) => prefix + rest),
  fc.array(fc.tuple(text, text), { maxLength: 6 }).map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&')),
  fc.constantFrom('intent=%', 'intent=%E0%A4%A', 'intent=redeem&reward=%00', 'answer=confirm&answer=cancel', 'intent[]=checkin', 'intent=__proto__'),
);
/** JSON values, with a bias to the keys the parsers look at. */
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom('events', 'object', 'entry', 'type', 'id', 'text', 'payload', 'locale', 'points', 'reason', 'idempotencyKey', 'name', 'cost', 'stock', '__proto__'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 6 },
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  ';;;',
);
const rawBody = fc.oneof(
  json.map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constantFrom('', '{', '[]', 'null', '{"events":', '\uFEFF{"events":[]}', '{"events":[null]}', '{"object":"page","entry":[null]}'),
);
const oddHeader = fc.oneof(fc.string({ maxLength: 60 }).filter((value) => /^[\t\x20-\x7e]*$/.test(value)), fc.constant('x'.repeat(4000)));
const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'nonsense');

function lineEventWith(userId: string, sequence: number, overrides: Record<string, unknown>, data: string) {
  return {
    type: 'postback',
    postback: { data },
    mode: 'active',
    timestamp: Date.now(),
    source: { type: 'user', userId },
    webhookEventId: `01JFUZZ${String(sequence).padStart(19, '0')}`,
    deliveryContext: { isRedelivery: false },
    replyToken: `fuzz-reply-${sequence}`,
    ...overrides,
  };
}

const not5xx = (response: { status: number; text: string }, what: string) => {
  if (response.status >= 500) throw new Error(`${what} answered ${response.status}: ${response.text}`);
};

// ---- properties ----
describe(`input fuzzing (FUZZ_SEED=${seed})`, () => {
  const lineEvents = lineEventFactory('01JFZMEM');
  let memberUserId: string;
  let sequence = 0;

  beforeAll(async () => {
    // A member, so that fuzzed postbacks reach the member-only flows (rewards, collect, check-in).
    memberUserId = lineEvents.userId();
    for (const step of [
      lineEvents.postback(memberUserId, 'intent=signup'),
      lineEvents.postback(memberUserId, 'answer=agree'),
      lineEvents.text(memberUserId, 'Fuzz'),
      lineEvents.text(memberUserId, '0912345678'),
      lineEvents.postback(memberUserId, 'answer=skip'),
    ]) {
      await deliverToLine(platform, [step]);
    }
    expect(await platform.repositories.identities.find(`line:${memberUserId}`)).toMatchObject({ memberId: expect.any(String) });
    line.reset();
  });

  it('LINE: signed events with fuzzed postback data, fields and text run without a failed turn', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(postbackData, fc.dictionary(fc.constantFrom('type', 'message', 'postback', 'source', 'mode', 'timestamp', 'replyToken', 'link', 'deliveryContext'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), fc.boolean(), text),
          { minLength: 1, maxLength: 4 },
        ),
        async (items) => {
          const userId = lineEvents.userId();
          const events = items.map(([data, overrides, fromMember, typed]) => {
            sequence += 1;
            const who = fromMember ? memberUserId : userId;
            return sequence % 3 === 0
              ? { ...lineEventWith(who, sequence, overrides, data), type: 'message', message: { id: String(sequence), type: 'text', text: typed } }
              : lineEventWith(who, sequence, overrides, data);
          });
          const response = await deliverToLine(platform, events);
          not5xx(response, 'POST /webhooks/line');
        },
      ),
      runs,
    );
    expect(lineReplyTexts(line).filter((reply) => reply.startsWith(apology))).toEqual([]);
  }, 60_000);

  it('LINE and Messenger: any body, signed or not, with odd headers, is never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/webhooks/line', '/webhooks/messenger'),
        rawBody,
        contentType,
        fc.constantFrom('valid', 'missing', 'wrong', 'odd'),
        oddHeader,
        encoding,
        async (path, body, type, signatureKind, odd, contentEncoding) => {
          const valid = path === '/webhooks/line' ? signLineBody(body, testLineSecret) : signMessengerBody(body, messengerSecret);
          const header = path === '/webhooks/line' ? 'x-line-signature' : 'x-hub-signature-256';
          const signature = { valid, missing: undefined, wrong: valid.slice(0, -4) + 'AAAA', odd }[signatureKind];
          const call = request(platform.app).post(path).set('content-type', type);
          if (signature !== undefined) call.set(header, signature);
          if (contentEncoding !== undefined) call.set('content-encoding', contentEncoding);
          not5xx(await call.send(body), `POST ${path}`);
        },
      ),
      runs,
    );
    await platform.inbox.drain();
  }, 60_000);

  it('Messenger: signed, well-formed envelopes with fuzzed messaging entries', async () => {
    const messaging = fc.record(
      {
        sender: fc.oneof(fc.record({ id: fc.oneof(fc.constant('PSID-fuzz-1'), text) }), fc.jsonValue({ maxDepth: 1 })),
        recipient: fc.constant({ id: 'PAGE' }),
        timestamp: fc.oneof(fc.constant(Date.now()), fc.jsonValue({ maxDepth: 1 })),
        message: fc.record({ mid: text, text, quick_reply: fc.record({ payload: postbackData }) }, { requiredKeys: [] }),
        postback: fc.record({ mid: text, title: text, payload: postbackData }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(messaging, { maxLength: 3 }), async (items) => {
        const body = JSON.stringify({ object: 'page', entry: [{ id: 'PAGE', time: Date.now(), messaging: items }] });
        const response = await request(platform.app)
          .post('/webhooks/messenger')
          .set({ 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, messengerSecret) })
          .send(body);
        not5xx(response, 'POST /webhooks/messenger');
      }),
      runs,
    );
    await platform.inbox.drain();
    const apologies = graph.requests.filter((sent) => JSON.stringify(sent.body ?? '').includes(apology));
    expect(apologies).toEqual([]);
  }, 60_000);

  it('Bot Framework and the web chat: any body, cookie and content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/messages', '/chat/api/session', '/chat/api/messages', '/chat/api/locale'),
        rawBody,
        contentType,
        fc.oneof(fc.constant(undefined), text.map((value) => `loyalty_web_id=${encodeURIComponent(value)}; loyalty_web_locale=${encodeURIComponent(value)}`), fc.constant('loyalty_web_id=AAAAAAAAAAAAAAAAAAAAAA')),
        encoding,
        async (path, body, type, cookie, contentEncoding) => {
          const call = request(platform.app).post(path).set('content-type', type);
          if (cookie !== undefined) call.set('cookie', cookie);
          if (contentEncoding !== undefined) call.set('content-encoding', contentEncoding);
          not5xx(await call.send(body), `POST ${path}`);
        },
      ),
      runs,
    );
  }, 60_000);

  it('web chat: well-formed messages with fuzzed text and payloads never end in the apology', async () => {
    const agent = request.agent(platform.app);
    await agent.post('/chat/api/session').send({ locale: 'en' }).expect(200);
    await fc.assert(
      fc.asyncProperty(fc.oneof(text.map((typed) => ({ text: typed })), postbackData.map((payload) => ({ payload }))), async (message) => {
        const response = await agent.post('/chat/api/messages').send({ id: crypto.randomUUID(), ...message });
        not5xx(response, 'POST /chat/api/messages');
        expect(JSON.stringify(response.body)).not.toContain(apology);
      }),
      runs,
    );
  }, 60_000);

  it('admin API: fuzzed bodies, ids and queries with a valid token', async () => {
    const routes: [string, string][] = [
      ['POST', '/members/:id/adjustments'],
      ['GET', '/members/:id'],
      ['GET', '/members/:id/ledger'],
      ['GET', '/members'],
      ['GET', '/ledger/verify'],
      ['POST', '/point-codes'],
      ['GET', '/point-codes'],
      ['GET', '/point-codes/:id'],
      ['GET', '/point-codes/:id/qr.png'],
      ['GET', '/point-codes/:id/qr.svg'],
      ['POST', '/rewards'],
      ['GET', '/rewards'],
      ['GET', '/rewards/:id'],
      ['PATCH', '/rewards/:id'],
      ['POST', '/rewards/:id/codes'],
      ['POST', '/missions'],
      ['GET', '/missions/:id'],
      ['PATCH', '/missions/:id'],
      ['GET', '/redemptions'],
      ['GET', '/redemptions/:id'],
      ['POST', '/redemptions/:id/fulfil'],
      ['POST', '/redemptions/:id/cancel'],
      ['GET', '/tier-rules'],
      ['PUT', '/tier-rules'],
      ['GET', '/audit'],
    ];
    const member = await platform.repositories.identities.find(`line:${memberUserId}`);
    const id = fc.oneof(text, fc.constantFrom(member!.memberId!, 'coffee', 'm_AAAAAAAAAAAAAAAA', '%', '..', 'ABCD-1234'));
    const query = fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'before', 'channel', 'channelUserId', 'status', 'resource', 'action', 'memberId', 'size'),
      fc.oneof(text, fc.array(text, { maxLength: 2 })),
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), id, query, json, contentType, async ([method, route], param, search, body, type) => {
        const path = `/admin/api${route.replace(':id', encodeURIComponent(param) || 'x')}`;
        const call = request(platform.app)
          [method.toLowerCase() as 'get' | 'post' | 'patch' | 'put'](path)
          .query(search)
          .set('authorization', `Bearer ${testAdminTokens.admin}`);
        const response = method === 'GET' ? await call : await call.set('content-type', type).send(JSON.stringify(body));
        not5xx(response, `${method} ${path}`);
      }),
      { ...runs, numRuns: numRuns * 3 },
    );
  }, 60_000);

  it('stays healthy and answers as usual afterwards', async () => {
    await platform.inbox.drain();
    expect((await request(platform.app).get('/healthz')).status).toBe(200);
    expect((await request(platform.app).get('/readyz')).status).toBe(200);
    line.reset();
    await deliverToLine(platform, [lineEvents.postback(memberUserId, 'intent=card')]);
    expect(lineReplyTexts(line)).toHaveLength(1);
    expect(lineReplyTexts(line)[0]).not.toContain(apology);
  });
});
