import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { deliverToLine, lineEventFactory, lineReplyTexts } from '../support/line-events';
import { startTestPlatform, testAdminTokens, testLineSecret, type TestPlatform } from '../support/platform';
import { signLineBody, signMessengerBody } from '../support/signed-webhook';

// Issue 8: body size limits on every route that reads a body, flood control per chat user, and
// per-IP limits on the browser and admin routes but never on the platform webhooks.
const messengerSecret = 'test-messenger-app-secret';
const chatLimit = 3;
const chatWindowSeconds = 2;
const webChatLimit = 12;
const adminLimit = 5;

let platform: TestPlatform;
let line: FakeLineApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    MESSENGER_APP_SECRET: messengerSecret,
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: 'test-verify-token',
    MESSENGER_API_BASE_URL: 'http://127.0.0.1:9',
    BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: 'true',
    DEFAULT_LOCALE: 'en',
    CHAT_RATE_LIMIT_EVENTS: String(chatLimit),
    CHAT_RATE_LIMIT_WINDOW_SECONDS: String(chatWindowSeconds),
    WEB_CHAT_RATE_LIMIT: String(webChatLimit),
    ADMIN_API_RATE_LIMIT: String(adminLimit),
    RATE_LIMIT_WINDOW_SECONDS: '60',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
});
beforeEach(() => line.reset());

const events = lineEventFactory('01JABUSE');
let addressSequence = 0;
/** A client address of its own for each test: the app trusts X-Forwarded-For from loopback proxies. */
const freshAddress = () => `203.0.113.${(addressSequence += 1)}`;
const slowDown = {
  en: "You're sending messages faster than I can keep up 😅 Give me a few seconds, then try again.",
  'zh-TW': '訊息傳得有點快，我跟不上了 😅 請稍等幾秒再試一次。',
};

describe('body size limits', () => {
  const big = (bytes: number) => JSON.stringify({ padding: 'x'.repeat(bytes) });

  it.each([
    ['/webhooks/line', 1024 * 1024 + 10, { 'x-line-signature': 'irrelevant' }],
    ['/webhooks/messenger', 1024 * 1024 + 10, { 'x-hub-signature-256': 'sha256=00' }],
    ['/api/messages', 256 * 1024 + 10, {}],
    ['/chat/api/messages', 16 * 1024 + 10, {}],
    ['/admin/api/rewards', 2 * 1024 * 1024 + 10, { authorization: `Bearer ${testAdminTokens.admin}` }],
  ])('POST %s over its limit answers 413 with a JSON error', async (path, bytes, headers) => {
    const response = await request(platform.app)
      .post(path)
      .set({ 'content-type': 'application/json', 'x-forwarded-for': freshAddress(), ...headers })
      .send(big(bytes));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});

describe('flood control per chat user', () => {
  it('runs the first events, answers the first one over the limit once, and drops the rest', async () => {
    const flooder = events.userId();
    const bystander = events.userId();
    const flood = Array.from({ length: 8 }, () => events.text(flooder, 'help'));
    const response = await deliverToLine(platform, [...flood, events.text(bystander, 'help')]);
    expect(response.status).toBe(200);

    const repliesTo = (userId: string) =>
      line.replies().filter((reply) => flood.some((event) => event.replyToken === (reply.body as { replyToken: string }).replyToken) === (userId === flooder));
    const flooderTexts = repliesTo(flooder).flatMap((reply) => (reply.body as { messages: { text?: string }[] }).messages.map((message) => message.text));
    expect(flooderTexts).toHaveLength(chatLimit + 1);
    expect(flooderTexts.filter((text) => text === slowDown.en)).toHaveLength(1);
    expect(flooderTexts.at(-1)).toBe(slowDown.en);
    expect(line.pushes()).toEqual([]);
    // The bystander's one event was answered as usual.
    expect(repliesTo(bystander)).toHaveLength(1);
    expect(lineReplyTexts(line).filter((text) => text !== slowDown.en)).toHaveLength(chatLimit + 1);
    // Every event is recorded as handled, so a redelivery of a dropped one is not run later either.
    const handled = await platform.repositories.inboundEvents.model.countDocuments({
      _id: { $in: flood.map((event) => `line:${event.webhookEventId}`) },
      handledAt: { $ne: null },
    });
    expect(handled).toBe(flood.length);

    // After the window the member is served again.
    line.reset();
    await new Promise((resolveWait) => setTimeout(resolveWait, chatWindowSeconds * 1000 + 100));
    await deliverToLine(platform, [events.text(flooder, 'help')]);
    expect(lineReplyTexts(line)).toHaveLength(1);
    expect(lineReplyTexts(line)[0]).not.toBe(slowDown.en);
  });

  it('says slow down in the chat user’s language on the web chat', async () => {
    const agent = request.agent(platform.app);
    const address = freshAddress();
    await agent.post('/chat/api/session').set('x-forwarded-for', address).send({ locale: 'zh-TW' }).expect(200);
    const answers: unknown[][] = [];
    for (let i = 0; i < chatLimit + 2; i += 1) {
      const response = await agent.post('/chat/api/messages').set('x-forwarded-for', address).send({ id: randomUUID(), text: 'help' });
      expect(response.status).toBe(200);
      answers.push((response.body as { messages: unknown[] }).messages);
    }
    expect(answers.slice(0, chatLimit).every((messages) => messages.length > 0)).toBe(true);
    expect(answers[chatLimit]).toMatchObject([{ kind: 'text', text: slowDown['zh-TW'] }]);
    expect(answers[chatLimit + 1]).toEqual([]);
  });
});

describe('per-IP limits', () => {
  it('answers 429 with Retry-After on the web chat, per address', async () => {
    const address = freshAddress();
    for (let i = 0; i < webChatLimit; i += 1) {
      await request(platform.app).post('/chat/api/locale').set('x-forwarded-for', address).send({ locale: 'en' }).expect(200);
    }
    const limited = await request(platform.app).post('/chat/api/locale').set('x-forwarded-for', address).send({ locale: 'en' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(platform.app).get('/chat').set('x-forwarded-for', address)).status).toBe(429);
    expect((await request(platform.app).get('/chat').set('x-forwarded-for', freshAddress())).status).toBe(200);
  });

  it('answers 429 with Retry-After on the admin API, valid token or not', async () => {
    const address = freshAddress();
    const admin = () => request(platform.app).get('/admin/api/rewards').set('x-forwarded-for', address);
    for (let i = 0; i < adminLimit; i += 1) await admin().set('authorization', `Bearer ${testAdminTokens.admin}`).expect(200);
    const limited = await admin().set('authorization', `Bearer ${testAdminTokens.admin}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await admin().set('authorization', 'Bearer wrong-token-wrong-token')).status).toBe(429);
  });

  it('never limits the platform webhooks: all their traffic comes from the platforms’ servers', async () => {
    const address = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < Math.max(webChatLimit, adminLimit) + 5; i += 1) {
      const lineBody = JSON.stringify({ destination: 'Ubot', events: [] });
      const messengerBody = JSON.stringify({ object: 'page', entry: [] });
      statuses.push(
        (
          await request(platform.app)
            .post('/webhooks/line')
            .set({ 'content-type': 'application/json', 'x-forwarded-for': address, 'x-line-signature': signLineBody(lineBody, testLineSecret) })
            .send(lineBody)
        ).status,
        (
          await request(platform.app)
            .post('/webhooks/messenger')
            .set({ 'content-type': 'application/json', 'x-forwarded-for': address, 'x-hub-signature-256': signMessengerBody(messengerBody, messengerSecret) })
            .send(messengerBody)
        ).status,
      );
    }
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});
