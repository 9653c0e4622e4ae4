import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { parseDocument } from 'yaml';
import type { OutboundMessage } from '../../src/channels/channel';
import { connectMongo } from '../../src/database/mongo-connection';
import { createPlatform, type Platform } from '../../src/platform';
import { testMongoUri } from '../support/mongo';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ CATALOG_REFRESH_SECONDS: '0.2' });
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const shippedGreeting = "Hi! I'm your membership assistant.";
const newGreeting = 'Hello from the marketing team!';

/** A customer on the real web chat: cookie identity, JSON messages, English. */
function webChat(app = platform.app) {
  const agent = request.agent(app);
  let started = false;
  const send = async (body: Record<string, string>) => {
    if (!started) {
      await agent.post('/chat/api/session').send({ locale: 'en' }).expect(200);
      started = true;
    }
    const response = await agent.post('/chat/api/messages').send({ id: randomUUID(), ...body }).expect(200);
    return (response.body.messages as OutboundMessage[]).map((message) => (message.kind === 'text' ? message.text : message.title));
  };
  return { says: (text: string) => send({ text }), taps: (payload: string) => send({ payload }) };
}

async function liveTemplateGroup(id: string): Promise<Record<'en' | 'zh-TW', string>> {
  const response = await request(platform.app).get(`/admin/api/templates/${id}`).set(as('viewer')).expect(200);
  return response.body.live.content;
}

describe('templates edited without a deploy', () => {
  it('refuses a draft that is not YAML, and says the line and column', async () => {
    const response = await request(platform.app)
      .put('/admin/api/templates/common')
      .set(as('marketer'))
      .send({ content: { en: 'help.menu:\n  text: "never closed\n' } });

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_content');
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ file: 'templates/en/common.yaml (draft)', line: expect.any(Number), column: expect.any(Number), reason: expect.stringMatching(/not valid YAML/) }),
    ]);
  });

  it('refuses a draft that drops a template a flow says, naming the flow file, path and reason', async () => {
    const live = await liveTemplateGroup('common');
    const document = parseDocument(live.en);
    document.delete('help.menu');

    const response = await request(platform.app).put('/admin/api/templates/common').set(as('marketer')).send({ content: { en: String(document) } });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({
      file: 'flows/help.yaml',
      path: 'steps.show-help.template',
      reason: 'no template "help.menu" in templates/en',
    });
    expect(response.body.error.message).toContain('flows/help.yaml at steps.show-help.template');
    const after = await request(platform.app).get('/admin/api/templates/common').set(as('viewer')).expect(200);
    expect(after.body.draft).toBeNull();
  });

  it('saves a fixed draft that live chats do not see, while the preview does; publishing makes it live', async () => {
    const customer = webChat();
    const live = await liveTemplateGroup('common');
    expect(live.en).toContain(shippedGreeting);

    const saved = await request(platform.app)
      .put('/admin/api/templates/common')
      .set(as('marketer'))
      .send({ content: { en: live.en.replace(shippedGreeting, newGreeting) } });
    expect(saved.status).toBe(200);
    expect(saved.body.draft.content.en).toContain(newGreeting);
    expect(saved.body.draft.content['zh-TW']).toBe(live['zh-TW']);

    expect((await customer.says('help'))[0]).toContain(shippedGreeting);
    const preview = await request(platform.app).post('/admin/api/preview/messages').set(as('marketer')).send({ text: 'help', locale: 'en' });
    expect(preview.status).toBe(200);
    expect(preview.body.messages[0]).toEqual(expect.objectContaining({ kind: 'text', text: expect.stringContaining(newGreeting), choices: expect.any(Array) }));

    const form = await request(platform.app).get('/admin/api/templates/common').set(as('viewer')).expect(200);
    expect(form.body.entries['help.menu'].en.text).toContain(newGreeting);
    expect(form.body.entries['help.menu']['zh-TW'].text).toBeDefined();

    const published = await request(platform.app).post('/admin/api/templates/common/publish').set(as('marketer'));
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ id: 'common', version: 1, source: 'draft' });

    expect((await customer.says('help'))[0]).toContain(newGreeting);
    expect((await request(platform.app).get('/admin/api/templates/common').set(as('viewer'))).body.draft).toBeNull();
  });

  it('lists versions, diffs them and rolls back to the shipped wording as a new version', async () => {
    const customer = webChat();

    const versions = await request(platform.app).get('/admin/api/templates/common/versions').set(as('viewer')).expect(200);
    expect(versions.body.versions).toEqual([
      expect.objectContaining({ version: 1, source: 'draft', publishedBy: expect.stringMatching(/^marketer:/) }),
      expect.objectContaining({ version: 0, source: 'shipped' }),
    ]);

    const diff = await request(platform.app).get('/admin/api/templates/common/diff?from=0&to=1').set(as('viewer')).expect(200);
    expect(diff.body.diff).toContain('--- templates/en/common.yaml');
    expect(diff.body.diff).toContain(`-    ${shippedGreeting}`);
    expect(diff.body.diff).toContain(`+    ${newGreeting}`);
    expect(diff.body.diff).not.toContain('templates/zh-TW/common.yaml\t');

    const first = await request(platform.app).get('/admin/api/templates/common/versions/1').set(as('viewer')).expect(200);
    expect(first.body.content.en).toContain(newGreeting);
    expect(first.body.entries['help.menu'].en.text).toContain(newGreeting);

    const rolledBack = await request(platform.app).post('/admin/api/templates/common/rollback').set(as('marketer')).send({ version: 0 });
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ version: 2, source: 'rollback', fromVersion: 0 });
    expect((await customer.says('help'))[0]).toContain(shippedGreeting);

    const missing = await request(platform.app).post('/admin/api/templates/common/rollback').set(as('marketer')).send({ version: 9 });
    expect(missing.status).toBe(404);
  });

  it('resets to the shipped file as a new version, and lists every resource with its state', async () => {
    const customer = webChat();
    const live = await liveTemplateGroup('common');
    await request(platform.app)
      .put('/admin/api/templates/common')
      .set(as('marketer'))
      .send({ content: { en: live.en.replace(shippedGreeting, newGreeting) } })
      .expect(200);
    await request(platform.app).post('/admin/api/templates/common/publish').set(as('marketer')).expect(200);
    expect((await customer.says('help'))[0]).toContain(newGreeting);

    const reset = await request(platform.app).post('/admin/api/templates/common/reset').set(as('marketer')).expect(200);

    expect(reset.body).toMatchObject({ version: 4, source: 'reset' });
    expect((await customer.says('help'))[0]).toContain(shippedGreeting);
    const list = await request(platform.app).get('/admin/api/templates').set(as('viewer')).expect(200);
    expect(list.body.templates).toContainEqual(
      expect.objectContaining({ id: 'common', shipped: true, live: expect.objectContaining({ version: 4, source: 'reset' }), draft: null }),
    );
    expect(list.body.templates.map((resource: { id: string }) => resource.id)).toEqual(expect.arrayContaining(['checkin', 'signup', 'card']));
  });

  it('records every write in the audit log', async () => {
    const entries = await platform.repositories.audit.list({ limit: 50, resource: 'template:common' });
    expect(entries.map((entry) => entry.action).sort()).toEqual(
      ['templates.publish', 'templates.publish', 'templates.reset', 'templates.rollback', 'templates.saveDraft', 'templates.saveDraft'].sort(),
    );
    expect(entries.find((entry) => entry.action === 'templates.rollback')?.after).toEqual(expect.objectContaining({ version: 2 }));
  });
});

describe('flows edited without a deploy', () => {
  async function signupWithoutBirthday(): Promise<string> {
    const live = await request(platform.app).get('/admin/api/flows/signup').set(as('viewer')).expect(200);
    const document = parseDocument(live.body.live.content as string);
    document.setIn(['steps', 'ask-mobile', 'next'], 'join');
    document.deleteIn(['steps', 'ask-birthday']);
    return String(document);
  }

  it('refuses a flow draft whose step names a template that does not exist', async () => {
    const live = await request(platform.app).get('/admin/api/flows/help').set(as('viewer')).expect(200);
    const broken = (live.body.live.content as string).replace('template: help.menu', 'template: help.menus');

    const response = await request(platform.app).put('/admin/api/flows/help').set(as('marketer')).send({ content: broken });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({
      file: 'flows/help.yaml (draft)',
      path: 'steps.show-help.template',
      reason: 'no template "help.menus" in templates/zh-TW',
    });
  });

  it('throws a draft away without touching what is live', async () => {
    const live = await request(platform.app).get('/admin/api/flows/help').set(as('viewer')).expect(200);
    const described = (live.body.live.content as string).replace('What the bot can do.', 'A draft description.');
    await request(platform.app).put('/admin/api/flows/help').set(as('marketer')).send({ content: described }).expect(200);
    const diff = await request(platform.app).get('/admin/api/flows/help/diff').set(as('viewer')).expect(200);
    expect(diff.body.diff).toContain('+description: A draft description.');

    await request(platform.app).delete('/admin/api/flows/help/draft').set(as('marketer')).expect(200);

    const after = await request(platform.app).get('/admin/api/flows/help').set(as('viewer')).expect(200);
    expect(after.body.draft).toBeNull();
    expect(after.body.live).toEqual(live.body.live);
    expect((await request(platform.app).delete('/admin/api/flows/help/draft').set(as('marketer'))).status).toBe(404);
  });

  it('lets a conversation started before a publish finish on the version it started on', async () => {
    const before = webChat();
    await before.taps('intent=signup');
    await before.taps('answer=agree');
    await before.says('Amy');

    await request(platform.app).put('/admin/api/flows/signup').set(as('marketer')).send({ content: await signupWithoutBirthday() }).expect(200);
    const published = await request(platform.app).post('/admin/api/flows/signup/publish').set(as('marketer')).expect(200);
    expect(published.body).toMatchObject({ version: 2 });
    const stored = await request(platform.app).get('/admin/api/flows/signup').set(as('viewer')).expect(200);
    expect(stored.body.live.content).toMatch(/^version: 2$/m);
    expect(stored.body.flow.version).toBe(2);

    expect((await before.says('0912345678'))[0]).toMatch(/birthday/);
    expect((await before.taps('answer=skip'))[0]).toMatch(/Welcome aboard, Amy/);

    const after = webChat();
    await after.taps('intent=signup');
    await after.taps('answer=agree');
    await after.says('Ben');
    expect((await after.says('0912345679'))[0]).toMatch(/Welcome aboard, Ben/);
  });

  it('is picked up by a second server on the same database within its refresh interval', async () => {
    const databaseName = platform.repositories.identities.model.db.name;
    const connection = await connectMongo(testMongoUri(), databaseName);
    const second: Platform = await createPlatform({
      config: platform.config,
      connection,
      logger: pino({ level: 'silent' }),
      clock: platform.clock,
      adminTokens: Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token })),
    });
    try {
      const customer = webChat(second.app);
      expect((await customer.says('help'))[0]).toContain(shippedGreeting);

      const live = await liveTemplateGroup('common');
      await request(platform.app)
        .put('/admin/api/templates/common')
        .set(as('marketer'))
        .send({ content: { en: live.en.replace(shippedGreeting, 'Published on the first server') } })
        .expect(200);
      await request(platform.app).post('/admin/api/templates/common/publish').set(as('marketer')).expect(200);

      const deadline = Date.now() + 5_000;
      let reply = '';
      while (Date.now() < deadline) {
        reply = (await customer.says('help'))[0] ?? '';
        if (reply.includes('Published on the first server')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(reply).toContain('Published on the first server');
    } finally {
      second.liveCatalog.stop();
      await second.inbox.drain();
      await connection.close();
    }
  });
});

describe('POST /admin/api/preview', () => {
  it('chats as a sandbox member of the calling admin, and starts afresh after a reset', async () => {
    const send = (body: object) => request(platform.app).post('/admin/api/preview/messages').set(as('admin')).send({ locale: 'en', ...body }).expect(200);
    await send({ payload: 'intent=signup' });
    await send({ payload: 'answer=agree' });
    await send({ text: 'Preview Pat' });
    const joined = await send({ text: '0912345670' });
    expect(joined.body.messages[0].text).toMatch(/Welcome aboard, Preview Pat/);
    const identity = await platform.repositories.identities.find(`preview:admin:${hashPrefix(testAdminTokens.admin)}`);
    const member = await platform.repositories.members.model.findById(identity!.memberId).lean();
    expect(member).toEqual(expect.objectContaining({ sandbox: true, name: 'Preview Pat' }));

    await request(platform.app).post('/admin/api/preview/reset').set(as('admin')).expect(200);

    const again = await send({ text: 'card' });
    expect(again.body.messages[0].text).toMatch(/members/i);
    const retired = await platform.repositories.members.model.findById(identity!.memberId).lean();
    expect(retired).toEqual(expect.objectContaining({ sandbox: true, identities: [] }));
  });

  it('answers 400 for a message that is neither text nor a choice', async () => {
    const response = await request(platform.app).post('/admin/api/preview/messages').set(as('admin')).send({ text: 'hi', payload: 'intent=help' });
    expect(response.status).toBe(400);
  });
});

describe('who may do what', () => {
  it.each([
    ['get', '/admin/api/flows', 'viewer', 200],
    ['get', '/admin/api/flows/help', 'viewer', 200],
    ['get', '/admin/api/templates/common/versions', 'viewer', 200],
    ['put', '/admin/api/flows/help', 'viewer', 403],
    ['put', '/admin/api/templates/common', 'viewer', 403],
    ['post', '/admin/api/templates/common/publish', 'viewer', 403],
    ['post', '/admin/api/flows/help/rollback', 'viewer', 403],
    ['post', '/admin/api/flows/help/reset', 'viewer', 403],
    ['delete', '/admin/api/flows/help/draft', 'viewer', 403],
    ['post', '/admin/api/preview/messages', 'viewer', 403],
    ['post', '/admin/api/preview/reset', 'viewer', 403],
    ['post', '/admin/api/flows/help/publish', 'marketer', 409],
    ['get', '/admin/api/flows/nope', 'viewer', 404],
  ] as const)('%s %s as %s answers %i', async (method, path, role, status) => {
    const response = await request(platform.app)[method](path).set(as(role)).send({});
    expect(response.status).toBe(status);
  });

  it('answers 401 without a token', async () => {
    expect((await request(platform.app).get('/admin/api/flows')).status).toBe(401);
  });
});

describe('publishing', () => {
  it('never gives two concurrent publishes the same version number', async () => {
    const publishes = Array.from({ length: 12 }, (_, index) =>
      platform.repositories.contentVersions.publish(
        'template',
        'race',
        { contentFor: () => ({ en: `# ${index}\n{}\n`, 'zh-TW': '{}\n' }), after: 0, source: 'draft', fromVersion: null },
        'test',
        new Date(),
      ),
    );
    const versions = (await Promise.all(publishes)).map((published) => published.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
  });
});

function hashPrefix(token: string): string {
  return require('node:crypto').createHash('sha256').update(token).digest('hex').slice(0, 8);
}
