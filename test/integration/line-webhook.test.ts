import request from 'supertest';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';
import { deliverToLine, lineEventFactory, lineReplyTexts } from '../support/line-events';
import { signLineBody } from '../support/signed-webhook';

let platform: TestPlatform;
let line: FakeLineApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    DEFAULT_LOCALE: 'en',
    SIGNUP_BONUS_POINTS: '0',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
});
beforeEach(() => line.reset());

const events = lineEventFactory('01JEVENT');
const lineUserId = events.userId;
const postback = events.postback;
const text = events.text;
const event = events.event;
const deliver = (batch: unknown[]) => deliverToLine(platform, batch);
const replyTexts = () => lineReplyTexts(line);

async function joinOnLine(userId: string) {
  await deliver([postback(userId, 'intent=signup')]);
  await deliver([postback(userId, 'answer=agree')]);
  await deliver([text(userId, 'Amy')]);
  await deliver([text(userId, '0912345678')]);
  await deliver([postback(userId, 'answer=skip')]);
}

async function memberOf(userId: string) {
  const identity = await platform.repositories.identities.find(`line:${userId}`);
  return platform.repositories.members.findById(identity!.memberId!);
}

describe('POST /webhooks/line', () => {
  it('offers signup on follow and replies with the reply token', async () => {
    const userId = lineUserId();
    const follow = event(userId, { type: 'follow', follow: { isUnblocked: false } }, {});
    const response = await deliver([follow]);
    expect(response.status).toBe(200);
    const [reply] = line.replies();
    expect(reply!.body).toMatchObject({ replyToken: follow.replyToken });
    expect(replyTexts()[0]).toContain('Membership Terms and Privacy Notice');
    const quickReply = (reply!.body as { messages: { quickReply?: { items: { action: { data: string } }[] } }[] }).messages[0]!
      .quickReply!.items.map((item) => item.action.data);
    expect(quickReply).toEqual(['answer=agree', 'answer=decline']);
  });

  it('signs up, checks in and shows the card as a Flex message', async () => {
    const userId = lineUserId();
    await joinOnLine(userId);
    expect(replyTexts().some((message) => message.includes('Welcome aboard, Amy!'))).toBe(true);
    line.reset();
    await deliver([text(userId, 'check in')]);
    expect(replyTexts()).toEqual([expect.stringContaining('+10 points')]);
    line.reset();
    await deliver([postback(userId, 'intent=card')]);
    const message = (line.replies()[0]!.body as { messages: { type: string; contents?: unknown }[] }).messages[0]!;
    expect(message.type).toBe('flex');
    expect(JSON.stringify(message.contents)).toContain("Amy's membership card");
    expect((await memberOf(userId))!.points).toBe(10);
  });

  it('keeps the transcript of a LINE chat, written by the time its events are handled', async () => {
    const userId = lineUserId();
    await joinOnLine(userId);
    const member = (await memberOf(userId))!;
    const linesOf = async () => (await platform.repositories.transcripts.ofMember(member.id)).map((line) => `${line.direction}: ${line.text}`);
    const before = await linesOf();
    await deliver([text(userId, 'check in'), postback(userId, 'intent=card')]);
    const added = (await linesOf()).filter((line) => !before.includes(line));
    expect(added).toEqual(
      expect.arrayContaining(['inbound: check in', 'inbound: intent=card', expect.stringMatching(/^outbound: ✅ Checked in! \+10 points/), expect.stringMatching(/^outbound: Amy's membership card[\s\S]*Points: 10/)]),
    );
    expect(added).toHaveLength(4);
  });

  it('changes nothing twice when LINE redelivers an event', async () => {
    const userId = lineUserId();
    await joinOnLine(userId);
    const checkIn = postback(userId, 'intent=checkin');
    await deliver([checkIn]);
    const redelivered = { ...checkIn, deliveryContext: { isRedelivery: true } };
    line.reset();
    expect((await deliver([redelivered])).status).toBe(200);
    expect(line.requests).toEqual([]);
    expect((await memberOf(userId))!.points).toBe(10);
  });

  it('awards once when the same event arrives five times concurrently', async () => {
    const userId = lineUserId();
    await joinOnLine(userId);
    const checkIn = postback(userId, 'intent=checkin');
    const responses = await Promise.all(Array.from({ length: 5 }, () => deliver([checkIn])));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await memberOf(userId))!.points).toBe(10);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: (await memberOf(userId))!.id })).toBe(1);
  });

  it('runs one user’s events in timestamp order within a request', async () => {
    const userId = lineUserId();
    const later = postback(userId, 'answer=agree');
    const earlier = postback(userId, 'intent=signup', { timestamp: (later.timestamp as number) - 1000 });
    await deliver([later, earlier]);
    expect(replyTexts()).toEqual([
      expect.stringContaining('Membership Terms'),
      'What should we call you? (your name or a nickname)',
    ]);
  });

  it('verifies the signature over the exact bytes, emoji and Chinese included', async () => {
    const userId = lineUserId();
    await deliver([text(userId, '說明 🎉')]);
    expect(replyTexts()[0]).toContain("Sorry, I didn't catch that");
  });

  it('rejects a tampered body and a missing signature with 401', async () => {
    const body = JSON.stringify({ destination: 'Ubot', events: [text(lineUserId(), 'hi')] });
    const signature = signLineBody(body, testLineSecret);
    const tampered = await request(platform.app)
      .post('/webhooks/line')
      .set('content-type', 'application/json')
      .set('x-line-signature', signature)
      .send(body.replace('hi', 'ho'));
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe('invalid_signature');
    const unsigned = await request(platform.app).post('/webhooks/line').set('content-type', 'application/json').send(body);
    expect(unsigned.status).toBe(401);
  });

  it('answers 400 to malformed JSON with a valid signature and stays up', async () => {
    const body = '{"events": [';
    const response = await request(platform.app)
      .post('/webhooks/line')
      .set('content-type', 'application/json')
      .set('x-line-signature', signLineBody(body, testLineSecret))
      .send(body);
    expect(response.status).toBe(400);
    expect((await request(platform.app).get('/healthz')).status).toBe(200);
  });

  it('acknowledges unknown event types and sends nothing', async () => {
    const userId = lineUserId();
    const response = await deliver([
      event(userId, { type: 'messageEdited', message: { id: '1' } }, {}),
      event(userId, { type: 'beaconish' }, {}),
    ]);
    expect(response.status).toBe(200);
    expect(line.requests).toEqual([]);
  });

  it('falls back to push when the reply token has expired', async () => {
    const userId = lineUserId();
    await deliver([text(userId, 'help', { replyToken: 'expired-token' })]);
    expect(line.pushes()).toHaveLength(1);
    expect(line.pushes()[0]!.body).toMatchObject({ to: userId });
    expect(line.pushes()[0]!.headers['x-line-retry-key']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /readyz', () => {
  it('answers 200 while the database answers', async () => {
    expect((await request(platform.app).get('/readyz')).body).toEqual({ status: 'ready' });
  });
});
