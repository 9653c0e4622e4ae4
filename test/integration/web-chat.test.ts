import { randomUUID } from 'node:crypto';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import { createWebChatRouter, type WebChatDeps } from '../../src/channels/web/web-chat';
import type { Inbox } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';

const now = '2026-11-23T10:00:00.000+08:00';

// Answers like the shipped flows would, without a database: enough to see what the router hands over.
function echoInbox(): Inbox & { events: InboundEvent[] } {
  const events: InboundEvent[] = [];
  return {
    events,
    accept: () => Promise.reject(new Error('the web chat answers in the response and never calls accept()')),
    drain: () => Promise.resolve(),
    recoverUnhandled: () => Promise.resolve(0),
    handleNow: (event) => {
      events.push(event);
      return Promise.resolve(repliesTo(event));
    },
  };
}

function repliesTo(event: InboundEvent): OutboundMessage[] {
  const cardChoice = { label: 'Card', payload: 'intent=card' };
  switch (event.kind) {
    case 'followed':
      return [{ kind: 'text', text: 'Welcome!', choices: [{ label: 'Join', payload: 'intent=signup' }] }];
    case 'text':
      return [{ kind: 'text', text: `echo: ${event.text}`, choices: [cardChoice] }];
    case 'choice':
      return event.payload === 'intent=card'
        ? [{ kind: 'card', title: 'Gold', subtitle: 'No. 0001', fields: [{ label: 'Points', value: '120' }], progress: { label: '80 to Platinum', ratio: 0.6 }, choices: [] }]
        : [{ kind: 'text', text: `choice: ${event.payload}` }];
    default:
      return [];
  }
}

function chatApp(overrides: Partial<WebChatDeps> = {}) {
  const inbox = echoInbox();
  const app = express();
  app.use(
    '/chat',
    createWebChatRouter({ inbox, logger: pino({ level: 'silent' }), defaultLocale: 'zh-TW', clock: fixedClock(now), ...overrides }),
  );
  return { app, inbox };
}

function cookiesOf(response: request.Response): string[] {
  const header = response.headers['set-cookie'] as unknown;
  return Array.isArray(header) ? header.map(String) : [];
}

function cookieNamed(response: request.Response, name: string): string | undefined {
  return cookiesOf(response).find((cookie) => cookie.startsWith(`${name}=`));
}

function identityIn(response: request.Response): string {
  const cookie = cookieNamed(response, 'loyalty_web_id');
  const id = cookie?.split(';')[0]?.split('=')[1];
  if (id === undefined) throw new Error(`expected a loyalty_web_id cookie, got ${JSON.stringify(cookiesOf(response))}`);
  return id;
}

describe('GET /chat', () => {
  it('serves the chat page with a policy that allows only this origin', async () => {
    const { app } = chatApp();

    const response = await request(app).get('/chat').expect(200);

    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('Loyalty Demo');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves the script and styles so that browsers revalidate them', async () => {
    const { app } = chatApp();

    const script = await request(app).get('/chat/assets/chat.js').expect(200);
    const styles = await request(app).get('/chat/assets/chat.css').expect(200);

    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(styles.headers['content-type']).toMatch(/text\/css/);
    expect(script.headers['cache-control']).toBe('no-cache');
    expect(script.headers.etag).toBeDefined();
  });
});

describe('POST /chat/api/session', () => {
  it('gives a newcomer an httpOnly identity cookie and the follow replies', async () => {
    const { app, inbox } = chatApp();

    const response = await request(app).post('/chat/api/session').send({}).expect(200);

    const id = identityIn(response);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cookieNamed(response, 'loyalty_web_id')).toMatch(/; Path=\/chat;.*HttpOnly.*SameSite=Lax/);
    expect(cookieNamed(response, 'loyalty_web_id')).not.toMatch(/Secure/);
    expect(response.body).toEqual({
      identity: { isNew: true },
      locale: 'zh-TW',
      messages: [{ kind: 'text', text: 'Welcome!', choices: [{ label: 'Join', payload: 'intent=signup' }] }],
    });
    expect(inbox.events).toEqual([
      expect.objectContaining({ kind: 'followed', channel: 'web', channelUserId: id, eventId: `web-follow:${id}`, locale: 'zh-TW' }),
    ]);
    expect(inbox.events[0]?.receivedAt.toISO()).toBe(now);
  });

  it('reuses the identity on the next visit without following again', async () => {
    const { app, inbox } = chatApp();
    const browser = request.agent(app);
    await browser.post('/chat/api/session').send({}).expect(200);

    const again = await browser.post('/chat/api/session').send({}).expect(200);

    expect(again.body).toEqual({ identity: { isNew: false }, locale: 'zh-TW', messages: [] });
    expect(cookieNamed(again, 'loyalty_web_id')).toBeUndefined();
    expect(inbox.events.map((event) => event.kind)).toEqual(['followed']);
  });

  it('gives two browsers two different identities', async () => {
    const { app } = chatApp();

    const first = await request(app).post('/chat/api/session').expect(200);
    const second = await request(app).post('/chat/api/session').expect(200);

    expect(identityIn(first)).not.toBe(identityIn(second));
  });

  it('keeps the requested locale in a cookie and puts it on the follow event', async () => {
    const { app, inbox } = chatApp();

    const response = await request(app).post('/chat/api/session').send({ locale: 'en' }).expect(200);

    expect(response.body.locale).toBe('en');
    expect(cookieNamed(response, 'loyalty_web_locale')).toMatch(/^loyalty_web_locale=en;/);
    expect(inbox.events[0]?.locale).toBe('en');
  });

  it('marks the cookies Secure when the app is served over https', async () => {
    const { app } = chatApp({ secureCookies: true });

    const response = await request(app).post('/chat/api/session').expect(200);

    expect(cookieNamed(response, 'loyalty_web_id')).toMatch(/; Secure/);
    expect(cookieNamed(response, 'loyalty_web_locale')).toMatch(/; Secure/);
  });

  it('rejects a malformed identity cookie and clears it', async () => {
    const { app, inbox } = chatApp();

    const response = await request(app).post('/chat/api/session').set('Cookie', 'loyalty_web_id=not-ours').expect(400);

    expect(response.body.error.code).toBe('invalid_identity');
    expect(cookieNamed(response, 'loyalty_web_id')).toMatch(/^loyalty_web_id=;.*Expires=Thu, 01 Jan 1970/);
    expect(inbox.events).toEqual([]);
  });

  it('rejects an unknown locale', async () => {
    const { app } = chatApp();

    const response = await request(app).post('/chat/api/session').send({ locale: 'fr' }).expect(400);

    expect(response.body.error).toEqual({ code: 'invalid_body', message: expect.stringContaining('locale') });
  });
});

describe('POST /chat/api/messages', () => {
  async function startedChat(overrides: Partial<WebChatDeps> = {}) {
    const chat = chatApp(overrides);
    const browser = request.agent(chat.app);
    const session = await browser.post('/chat/api/session').send({}).expect(200);
    return { ...chat, browser, id: identityIn(session) };
  }

  it('hands typed text to the inbox as the member and answers with its replies', async () => {
    const { browser, inbox, id } = await startedChat();
    const messageId = randomUUID();

    const response = await browser.post('/chat/api/messages').send({ id: messageId, text: '  hello  ' }).expect(200);

    expect(response.body).toEqual({ messages: [{ kind: 'text', text: 'echo: hello', choices: [{ label: 'Card', payload: 'intent=card' }] }] });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(inbox.events[1]).toEqual({
      kind: 'text',
      text: 'hello',
      channel: 'web',
      channelUserId: id,
      eventId: `web:${messageId}`,
      locale: 'zh-TW',
      receivedAt: expect.anything(),
    });
  });

  it('hands a tapped choice to the inbox as a choice event and returns the card', async () => {
    const { browser, inbox } = await startedChat();

    const response = await browser.post('/chat/api/messages').send({ id: randomUUID(), payload: 'intent=card' }).expect(200);

    expect(response.body.messages).toEqual([expect.objectContaining({ kind: 'card', title: 'Gold', progress: { label: '80 to Platinum', ratio: 0.6 } })]);
    expect(inbox.events[1]).toEqual(expect.objectContaining({ kind: 'choice', payload: 'intent=card', channel: 'web' }));
  });

  it('puts the locale chosen with POST /chat/api/locale on later events', async () => {
    const { browser, inbox } = await startedChat();

    const switched = await browser.post('/chat/api/locale').send({ locale: 'en' }).expect(200);
    await browser.post('/chat/api/messages').send({ id: randomUUID(), text: 'card' }).expect(200);

    expect(switched.body).toEqual({ locale: 'en' });
    expect(cookieNamed(switched, 'loyalty_web_locale')).toMatch(/^loyalty_web_locale=en;.*HttpOnly.*SameSite=Lax/);
    expect(inbox.events[1]?.locale).toBe('en');
  });

  it('falls back to the default locale when the locale cookie is missing or unknown', async () => {
    const { app, inbox } = chatApp({ defaultLocale: 'en' });
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';

    await request(app).post('/chat/api/messages').set('Cookie', `loyalty_web_id=${id}; loyalty_web_locale=xx`).send({ id: randomUUID(), text: 'hi' }).expect(200);

    expect(inbox.events[0]).toEqual(expect.objectContaining({ channelUserId: id, locale: 'en' }));
  });

  it('answers 401 without an identity cookie and tells the client to start a session', async () => {
    const { app, inbox } = chatApp();

    const response = await request(app).post('/chat/api/messages').send({ id: randomUUID(), text: 'hi' }).expect(401);

    expect(response.body).toEqual({ error: { code: 'no_session', message: expect.stringContaining('POST /chat/api/session') } });
    expect(inbox.events).toEqual([]);
  });

  it('answers 400 and clears a malformed identity cookie', async () => {
    const { app, inbox } = chatApp();

    const response = await request(app).post('/chat/api/messages').set('Cookie', 'loyalty_web_id=x%3Cscript%3E').send({ id: randomUUID(), text: 'hi' }).expect(400);

    expect(response.body.error.code).toBe('invalid_identity');
    expect(cookieNamed(response, 'loyalty_web_id')).toMatch(/^loyalty_web_id=;/);
    expect(inbox.events).toEqual([]);
  });

  it.each([
    ['no id', { text: 'hi' }, 'id'],
    ['an id that is not a UUID', { id: 'message-1', text: 'hi' }, 'id'],
    ['neither text nor payload', { id: randomUUID() }, 'exactly one'],
    ['both text and payload', { id: randomUUID(), text: 'hi', payload: 'intent=card' }, 'exactly one'],
    ['blank text', { id: randomUUID(), text: '   ' }, 'text'],
    ['text over 500 characters', { id: randomUUID(), text: 'a'.repeat(501) }, 'text'],
    ['a payload over 300 characters', { id: randomUUID(), payload: 'p'.repeat(301) }, 'payload'],
    ['text that is not a string', { id: randomUUID(), text: 42 }, 'text'],
    ['an unknown field', { id: randomUUID(), text: 'hi', channelUserId: 'someone-else' }, 'channelUserId'],
    ['an array', [{ id: randomUUID(), text: 'hi' }], 'object'],
  ])('answers 400 JSON for %s', async (_case, body, mentioned) => {
    const { browser, inbox } = await startedChat();

    const response = await browser.post('/chat/api/messages').send(body as object).expect(400);

    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body).toEqual({ error: { code: 'invalid_body', message: expect.stringContaining(mentioned) } });
    expect(inbox.events).toHaveLength(1);
  });

  it('answers 400 JSON for a body that is not JSON', async () => {
    const { browser } = await startedChat();

    const broken = await browser.post('/chat/api/messages').set('Content-Type', 'application/json').send('{"id":').expect(400);
    const plain = await browser.post('/chat/api/messages').set('Content-Type', 'text/plain').send('hi').expect(400);

    expect(broken.body.error.code).toBe('invalid_json');
    expect(plain.body.error).toEqual({ code: 'invalid_body', message: expect.stringContaining('application/json') });
  });

  it('answers 413 JSON for a body over 16 kB', async () => {
    const { browser } = await startedChat();

    const response = await browser.post('/chat/api/messages').send({ id: randomUUID(), text: 'a'.repeat(17 * 1024) }).expect(413);

    expect(response.body.error.code).toBe('body_too_large');
  });

  it('answers 500 JSON without internals and logs the cause when the inbox fails', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    const inbox = echoInbox();
    const answerFollow = inbox.handleNow;
    inbox.handleNow = (event) => (event.kind === 'followed' ? answerFollow(event) : Promise.reject(new Error('database unreachable')));
    const { browser } = await startedChat({ logger, inbox });

    const response = await browser.post('/chat/api/messages').send({ id: randomUUID(), text: 'hi' }).expect(500);

    expect(response.body).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    expect(JSON.stringify(response.body)).not.toContain('database');
    expect(logged.join('')).toContain('database unreachable');
  });
});

describe('POST /chat/api/locale', () => {
  it('rejects a locale the platform does not ship', async () => {
    const { app } = chatApp();

    const response = await request(app).post('/chat/api/locale').send({ locale: 'ja' }).expect(400);

    expect(response.body.error.code).toBe('invalid_body');
    expect(cookieNamed(response, 'loyalty_web_locale')).toBeUndefined();
  });
});

describe('/chat/api', () => {
  it('answers unknown API routes with a JSON 404', async () => {
    const { app } = chatApp();

    const response = await request(app).get('/chat/api/session').expect(404);

    expect(response.body.error.code).toBe('not_found');
  });
});
