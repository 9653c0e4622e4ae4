import request from 'supertest';
import { startFakeGraphApi, type FakeGraphApi } from '../fakes/fake-graph-api';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { deliverToLine, lineEventFactory, lineReplyTexts } from '../support/line-events';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';
import { signMessengerBody } from '../support/signed-webhook';

const appSecret = 'test-messenger-app-secret';
const pageId = '1122334455667788';

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
    MESSENGER_APP_SECRET: appSecret,
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: 'test-messenger-verify-token',
    MESSENGER_API_BASE_URL: graph.baseUrl,
    MESSENGER_API_VERSION: 'v25.0',
    DEFAULT_LOCALE: 'en',
    SIGNUP_BONUS_POINTS: '0',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
  await graph.close();
});
beforeEach(() => {
  line.reset();
  graph.reset();
  platform.clock.set('2026-11-23T10:00:00+08:00');
});

let sequence = 0;
const lineEvents = {
  ...lineEventFactory('01JLINK'),
  deliver: (events: unknown[]) => deliverToLine(platform, events),
  replyTexts: () => lineReplyTexts(line),
};

type SentMessage = {
  text?: string;
  quick_replies?: { title: string; payload: string }[];
  attachment?: { payload: { elements: { title: string; subtitle?: string }[] } };
};

const messengerEvents = {
  psid(): string {
    sequence += 1;
    return `${Date.now()}${sequence.toString().padStart(4, '0')}`;
  },
  mid(): string {
    sequence += 1;
    return `m_${Date.now().toString(36)}_${sequence}`;
  },
  text(psid: string, body: string) {
    return messengerEvents.messaging(psid, { message: { mid: messengerEvents.mid(), text: body } });
  },
  quickReply(psid: string, payload: string) {
    return messengerEvents.messaging(psid, { message: { mid: messengerEvents.mid(), text: payload, quick_reply: { payload } } });
  },
  postback(psid: string, payload: string) {
    return messengerEvents.messaging(psid, { postback: { mid: messengerEvents.mid(), title: payload, payload } });
  },
  messaging(psid: string, fields: Record<string, unknown>) {
    sequence += 1;
    return { sender: { id: psid }, recipient: { id: pageId }, timestamp: Date.now() + sequence, ...fields };
  },
  async deliver(events: unknown[]) {
    const body = JSON.stringify({ object: 'page', entry: [{ id: pageId, time: Date.now(), messaging: events }] });
    const response = await request(platform.app)
      .post('/webhooks/messenger')
      .set('content-type', 'application/json')
      .set('x-hub-signature-256', signMessengerBody(body, appSecret))
      .send(body);
    await platform.inbox.drain();
    return response;
  },
  sent(): SentMessage[] {
    return graph.messages().map((sent) => sent.body.message as SentMessage);
  },
  sentTexts(): string[] {
    return messengerEvents.sent().map((message) => message.text ?? message.attachment?.payload.elements[0]?.title ?? '?');
  },
};

async function joinOnLine(userId: string) {
  await lineEvents.deliver([lineEvents.postback(userId, 'intent=signup')]);
  await lineEvents.deliver([lineEvents.postback(userId, 'answer=agree')]);
  await lineEvents.deliver([lineEvents.text(userId, 'Amy Chen')]);
  await lineEvents.deliver([lineEvents.text(userId, '0912345678')]);
  await lineEvents.deliver([lineEvents.postback(userId, 'answer=skip')]);
}

describe('linking a LINE member to Messenger through both webhooks', () => {
  it('asks for a code on LINE, confirms on Messenger, and shares the points, the card and the daily check-in', async () => {
    const userId = lineEvents.userId();
    await joinOnLine(userId);
    await lineEvents.deliver([lineEvents.text(userId, 'check in')]);
    line.reset();

    expect((await lineEvents.deliver([lineEvents.text(userId, 'link account')])).status).toBe(200);
    const code = /LINK (\d{6})/.exec(lineEvents.replyTexts()[0] ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const psid = messengerEvents.psid();
    expect((await messengerEvents.deliver([messengerEvents.text(psid, `LINK ${code}`)])).status).toBe(200);
    const [question] = messengerEvents.sent();
    expect(question!.text).toBe('Link this chat to the membership of A** ***n? Your points, tier and check-ins will then be shared.');
    expect(question!.quick_replies!.map((reply) => reply.payload)).toEqual(['answer=confirm', 'answer=cancel']);

    graph.reset();
    await messengerEvents.deliver([messengerEvents.quickReply(psid, 'answer=confirm')]);
    expect(messengerEvents.sentTexts()).toEqual(['🎉 Linked! You can use your membership here too — you have 10 points.']);

    const lineIdentity = await platform.repositories.identities.find(`line:${userId}`);
    const messengerIdentity = await platform.repositories.identities.find(`messenger:${psid}`);
    expect(messengerIdentity!.memberId).toBe(lineIdentity!.memberId);
    const member = await platform.repositories.members.findById(lineIdentity!.memberId!);
    expect(member!.identities).toEqual([
      { channel: 'line', channelUserId: userId },
      { channel: 'messenger', channelUserId: psid },
    ]);

    graph.reset();
    await messengerEvents.deliver([messengerEvents.postback(psid, 'intent=card')]);
    const card = messengerEvents.sent()[0]!.attachment!.payload.elements[0]!;
    expect(card.title).toBe("Amy Chen's membership card");
    expect(card.subtitle).toContain('Points: 10');

    graph.reset();
    await messengerEvents.deliver([messengerEvents.text(psid, 'check in')]);
    expect(messengerEvents.sentTexts()).toEqual([
      "You've already checked in today 😊 You have 10 points and a 1-day streak. See you tomorrow!",
    ]);
    expect((await platform.repositories.members.findById(member!.id))!.points).toBe(10);
    expect(graph.unexpected()).toEqual([]);
  });

  it('refuses on Messenger a code that LINE issued more than ten minutes ago', async () => {
    const userId = lineEvents.userId();
    await joinOnLine(userId);
    line.reset();
    await lineEvents.deliver([lineEvents.text(userId, 'link account')]);
    const code = /LINK (\d{6})/.exec(lineEvents.replyTexts()[0] ?? '')?.[1];

    platform.clock.set('2026-11-23T10:10:00+08:00');
    const psid = messengerEvents.psid();
    await messengerEvents.deliver([messengerEvents.text(psid, `link ${code}`)]);
    expect(messengerEvents.sentTexts()[0]).toContain('has expired');
    expect((await platform.repositories.identities.find(`messenger:${psid}`))!.memberId).toBeNull();
  });
});
