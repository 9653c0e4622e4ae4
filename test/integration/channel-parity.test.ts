import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { OutboundMessage } from '../../src/channels/channel';
import type { MemberId } from '../../src/shared/ids';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/fake-bot-connector';
import { startFakeGraphApi, type FakeGraphApi } from '../fakes/fake-graph-api';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';
import { signLineBody, signMessengerBody } from '../support/signed-webhook';

// The same journey — signup, check-in, card, redeem — through every channel's real endpoint, with
// only the platform APIs faked: every flow behaves the same on all four channels.
const messengerSecret = 'test-messenger-app-secret';
let platform: TestPlatform;
let line: FakeLineApi;
let graph: FakeGraphApi;
let connector: FakeBotConnector;

beforeAll(async () => {
  [line, graph, connector] = await Promise.all([startFakeLineApi(), startFakeGraphApi(), startFakeBotConnector()]);
  platform = await startTestPlatform({
    DEFAULT_LOCALE: 'en',
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    MESSENGER_APP_SECRET: messengerSecret,
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: 'test-verify-token',
    MESSENGER_API_BASE_URL: graph.baseUrl,
    BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: 'true',
  });
});
afterAll(async () => {
  await platform.close();
  await Promise.all([line.close(), graph.close(), connector.close()]);
});

interface Channel {
  identityKey: string;
  says(text: string): Promise<string[]>;
  taps(payload: string): Promise<string[]>;
}

let counter = 0;
const next = () => (counter += 1);

function lineChannel(): Channel {
  const userId = `U${randomUUID().replaceAll('-', '')}`;
  const send = async (fields: Record<string, unknown>) => {
    const n = next();
    const body = JSON.stringify({
      destination: 'Ubot',
      events: [{ ...fields, mode: 'active', timestamp: Date.now() + n, source: { type: 'user', userId }, webhookEventId: `01PARITY${n}`, deliveryContext: { isRedelivery: false }, replyToken: `token-${n}` }],
    });
    line.reset();
    await request(platform.app).post('/webhooks/line').set('content-type', 'application/json').set('x-line-signature', signLineBody(body, testLineSecret)).send(body).expect(200);
    await platform.inbox.drain();
    return line
      .replies()
      .flatMap((reply) => (reply.body as { messages: { text?: string; altText?: string }[] }).messages)
      .map((message) => message.text ?? message.altText ?? '');
  };
  return {
    identityKey: `line:${userId}`,
    says: (text) => send({ type: 'message', message: { id: String(next()), type: 'text', text, quoteToken: 'q' } }),
    taps: (data) => send({ type: 'postback', postback: { data } }),
  };
}

function messengerChannel(): Channel {
  const psid = `${Date.now()}${next()}`;
  const send = async (fields: Record<string, unknown>) => {
    const body = JSON.stringify({ object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: Date.now() + next(), ...fields }] }] });
    graph.reset();
    await request(platform.app).post('/webhooks/messenger').set('content-type', 'application/json').set('x-hub-signature-256', signMessengerBody(body, messengerSecret)).send(body).expect(200);
    await platform.inbox.drain();
    return graph.messages().map((sent) => {
      const message = sent.body.message as { text?: string; attachment?: { payload: { elements: { title: string }[] } } };
      return message.text ?? message.attachment?.payload.elements[0]?.title ?? '';
    });
  };
  return {
    identityKey: `messenger:${psid}`,
    says: (text) => send({ message: { mid: `m_${next()}`, text } }),
    taps: (payload) => send({ postback: { mid: `m_${next()}`, title: payload, payload } }),
  };
}

function botFrameworkChannel(): Channel {
  const userId = `user-${randomUUID()}`;
  const send = async (fields: Record<string, unknown>) => {
    connector.reset();
    const activity = {
      id: `activity-${next()}`, channelId: 'webchat', serviceUrl: connector.serviceUrl, from: { id: userId }, recipient: { id: 'bot' },
      conversation: { id: `conversation-${userId}` }, locale: 'en-US', timestamp: new Date().toISOString(), type: 'message', ...fields,
    };
    await request(platform.app).post('/api/messages').set('content-type', 'application/json').send(JSON.stringify(activity)).expect(200);
    return connector.activities().map((sent) => sent.text ?? String(sent.attachments?.[0]?.content.title ?? ''));
  };
  return {
    identityKey: `botframework:webchat:${userId}`,
    says: (text) => send({ text }),
    taps: (payload) => send({ value: { payload } }),
  };
}

function webChannel(): Channel {
  const agent = request.agent(platform.app);
  let identityKey = '';
  const send = async (body: Record<string, string>) => {
    if (identityKey === '') {
      const session = await agent.post('/chat/api/session').send({ locale: 'en' }).expect(200);
      identityKey = `web:${/loyalty_web_id=([^;]+)/.exec(String(session.headers['set-cookie']))![1]}`;
    }
    const response = await agent.post('/chat/api/messages').send({ id: randomUUID(), ...body }).expect(200);
    return (response.body.messages as OutboundMessage[]).map((message) => (message.kind === 'text' ? message.text : message.title));
  };
  return {
    get identityKey() {
      return identityKey;
    },
    says: (text) => send({ text }),
    taps: (payload) => send({ payload }),
  };
}

describe.each([
  ['LINE', lineChannel],
  ['Messenger', messengerChannel],
  ['the Bot Framework', botFrameworkChannel],
  ['the web chat', webChannel],
])('on %s', (_, open) => {
  it('a member signs up, checks in, sees the card and redeems a reward', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const chat = open();
    expect((await chat.taps('intent=signup'))[0]).toContain('Membership Terms and Privacy Notice');
    expect(await chat.taps('answer=agree')).toEqual(['What should we call you? (your name or a nickname)']);
    expect((await chat.says('Amy'))[0]).toContain('Thanks, Amy!');
    expect((await chat.says('0912345678'))[0]).toContain('when is your birthday?');
    const welcome = await chat.taps('answer=skip');
    expect(welcome[0]).toContain('Welcome aboard, Amy! Your 50-point welcome gift is in.');
    expect(welcome.join('\n')).toContain("Amy's membership card");

    expect((await chat.says('check in'))[0]).toBe('✅ Checked in! +10 points — you now have 60. Day 1 of your streak; 6 more for a 50-point bonus!');
    expect((await chat.taps('intent=card')).join('\n')).toContain("Amy's membership card");

    const identity = await platform.repositories.identities.find(chat.identityKey);
    const memberId = identity!.memberId! as MemberId;
    await platform.repositories.ledger.earn({ key: `parity-${memberId}`, memberId, points: 40, reason: 'adjustment', now: platform.clock.now(), expiresAt: null });
    expect((await chat.taps('intent=redeem&reward=coffee')).join('\n')).toContain('Redeem "Americano (medium)"?');
    expect((await chat.taps('answer=confirm')).join('\n')).toContain('🎉 Redeemed!');
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(0);
  });
});
