import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createBotFrameworkRouter } from '../../src/channels/botframework/botframework-endpoint';
import { startFakeBotConnector, type FakeBotConnector, type SentActivity } from '../fakes/fake-bot-connector';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let connector: FakeBotConnector;
let endpoint: Express;

// Until platform.ts mounts the router at /api/messages, the test mounts it on its own app with the platform's inbox.
function endpointApp(config: Parameters<typeof createBotFrameworkRouter>[0]['config']): Express {
  const app = express();
  app.use('/api/messages', createBotFrameworkRouter({ config, inbox: platform.inbox, logger: pino({ level: 'silent' }), clock: platform.clock }));
  return app;
}

beforeAll(async () => {
  connector = await startFakeBotConnector();
  platform = await startTestPlatform({ BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: 'true', DEFAULT_LOCALE: 'en', SIGNUP_BONUS_POINTS: '0' });
  endpoint = platform.app;
});
afterAll(async () => {
  await platform.close();
  await connector.close();
});
beforeEach(() => connector.reset());
afterEach(() => expect(connector.unexpected()).toEqual([]));

const botAccount = { id: 'loyalty-bot', name: 'Loyalty' };
let sequence = 0;

function newUserId(): string {
  sequence += 1;
  return `user-${Date.now()}-${sequence}`;
}

function activity(userId: string, fields: Record<string, unknown>) {
  sequence += 1;
  return {
    id: `activity-${Date.now()}-${sequence}`,
    channelId: 'webchat',
    serviceUrl: connector.serviceUrl,
    from: { id: userId, name: 'Amy' },
    recipient: botAccount,
    conversation: { id: `conversation-${userId}` },
    locale: 'en-US',
    timestamp: new Date().toISOString(),
    ...fields,
  };
}
const says = (userId: string, text: string) => activity(userId, { type: 'message', text });
const taps = (userId: string, payload: string) => activity(userId, { type: 'message', value: { payload } });
const joins = (userId: string) =>
  activity(userId, { type: 'conversationUpdate', membersAdded: [botAccount, { id: userId, name: 'Amy' }] });

function post(body: unknown, app: Express = endpoint) {
  return request(app).post('/api/messages').set('content-type', 'application/json').send(JSON.stringify(body));
}

function texts(activities: SentActivity[] = connector.activities()): string[] {
  return activities.map((sent) => sent.text ?? String(sent.attachments?.[0]?.content.title ?? sent.type));
}

async function signUp(userId: string) {
  for (const step of [
    taps(userId, 'intent=signup'),
    taps(userId, 'answer=agree'),
    says(userId, 'Amy'),
    says(userId, '0912345678'),
    taps(userId, 'answer=skip'),
  ]) {
    expect((await post(step)).status).toBe(200);
  }
}

async function memberOf(userId: string) {
  const identity = await platform.repositories.identities.find(`botframework:webchat:${userId}`);
  return platform.repositories.members.findById(identity!.memberId!);
}

describe('POST /api/messages', () => {
  it('answers a joining person with the consent question and its choices', async () => {
    const userId = newUserId();
    expect((await post(joins(userId))).status).toBe(200);

    // Web Chat's conversationUpdate is answered with Send to Conversation: botbuilder sets no replyToId for it
    // (botbuilder-core turnContext.js getAppropriateReplyToId).
    const [reply] = connector.requests;
    expect(reply).toMatchObject({ conversationId: `conversation-${userId}`, replyToActivityId: undefined, status: 200 });
    expect(reply!.headers.authorization).toBeUndefined();
    const sent = connector.activities();
    expect(texts(sent)[0]).toContain('Membership Terms and Privacy Notice');
    const actions = sent.at(-1)!.suggestedActions!.actions;
    expect(actions.map((action) => action.value)).toEqual([{ payload: 'answer=agree' }, { payload: 'answer=decline' }]);
    expect(actions.every((action) => action.type === 'messageBack' && action.displayText === action.title)).toBe(true);
  });

  it('signs up, checks in and shows the membership card as a hero card', async () => {
    const userId = newUserId();
    await signUp(userId);
    expect(texts().some((text) => text.includes('Welcome aboard, Amy!'))).toBe(true);

    connector.reset();
    const checkIn = says(userId, 'check in');
    await post(checkIn);
    expect(texts()).toEqual([expect.stringContaining('+10 points')]);
    expect(connector.requests[0]).toMatchObject({ conversationId: `conversation-${userId}`, replyToActivityId: checkIn.id });

    connector.reset();
    await post(taps(userId, 'intent=card'));
    const card = connector.activities()[0]!.attachments![0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.hero');
    expect(card.content.title).toContain("Amy's membership card");
    expect((await memberOf(userId))!.points).toBe(10);
  });

  it('awards once when the same activity arrives twice', async () => {
    const userId = newUserId();
    await signUp(userId);
    const checkIn = taps(userId, 'intent=checkin');
    expect((await post(checkIn)).status).toBe(200);
    connector.reset();
    expect((await post(checkIn)).status).toBe(200);
    expect(connector.requests).toEqual([]);
    const member = (await memberOf(userId))!;
    expect(member.points).toBe(10);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: member.id })).toBe(1);
  });

  it('answers 200 and sends nothing for activities it does not handle', async () => {
    const userId = newUserId();
    const responses = await Promise.all([
      post(activity(userId, { type: 'typing' })),
      post(activity(userId, { type: 'conversationUpdate', membersAdded: [botAccount] })),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(connector.requests).toEqual([]);
  });

  it('answers 200 even when the Connector refuses the replies', async () => {
    const userId = newUserId();
    const refused = { ...says(userId, 'help'), conversation: { id: `rejected-${userId}` } };
    const response = await post(refused);
    expect(response.status).toBe(200);
    expect(connector.requests.map((sent) => sent.status)).toEqual([400]);
  });

  it('answers 400 with JSON to a malformed body or something that is not an activity', async () => {
    const broken = await request(endpoint).post('/api/messages').set('content-type', 'application/json').send('{"type": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');

    for (const body of [[1, 2], { text: 'no type' }, { type: 'message', serviceUrl: 'file:///etc/passwd' }]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_activity');
    }
    expect(connector.requests).toEqual([]);
  });

  it('answers 405 to anything but POST', async () => {
    const response = await request(endpoint).get('/api/messages');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('answers 401 without an Authorization header once an app id is set', async () => {
    // botbuilder logs the AuthenticationError with console.error before answering (cloudAdapter.js process()).
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const authenticated = endpointApp({
        ...platform.config,
        MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
        MICROSOFT_APP_PASSWORD: 'not-a-real-secret',
        BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: false,
      });
      const response = await post(says(newUserId(), 'check in'), authenticated);
      expect(response.status).toBe(401);
      expect(connector.requests).toEqual([]);
    } finally {
      consoleError.mockRestore();
    }
  });
});
