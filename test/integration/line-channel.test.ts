import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import { LineClient } from '../../src/channels/line/line-client';
import { toInboundEvents } from '../../src/channels/line/line-events';
import { createLineWebhookRouter } from '../../src/channels/line/line-webhook';
import { loadConfig } from '../../src/config';
import type { AcceptResult, Deliver, Inbox } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';
import { stableUuid } from '../../src/shared/ids';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { captureLogs } from '../support/log-capture';
import { signLineBody } from '../support/signed-webhook';

const channelSecret = 'test-line-channel-secret';
const accessToken = 'test-line-access-token';
const userId = 'U1234567890abcdef1234567890abcdef';

/** Answers every event with one text, so what reaches LINE shows what the channel chose to send. */
class EchoInbox implements Inbox {
  readonly received: InboundEvent[] = [];
  private readonly inFlight: Promise<void>[] = [];

  async accept(events: InboundEvent[], deliver: Deliver): Promise<AcceptResult> {
    this.received.push(...events);
    this.inFlight.push(
      (async () => {
        for (const event of events) await deliver(event, this.answer(event));
      })(),
    );
    return { accepted: events.length, duplicates: 0 };
  }

  async handleNow(event: InboundEvent): Promise<OutboundMessage[]> {
    return this.answer(event);
  }

  async recoverUnhandled(): Promise<number> {
    return 0;
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private answer(event: InboundEvent): OutboundMessage[] {
    return [{ kind: 'text', text: event.kind === 'text' ? `echo: ${event.text}` : `got ${event.kind}` }];
  }
}

/** Takes `turnMs` to answer each event, like a turn waiting on a slow database. */
class SlowInbox extends EchoInbox {
  constructor(private readonly turnMs: number) {
    super();
  }

  override async accept(events: InboundEvent[], deliver: Deliver): Promise<AcceptResult> {
    const slowDeliver: Deliver = async (event, messages) => {
      await new Promise((resolve) => setTimeout(resolve, this.turnMs));
      await deliver(event, messages);
    };
    return super.accept(events, slowDeliver);
  }
}

/** Every event is a redelivery the inbox has seen: no turn runs. */
class DuplicatesInbox extends EchoInbox {
  override async accept(events: InboundEvent[]): Promise<AcceptResult> {
    return { accepted: 0, duplicates: events.length };
  }
}

class UnavailableInbox extends EchoInbox {
  override async accept(): Promise<AcceptResult> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:27017');
  }
}

let fake: FakeLineApi;

beforeAll(async () => {
  fake = await startFakeLineApi();
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  fake.reset();
});

function setUp(inbox: Inbox = new EchoInbox(), { lineApiBaseUrl = fake.baseUrl, loadingAnimationAfterMs }: { lineApiBaseUrl?: string; loadingAnimationAfterMs?: number } = {}) {
  const config = loadConfig({
    LINE_CHANNEL_SECRET: channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: accessToken,
    LINE_API_BASE_URL: lineApiBaseUrl,
  });
  const logs = captureLogs();
  const logger = pino({ level: 'debug', base: undefined }, logs.stream);
  const lineClient = new LineClient({ config, logger });
  const app = express();
  app.use(
    '/webhooks/line',
    createLineWebhookRouter({
      config,
      inbox,
      logger,
      lineClient,
      clock: fixedClock('2026-11-20T09:30:00+08:00'),
      ...(loadingAnimationAfterMs === undefined ? {} : { loadingAnimationAfterMs }),
    }),
  );
  // Other routes parse JSON; the LINE router is mounted before, as in the real app.
  app.use(express.json());
  return { app, lineClient, logLines: logs.entries };
}

let eventCounter = 0;

function textEvent(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  eventCounter += 1;
  return {
    type: 'message',
    mode: 'active',
    timestamp: 1_763_601_000_000 + eventCounter,
    source: { type: 'user', userId },
    webhookEventId: `01JDZ5V8N4Q9X7K3M2P1R0${String(eventCounter).padStart(4, '0')}`,
    deliveryContext: { isRedelivery: false },
    replyToken: `reply-token-${eventCounter}`,
    message: { id: String(eventCounter), type: 'text', quoteToken: 'q', text },
    ...overrides,
  };
}

// superagent JSON-serialises a Buffer sent as application/json, so the body goes as a string (sent as UTF-8).
function postSigned(app: express.Express, body: string | Buffer, signature = signLineBody(body, channelSecret)) {
  return request(app)
    .post('/webhooks/line')
    .set('Content-Type', 'application/json; charset=utf-8')
    .set('X-Line-Signature', signature)
    .send(Buffer.isBuffer(body) ? body.toString('utf8') : body);
}

function webhookBody(...events: unknown[]): string {
  return JSON.stringify({ destination: 'U0000000000000000000000000000bot1', events });
}

describe('POST /webhooks/line', () => {
  it('answers 200 and replies through LINE with the reply token', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const event = textEvent('check in');

    const response = await postSigned(app, webhookBody(event));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    const reply = await fake.waitFor((recorded) => recorded.path === '/v2/bot/message/reply');
    expect(reply.status).toBe(200);
    expect(reply.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(reply.body).toEqual({ replyToken: event.replyToken, messages: [{ type: 'text', text: 'echo: check in' }] });
    expect(fake.unexpected()).toEqual([]);
  });

  it('verifies emoji and Chinese text over the exact bytes sent', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const body = Buffer.from(webhookBody(textEvent('簽到 🎉 集點')), 'utf8');

    const response = await postSigned(app, body);

    expect(response.status).toBe(200);
    const reply = await fake.waitFor((recorded) => recorded.path === '/v2/bot/message/reply');
    expect(reply.body).toMatchObject({ messages: [{ type: 'text', text: 'echo: 簽到 🎉 集點' }] });
  });

  it('rejects a body re-encoded after signing (\\u escapes instead of UTF-8)', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const signedBody = webhookBody(textEvent('簽到'));
    const reEncoded = signedBody.replace('簽到', '\\u7c3d\\u5230');

    const response = await postSigned(app, reEncoded, signLineBody(signedBody, channelSecret));

    expect(response.status).toBe(401);
    expect(inbox.received).toEqual([]);
  });

  it('answers 401 to a tampered body', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const body = webhookBody(textEvent('check in'));

    const response = await postSigned(app, body.replace('check in', 'redeem'), signLineBody(body, channelSecret));

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'invalid_signature', message: expect.any(String) } });
    expect(inbox.received).toEqual([]);
  });

  it('answers 401 to a signature made with another secret', async () => {
    const { app } = setUp();
    const body = webhookBody(textEvent('check in'));

    const response = await postSigned(app, body, signLineBody(body, 'someone-elses-secret'));

    expect(response.status).toBe(401);
  });

  it('answers 401 without an X-Line-Signature header', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);

    const response = await request(app)
      .post('/webhooks/line')
      .set('Content-Type', 'application/json')
      .send(webhookBody(textEvent('check in')));

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'invalid_signature', message: expect.stringContaining('X-Line-Signature') } });
    expect(inbox.received).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"events": ['],
    ['JSON without an events array', '{"destination":"U0"}'],
    ['a JSON array', '[]'],
    ['an empty body', ''],
  ])('answers 400 to %s with a valid signature', async (_name, body) => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);

    const response = await postSigned(app, body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
    expect(inbox.received).toEqual([]);
  });

  it('answers 413 to a body over 1 MB', async () => {
    const { app } = setUp();
    const body = webhookBody(textEvent('x'.repeat(1_100_000)));

    const response = await postSigned(app, body);

    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  it('answers 200 to the console verification (no events) and sends nothing', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);

    const response = await postSigned(app, webhookBody());

    expect(response.status).toBe(200);
    await inbox.drain();
    expect(fake.requests).toEqual([]);
  });

  it('answers 200 to an unknown event type and sends nothing', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const event = { ...textEvent('ignored'), type: 'messageEdited', message: undefined };

    const response = await postSigned(app, webhookBody(event));

    expect(response.status).toBe(200);
    await inbox.drain();
    expect(inbox.received).toEqual([expect.objectContaining({ kind: 'unsupported' })]);
    expect(fake.requests).toEqual([]);
  });

  it('sends nothing for an event in standby mode', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const { replyToken: _none, ...standby } = textEvent('check in', { mode: 'standby' });

    const response = await postSigned(app, webhookBody(standby));

    expect(response.status).toBe(200);
    await inbox.drain();
    expect(fake.requests).toEqual([]);
  });

  it('sends nothing for an unfollow', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const { replyToken: _none, message: _noMessage, ...unfollow } = textEvent('', { type: 'unfollow' });

    await postSigned(app, webhookBody(unfollow)).expect(200);
    await inbox.drain();

    expect(inbox.received).toEqual([expect.objectContaining({ kind: 'unfollowed', channelUserId: userId })]);
    expect(fake.requests).toEqual([]);
  });

  it('hands the events to the inbox in timestamp order', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const later = textEvent('second', { timestamp: 2000 });
    const earlier = textEvent('first', { timestamp: 1000 });

    await postSigned(app, webhookBody(later, earlier)).expect(200);
    await inbox.drain();

    expect(inbox.received.map((event) => (event.kind === 'text' ? event.text : event.kind))).toEqual(['first', 'second']);
    expect(fake.replies().map((reply) => reply.body)).toEqual([
      { replyToken: earlier.replyToken, messages: [{ type: 'text', text: 'echo: first' }] },
      { replyToken: later.replyToken, messages: [{ type: 'text', text: 'echo: second' }] },
    ]);
  });

  it('pushes with a retry key when the reply token has expired', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const event = textEvent('check in', { replyToken: 'expired-token' });

    await postSigned(app, webhookBody(event)).expect(200);
    const push = await fake.waitFor((recorded) => recorded.path === '/v2/bot/message/push');

    expect(fake.replies().map((reply) => reply.status)).toEqual([400]);
    expect(push.status).toBe(200);
    expect(push.headers['x-line-retry-key']).toBe(stableUuid(String(event.webhookEventId)));
    expect(push.body).toEqual({ to: userId, messages: [{ type: 'text', text: 'echo: check in' }] });
  });

  it('pushes when a redelivered event finds its reply token already used', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);
    const event = textEvent('check in');
    const redelivered = { ...event, deliveryContext: { isRedelivery: true } };

    await postSigned(app, webhookBody(event)).expect(200);
    await postSigned(app, webhookBody(redelivered)).expect(200);
    await inbox.drain();

    expect(fake.replies().map((reply) => reply.status)).toEqual([200, 400]);
    expect(fake.pushes().map((push) => push.status)).toEqual([200]);
  });

  it('answers 503 when the inbox cannot record the events, so LINE may redeliver', async () => {
    const { app, logLines } = setUp(new UnavailableInbox());

    const response = await postSigned(app, webhookBody(textEvent('check in')));

    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: { code: 'inbox_unavailable', message: expect.any(String) } });
    expect(logLines).toContainEqual(expect.objectContaining({ level: 50, msg: 'LINE webhook events could not be accepted' }));
    expect(fake.requests).toEqual([]);
  });
});

describe('LINE loading animation', () => {
  const loadingRequests = () => fake.requests.filter((recorded) => recorded.path === '/v2/bot/chat/loading/start');
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('shows the loading animation once, before the reply, when a turn takes over 800 ms', async () => {
    const inbox = new SlowInbox(1200);
    const { app, logLines } = setUp(inbox);

    await postSigned(app, webhookBody(textEvent('check in'))).expect(200);
    await inbox.drain();

    expect(fake.requests.map((recorded) => `${recorded.path} → ${recorded.status}`)).toEqual([
      '/v2/bot/chat/loading/start → 202',
      '/v2/bot/message/reply → 200',
    ]);
    expect(loadingRequests()[0]?.body).toEqual({ chatId: userId, loadingSeconds: 5 });
    expect(logLines.filter((line) => Number(line.level) >= 40)).toEqual([]);
  });

  it('shows it for a slow rich-menu postback too', async () => {
    const inbox = new SlowInbox(300);
    const { app } = setUp(inbox, { loadingAnimationAfterMs: 50 });
    const { message: _text, ...event } = textEvent('', { type: 'postback', postback: { data: 'intent=card' } });

    await postSigned(app, webhookBody(event)).expect(200);
    await inbox.drain();

    expect(loadingRequests()).toHaveLength(1);
    expect(fake.replies().map((reply) => reply.body)).toEqual([{ replyToken: event.replyToken, messages: [{ type: 'text', text: 'got choice' }] }]);
  });

  it('does not show it when the turn answers in time', async () => {
    const inbox = new EchoInbox();
    const { app } = setUp(inbox);

    await postSigned(app, webhookBody(textEvent('check in'))).expect(200);
    await inbox.drain();
    await fake.waitFor((recorded) => recorded.path === '/v2/bot/message/reply');
    await sleep(900);

    expect(loadingRequests()).toEqual([]);
  });

  it.each([
    ['standby mode', () => textEvent('check in', { mode: 'standby' })],
    ['a group chat', () => textEvent('check in', { source: { type: 'group', groupId: 'C1', userId } })],
    ['a follow', () => textEvent('', { type: 'follow', message: undefined })],
  ])('does not show it in %s', async (_name, makeEvent) => {
    const inbox = new SlowInbox(200);
    const { app } = setUp(inbox, { loadingAnimationAfterMs: 20 });

    await postSigned(app, webhookBody(makeEvent())).expect(200);
    await inbox.drain();

    expect(loadingRequests()).toEqual([]);
  });

  it('does not show it for redelivered events that run no turn', async () => {
    const { app } = setUp(new DuplicatesInbox(), { loadingAnimationAfterMs: 20 });

    await postSigned(app, webhookBody(textEvent('check in'))).expect(200);
    await sleep(100);

    expect(fake.requests).toEqual([]);
  });

  it('logs a failed loading request and still delivers the turn', async () => {
    const inbox = new SlowInbox(150);
    const { app, logLines } = setUp(inbox, { lineApiBaseUrl: 'http://127.0.0.1:1', loadingAnimationAfterMs: 20 });

    await postSigned(app, webhookBody(textEvent('check in'))).expect(200);
    await inbox.drain();

    expect(logLines).toContainEqual(expect.objectContaining({ level: 40, msg: 'LINE loading animation could not be shown' }));
    expect(logLines).toContainEqual(expect.objectContaining({ level: 50, msg: 'LINE reply failed' }));
  });
});

describe('LineClient.deliver', () => {
  const receivedAt = fixedClock('2026-11-20T09:30:00+08:00').now();

  function inboundFor(event: Record<string, unknown>) {
    const [item] = toInboundEvents({ events: [event] }, receivedAt);
    if (item === undefined) throw new Error('the test event did not map');
    return item;
  }

  it('counts a push retried under the same key (409) as sent', async () => {
    const { lineClient, logLines } = setUp();
    const item = inboundFor(textEvent('check in', { replyToken: 'expired-again' }));

    const first = await lineClient.deliver(item, [{ kind: 'text', text: 'Checked in' }]);
    const second = await lineClient.deliver(item, [{ kind: 'text', text: 'Checked in' }]);

    expect(first).toEqual({ kind: 'pushed', alreadyAccepted: false });
    expect(second).toEqual({ kind: 'pushed', alreadyAccepted: true });
    const [firstPush, secondPush] = fake.pushes();
    expect(secondPush?.status).toBe(409);
    expect(secondPush?.headers['x-line-retry-key']).toBe(firstPush?.headers['x-line-retry-key']);
    expect(logLines.filter((line) => line.level === 50)).toEqual([]);
  });

  it('pushes when the event has no reply token', async () => {
    const { lineClient } = setUp();
    const { replyToken: _none, ...event } = textEvent('check in');

    const outcome = await lineClient.deliver(inboundFor(event), [{ kind: 'text', text: 'Reminder' }]);

    expect(outcome).toEqual({ kind: 'pushed', alreadyAccepted: false });
    expect(fake.replies()).toEqual([]);
  });

  it('logs a failed reply with its status and LINE request id, and does not push after a 500', async () => {
    const { lineClient, logLines } = setUp();
    const item = inboundFor(textEvent('check in', { replyToken: 'server-error-1' }));

    const outcome = await lineClient.deliver(item, [{ kind: 'text', text: 'Checked in' }]);

    expect(outcome).toEqual({ kind: 'failed', status: 500 });
    expect(fake.pushes()).toEqual([]);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'LINE reply failed',
        status: 500,
        lineRequestId: expect.any(String),
        eventId: item.event.eventId,
      }),
    );
  });

  it('does not throw when LINE cannot be reached', async () => {
    const logs = captureLogs();
    const logger = pino({ base: undefined }, logs.stream);
    const unreachable = new LineClient({
      config: { LINE_CHANNEL_ACCESS_TOKEN: accessToken, LINE_API_BASE_URL: 'http://127.0.0.1:1' },
      logger,
    });

    const outcome = await unreachable.deliver(inboundFor(textEvent('check in')), [{ kind: 'text', text: 'Hi' }]);

    expect(outcome).toEqual({ kind: 'failed' });
    expect(logs.lines).toHaveLength(1);
  });

  it.each([
    ['nothing to send', textEvent('check in'), [], 'nothingToSend'],
    ['a standby event', textEvent('check in', { mode: 'standby' }), [{ kind: 'text', text: 'Hi' }], 'standby'],
    ['a group event', textEvent('check in', { source: { type: 'group', groupId: 'C1', userId } }), [{ kind: 'text', text: 'Hi' }], 'notAConversation'],
  ] as const)('skips %s', async (_name, event, messages, reason) => {
    const { lineClient } = setUp();

    const outcome = await lineClient.deliver(inboundFor(event), [...messages]);

    expect(outcome).toEqual({ kind: 'skipped', reason });
    expect(fake.requests).toEqual([]);
  });
});
