import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createPlatform, type Platform } from '../../src/platform';
import { fixedClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { captureLogs } from '../support/log-capture';
import { openTestDatabase } from '../support/mongo';
import { testAdminTokens } from '../support/platform';

const logs = captureLogs();
const logger = createLogger('trace', false, logs.stream);
let platform: Platform;
let connection: Awaited<ReturnType<typeof openTestDatabase>>;

beforeAll(async () => {
  connection = await openTestDatabase();
  const adminTokens = Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token }));
  platform = await createPlatform({
    config: loadConfig({ LOG_LEVEL: 'trace', DEMO_DATA: 'false' }),
    connection,
    logger,
    clock: fixedClock('2026-11-23T10:00:00+08:00'),
    adminTokens,
  });
});
afterAll(async () => {
  await platform.inbox.drain();
  await connection.dropAndClose();
});

const tokens = Object.values(testAdminTokens);
const wrongToken = 'wrong-token-that-nobody-has-0001';

describe('admin tokens are never logged', () => {
  it('logs each admin request by principal, and no token appears in any log line', async () => {
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    await request(platform.app).get('/admin/api/members').set(as(testAdminTokens.viewer)).expect(200);
    await request(platform.app).post('/admin/api/rewards').set(as(testAdminTokens.marketer)).send({ name: { en: 'Tea', 'zh-TW': '茶' }, cost: 5 }).expect(201);
    await request(platform.app).post('/admin/api/rewards').set(as(testAdminTokens.viewer)).send({}).expect(403);
    await request(platform.app).post('/admin/api/rewards').set(as(testAdminTokens.admin)).send({ cost: 'free' }).expect(400);
    await request(platform.app).get('/admin/api/no-such-route').set(as(testAdminTokens.admin)).expect(404);
    await request(platform.app).get('/admin/api/members').set(as(wrongToken)).expect(401);
    await request(platform.app).post('/admin/api/members').set(as(testAdminTokens.admin)).set('content-type', 'application/json').send('{"broken"').expect(400);

    const lines = logs.lines.join('\n');
    expect(lines).toMatch(/"path":"\/admin\/api\/members","status":200,"actor":"viewer:[0-9a-f]{8}","msg":"admin request"/);
    expect(lines).toMatch(/"status":403/);
    for (const token of [...tokens, wrongToken]) expect(lines).not.toContain(token);
  });

  it('redacts an authorization header wherever a log line carries one', () => {
    const before = logs.lines.length;
    logger.info({ req: { headers: { authorization: `Bearer ${testAdminTokens.admin}` } } }, 'a request');
    logger.error({ err: { config: { headers: { Authorization: `Bearer ${testAdminTokens.admin}` } } } }, 'an outbound call failed');
    logger.warn({ authorization: `Bearer ${testAdminTokens.admin}` }, 'a header on its own');
    const lines = logs.lines.slice(before).join('\n');
    expect(lines.match(/\[redacted\]/g)).toHaveLength(3);
    expect(lines).not.toContain(testAdminTokens.admin);
  });
});
