import request from 'supertest';
import { startFakeGraphApi, type FakeGraphApi } from '../fakes/fake-graph-api';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { signMessengerBody } from '../support/signed-webhook';

const appSecret = 'test-messenger-app-secret';
const verifyToken = 'test-messenger-verify-token';
const pageId = '1122334455667788';

let platform: TestPlatform;
let graph: FakeGraphApi;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  platform = await startTestPlatform({
    MESSENGER_APP_SECRET: appSecret,
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: verifyToken,
    MESSENGER_API_BASE_URL: graph.baseUrl,
    MESSENGER_API_VERSION: 'v25.0',
    MESSENGER_PAGE_USERNAME: 'brandpage',
    DEFAULT_LOCALE: 'en',
    SIGNUP_BONUS_POINTS: '0',
    POINTS_EXPIRY_POLICY: 'months-after-earning',
    POINTS_EXPIRY_MONTHS: '1',
  });
});
afterAll(async () => {
  await platform.close();
  await graph.close();
});
beforeEach(() => {
  graph.reset();
  platform.clock.set('2026-11-23T10:00:00+08:00');
});

let sequence = 0;
function newPsid(): string {
  sequence += 1;
  return `${Date.now()}${sequence.toString().padStart(4, '0')}`;
}
function nextMid(): string {
  sequence += 1;
  return `m_${Date.now().toString(36)}_${sequence}`;
}

function text(psid: string, body: string, mid = nextMid()) {
  return messaging(psid, { message: { mid, text: body } });
}
function postback(psid: string, payload: string, mid = nextMid()) {
  return messaging(psid, { postback: { mid, title: payload, payload } });
}
function quickReply(psid: string, payload: string) {
  return messaging(psid, { message: { mid: nextMid(), text: payload, quick_reply: { payload } } });
}
function messaging(psid: string, fields: Record<string, unknown>) {
  sequence += 1;
  return { sender: { id: psid }, recipient: { id: pageId }, timestamp: Date.now() + sequence, ...fields };
}

async function post(body: string, signature = signMessengerBody(body, appSecret)) {
  const response = await request(platform.app)
    .post('/webhooks/messenger')
    .set('content-type', 'application/json')
    .set('x-hub-signature-256', signature)
    .send(body);
  await platform.inbox.drain();
  return response;
}
function deliver(events: unknown[]) {
  return post(JSON.stringify({ object: 'page', entry: [{ id: pageId, time: Date.now(), messaging: events }] }));
}

type SentMessage = {
  text?: string;
  quick_replies?: { title: string; payload: string }[];
  attachment?: { payload: { elements: { title: string; subtitle?: string; buttons?: { payload: string }[] }[] } };
};
function sent(): SentMessage[] {
  return graph.messages().map((request) => request.body.message as SentMessage);
}
function sentTexts(): string[] {
  return sent().map((message) => message.text ?? message.attachment?.payload.elements[0]?.title ?? '?');
}

async function joinOnMessenger(psid: string) {
  await deliver([postback(psid, 'intent=signup')]);
  await deliver([quickReply(psid, 'answer=agree')]);
  await deliver([text(psid, 'Amy')]);
  await deliver([text(psid, '0912345678')]);
  await deliver([quickReply(psid, 'answer=skip')]);
}

async function memberOf(psid: string) {
  const identity = await platform.repositories.identities.find(`messenger:${psid}`);
  return platform.repositories.members.findById(identity!.memberId!);
}

describe('GET /webhooks/messenger', () => {
  it('answers the challenge for our verify token', async () => {
    const response = await request(platform.app)
      .get('/webhooks/messenger')
      .query({ 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('1158201444');
  });

  it.each([
    ['a wrong verify token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' }],
    ['a mode other than subscribe', { 'hub.mode': 'unsubscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1' }],
    ['no parameters', {}],
  ])('refuses %s with 403', async (_name, query) => {
    const response = await request(platform.app).get('/webhooks/messenger').query(query);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('verification_failed');
  });
});

describe('POST /webhooks/messenger', () => {
  it('answers 200 and replies through the Send API with RESPONSE and quick replies', async () => {
    const psid = newPsid();
    const response = await deliver([text(psid, 'help')]);
    expect(response.status).toBe(200);
    const [reply] = graph.messages();
    expect(reply!.path).toBe('/v25.0/me/messages');
    expect(reply!.hadAccessToken).toBe(true);
    expect(reply!.body).toMatchObject({ recipient: { id: psid }, messaging_type: 'RESPONSE' });
    const message = reply!.body.message as SentMessage;
    expect(message.text).toContain('membership assistant');
    expect(message.quick_replies!.map((item) => item.payload)).toEqual([
      'intent=checkin',
      'intent=card',
      'intent=rewards',
      'intent=history',
      'intent=missions',
      'intent=leaderboard',
      'intent=signup',
      'intent=privacy',
      'intent=language',
    ]);
    expect(graph.unexpected()).toEqual([]);
  });

  it('signs up, checks in and shows the card as a generic template', async () => {
    const psid = newPsid();
    await joinOnMessenger(psid);
    expect(sentTexts().some((message) => message.includes('Welcome aboard, Amy!'))).toBe(true);
    graph.reset();

    await deliver([text(psid, 'check in')]);
    expect(sentTexts()).toEqual([expect.stringContaining('+10 points')]);
    graph.reset();

    await deliver([postback(psid, 'intent=card')]);
    const [cardMessage] = sent();
    const element = cardMessage!.attachment!.payload.elements[0]!;
    expect(element.title).toBe("Amy's membership card");
    expect(element.subtitle).toContain('Points: 10');
    expect(element.buttons!.map((button) => button.payload)).toEqual(['intent=checkin', 'intent=tier', 'intent=help']);
    expect((await memberOf(psid))!.points).toBe(10);
    expect(graph.unexpected()).toEqual([]);
  });

  it('changes nothing twice when Meta redelivers the same mid', async () => {
    const psid = newPsid();
    await joinOnMessenger(psid);
    const checkIn = postback(psid, 'intent=checkin');
    await deliver([checkIn]);
    graph.reset();

    expect((await deliver([checkIn])).status).toBe(200);
    expect(graph.requests).toEqual([]);
    expect((await memberOf(psid))!.points).toBe(10);
  });

  it('opens the chat from a store QR link (m.me ref) with the collect text', async () => {
    const psid = newPsid();
    await deliver([messaging(psid, { referral: { ref: 'collect-K7QMX2P9R', source: 'SHORTLINK', type: 'OPEN_THREAD' } })]);
    // not a member yet: the collect flow asks them to join first
    expect(sentTexts()[0]).toContain('This is for members');
  });

  it('shares an m.me invite link whose ref, on a newcomer’s Get Started, counts the friend for the referrer', async () => {
    const referrerPsid = newPsid();
    await joinOnMessenger(referrerPsid);
    graph.reset();
    await deliver([text(referrerPsid, 'invite a friend')]);
    const link = /https:\/\/m\.me\/brandpage\?ref=invite-([A-Z0-9]{6})/.exec(sentTexts()[0] ?? '');
    expect(link).not.toBeNull();

    const friendPsid = newPsid();
    graph.reset();
    await deliver([
      messaging(friendPsid, {
        postback: { mid: nextMid(), title: 'Get Started', payload: 'intent=signup', referral: { ref: `invite-${link![1]}`, source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      }),
    ]);
    expect(sentTexts()).toEqual(['👋 Welcome! Your friend A*y invited you. Joining takes 30 seconds, and your friend gets the credit when you do.']);
    await deliver([postback(friendPsid, 'intent=signup')]);
    await deliver([quickReply(friendPsid, 'answer=agree')]);
    await deliver([text(friendPsid, 'Ben')]);
    await deliver([text(friendPsid, '0987654321')]);
    await deliver([quickReply(friendPsid, 'answer=skip')]);

    const friend = await memberOf(friendPsid);
    const referrer = await memberOf(referrerPsid);
    expect(await platform.repositories.referrals.referrerOf(friend!.id)).toBe(referrer!.id);
    graph.reset();
    await deliver([text(referrerPsid, 'help')]);
    expect(sentTexts()).toContain('🎉 Your friend B*n joined through your invite. Thank you for spreading the word!');
  });

  it('verifies the signature over the exact bytes, escaped non-ASCII included', async () => {
    const psid = newPsid();
    // Meta escapes non-ASCII as \uXXXX; the signature covers those bytes, not a re-serialised body.
    const body = JSON.stringify({ object: 'page', entry: [{ id: pageId, time: 1, messaging: [text(psid, 'help')] }] }).replace(
      '"help"',
      '"\\u8aaa\\u660e"',
    );
    expect((await post(body)).status).toBe(200);
    expect(graph.messages()).toHaveLength(1);
  });

  it('rejects a forged and a missing signature with 401', async () => {
    const body = JSON.stringify({ object: 'page', entry: [{ id: pageId, time: 1, messaging: [text(newPsid(), 'hi')] }] });
    const forged = await post(body, signMessengerBody(body, 'not-the-app-secret'));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_signature');
    const malformed = await post(body, 'sha256=abc');
    expect(malformed.status).toBe(401);
    const missing = await request(platform.app).post('/webhooks/messenger').set('content-type', 'application/json').send(body);
    expect(missing.status).toBe(401);
    expect(graph.requests).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"object": "page", "entry": ['],
    ['a non-page body', JSON.stringify({ object: 'instagram', entry: [] })],
    ['a page body without entries', JSON.stringify({ object: 'page' })],
  ])('answers 400 to %s with a valid signature', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_body');
  });

  it('acknowledges echoes, deliveries and reads and sends nothing', async () => {
    const psid = newPsid();
    const response = await deliver([
      { sender: { id: pageId }, recipient: { id: psid }, timestamp: Date.now(), message: { mid: nextMid(), is_echo: true, text: 'hi' } },
      messaging(psid, { delivery: { mids: ['m_x'], watermark: Date.now() } }),
      messaging(psid, { read: { watermark: Date.now() } }),
    ]);
    expect(response.status).toBe(200);
    expect(graph.requests).toEqual([]);
  });

  it('logs a Send API error and stays up', async () => {
    const psid = newPsid();
    graph.failSendsTo(psid, 613);
    expect((await deliver([text(psid, 'help')])).status).toBe(200);
    expect(graph.messages()[0]!.status).toBe(400);
    expect((await request(platform.app).get('/healthz')).status).toBe(200);

    const other = newPsid();
    await deliver([text(other, 'help')]);
    expect(graph.messages().at(-1)!.status).toBe(200);
  });
});

describe('Messenger reminders and the 24-hour window', () => {
  it('pushes with UPDATE inside 24 hours of the last message, and holds the notice outside it', async () => {
    const recent = newPsid();
    const quiet = newPsid();
    await joinOnMessenger(recent);
    await joinOnMessenger(quiet);
    await deliver([text(recent, 'check in')]);
    await deliver([text(quiet, 'check in')]);

    platform.clock.set('2026-12-11T20:00:00+08:00');
    await deliver([text(recent, 'help')]);
    graph.reset();

    platform.clock.set('2026-12-12T03:30:00+08:00');
    await platform.jobs.expirePoints();

    const pushes = graph.messages();
    expect(pushes.map((push) => push.body.recipient)).toEqual([{ id: recent }]);
    expect(pushes[0]!.body.messaging_type).toBe('UPDATE');
    expect((pushes[0]!.body.message as SentMessage).text).toContain('expire on 2026-12-23');

    // the quiet member hears it with their next reply, which is always allowed
    platform.clock.set('2026-12-13T10:00:00+08:00');
    graph.reset();
    await deliver([text(quiet, 'card')]);
    expect(sentTexts().some((message) => message.includes('expire on 2026-12-23'))).toBe(true);
  });
});
