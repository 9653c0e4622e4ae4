import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { createAdminApi } from '../../src/http/admin/admin-api';
import { createPointCodesRouter, pointCodeOperations } from '../../src/http/admin/point-codes-router';
import { createPointCodes } from '../../src/loyalty/point-codes/create-point-codes';
import { generateCode, type PointCodeId } from '../../src/loyalty/point-codes/point-code';
import { createErrorHandler, notFound } from '../../src/http/error-handler';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());

/** The admin API with the point-codes routes, on the platform's database, its clock and real token checks. */
function adminApp(config: { LINE_BASIC_ID?: string; PUBLIC_BASE_URL?: string } = {}) {
  const tokens = Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token }));
  const router = createPointCodesRouter({ repositories: platform.repositories, clock: platform.clock, config });
  const app = express();
  app.use('/admin/api', createAdminApi(tokens, [{ path: '/point-codes', area: 'programme', router, operations: pointCodeOperations }]));
  app.use(notFound);
  app.use(createErrorHandler(pino({ level: 'silent' })));
  return app;
}

const asAdmin = { authorization: `Bearer ${testAdminTokens.admin}` };
const asMarketer = { authorization: `Bearer ${testAdminTokens.marketer}` };
const asViewer = { authorization: `Bearer ${testAdminTokens.viewer}` };

const settings = { points: 50, maxUses: 100, expiresAt: '2026-12-31T23:59:59+08:00' };

async function createCodes(app: express.Express, body: Record<string, unknown> = {}) {
  const response = await request(app).post('/admin/api/point-codes').set(asMarketer).send({ ...settings, ...body });
  expect(response.status).toBe(201);
  return response.body.codes as { code: string; createdAt: string }[];
}

describe('POST /admin/api/point-codes', () => {
  beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

  it('creates a batch of 5 distinct codes with the same settings', async () => {
    const app = adminApp();
    const response = await request(app)
      .post('/admin/api/point-codes')
      .set(asMarketer)
      .send({ points: 30, maxUses: 500, perMemberLimit: 2, startsAt: '2026-12-01T00:00:00+08:00', expiresAt: '2026-12-31T23:59:59+08:00', storeLabel: '信義店', count: 5 });
    expect(response.status).toBe(201);
    const codes = response.body.codes as Record<string, unknown>[];
    expect(codes).toHaveLength(5);
    expect(new Set(codes.map((code) => code.code)).size).toBe(5);
    for (const code of codes) {
      expect(code).toEqual({
        code: expect.stringMatching(/^[2-9A-HJKMNP-Z]{9}$/),
        points: 30,
        maxUses: 500,
        perMemberLimit: 2,
        startsAt: '2026-11-30T16:00:00.000Z',
        expiresAt: '2026-12-31T15:59:59.000Z',
        storeLabel: '信義店',
        uses: 0,
        createdAt: '2026-11-23T02:00:00.000Z',
        qr: { png: `/admin/api/point-codes/${code.code}/qr.png`, svg: `/admin/api/point-codes/${code.code}/qr.svg` },
        chatLink: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/chat\\?text=COLLECT%20${code.code}$`)),
      });
    }
  });

  it('defaults to one code, one use per member, open from now, and no store', async () => {
    const [code] = await createCodes(adminApp());
    expect(code).toMatchObject({ perMemberLimit: 1, startsAt: '2026-11-23T02:00:00.000Z', storeLabel: null });
  });

  it('links the QR code to the LINE chat when LINE_BASIC_ID is set, else to the web chat at PUBLIC_BASE_URL', async () => {
    const [line] = await createCodes(adminApp({ LINE_BASIC_ID: '@abc1234' }));
    expect(line).toMatchObject({ chatLink: `https://line.me/R/oaMessage/%40abc1234/?COLLECT%20${line!.code}` });
    const [web] = await createCodes(adminApp({ PUBLIC_BASE_URL: 'https://shop.example' }));
    expect(web).toMatchObject({ chatLink: `https://shop.example/chat?text=COLLECT%20${web!.code}` });
  });

  it('answers 400 with a detail per problem', async () => {
    const response = await request(adminApp())
      .post('/admin/api/point-codes')
      .set(asAdmin)
      .send({ points: 0, maxUses: 3, perMemberLimit: 4, startsAt: 'tomorrow', expiresAt: '2026-12-31T23:59:59+08:00', count: 1001, colour: 'red' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    const paths = (response.body.error.details as { path: string; message: string }[]).map((detail) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(['points', 'startsAt', 'count', '']));
    expect(response.body.error.details).toContainEqual({ path: '', message: expect.stringContaining('colour') });
  });

  it.each([
    ['perMemberLimit above maxUses', { perMemberLimit: 101 }, 'perMemberLimit', 'must not exceed maxUses (100)'],
    ['expiresAt before startsAt', { startsAt: '2027-01-01T00:00:00+08:00' }, 'expiresAt', 'must be after startsAt'],
    ['expiresAt in the past', { expiresAt: '2026-11-23T09:59:59+08:00' }, 'expiresAt', 'must be in the future'],
    ['expiresAt without an offset', { expiresAt: '2026-12-31T23:59:59' }, 'expiresAt', expect.stringContaining('offset')],
    ['maxUses above a million', { maxUses: 1_000_001 }, 'maxUses', expect.any(String)],
    ['points as a string', { points: '50' }, 'points', expect.any(String)],
  ])('refuses %s', async (_, change, path, message) => {
    const response = await request(adminApp()).post('/admin/api/point-codes').set(asAdmin).send({ ...settings, ...change });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({ path, message });
  });

  it('answers 401 without a token and 403 to a viewer', async () => {
    const app = adminApp();
    const anonymous = await request(app).post('/admin/api/point-codes').send(settings);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthenticated');
    const viewer = await request(app).post('/admin/api/point-codes').set(asViewer).send(settings);
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe('forbidden');
    expect((await request(app).get('/admin/api/point-codes').set(asViewer)).status).toBe(200);
  });

  it('returns the same codes for a repeated idempotency key, and 409 for the key with other settings', async () => {
    const app = adminApp({ PUBLIC_BASE_URL: 'https://shop.example' });
    const body = { ...settings, count: 3, idempotencyKey: 'poster-run-2026-11' };
    const first = await request(app).post('/admin/api/point-codes').set(asAdmin).send(body);
    expect(first.status).toBe(201);
    platform.clock.set('2026-11-23T10:05:00+08:00');
    const again = await request(app).post('/admin/api/point-codes').set(asAdmin).send(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ codes: first.body.codes, replayed: true });
    const other = await request(app).post('/admin/api/point-codes').set(asAdmin).send({ ...body, points: 51 });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('creates one batch when the same idempotent request races itself', async () => {
    const app = adminApp();
    const body = { ...settings, count: 20, idempotencyKey: 'double-click-2026-11-23' };
    const responses = await Promise.all(Array.from({ length: 4 }, () => request(app).post('/admin/api/point-codes').set(asAdmin).send(body)));
    const codeLists = responses.map((response) => (response.body.codes as { code: string }[]).map((code) => code.code));
    expect(new Set(codeLists.map((codes) => codes.join()))).toEqual(new Set([codeLists[0]!.join()]));
    expect(new Set(codeLists[0]).size).toBe(20);
  });
});

describe('createPointCodes()', () => {
  it('draws again for a slot whose random code collided with an existing code', async () => {
    const [taken] = await createCodes(adminApp());
    const fresh = generateCode();
    const draws = [taken!.code as PointCodeId, fresh];
    const outcome = await createPointCodes(
      { pointCodes: platform.repositories.pointCodes, newCode: () => draws.shift() ?? generateCode() },
      { points: 10, maxUses: 5, perMemberLimit: 1, expiresAt: new Date('2026-12-31T23:59:59+08:00'), count: 1 },
      platform.clock.now(),
    );
    expect(outcome).toMatchObject({ kind: 'created', replayed: false, codes: [{ code: fresh, points: 10 }] });
    expect(await platform.repositories.pointCodes.find(taken!.code as PointCodeId)).toMatchObject({ points: 50 });
  });
});

describe('GET /admin/api/point-codes', () => {
  it('lists newest first, page by page, each code exactly once', async () => {
    const app = adminApp();
    platform.clock.set('2026-11-24T09:00:00+08:00');
    const older = await createCodes(app, { count: 5 });
    platform.clock.set('2026-11-24T10:00:00+08:00');
    const newer = await createCodes(app, { count: 4 });

    const seen: { code: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const response: request.Response = await request(app)
        .get('/admin/api/point-codes')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(asViewer);
      expect(response.status).toBe(200);
      expect(response.body.codes.length).toBeLessThanOrEqual(3);
      seen.push(...response.body.codes);
      cursor = response.body.nextCursor;
    } while (cursor !== null);

    const codes = seen.map((code) => code.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(expect.arrayContaining([...older, ...newer].map((code) => code.code)));
    const times = seen.map((code) => Date.parse(code.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(codes.slice(0, 4).sort()).toEqual(newer.map((code) => code.code).sort());
  });

  it('answers 400 to a limit out of range or a made-up cursor', async () => {
    const app = adminApp();
    expect((await request(app).get('/admin/api/point-codes?limit=0').set(asAdmin)).status).toBe(400);
    const response = await request(app).get('/admin/api/point-codes?cursor=nonsense').set(asAdmin);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'cursor', message: 'the nextCursor of the previous page' }]);
  });
});

describe('GET /admin/api/point-codes/:code', () => {
  it('finds a code however it is typed, and answers 404 to an unknown one', async () => {
    const app = adminApp();
    const [created] = await createCodes(app, { storeLabel: '台中店' });
    const typed = `${created!.code.slice(0, 4).toLowerCase()}-${created!.code.slice(4)}`;
    const found = await request(app).get(`/admin/api/point-codes/${typed}`).set(asViewer);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ code: created!.code, storeLabel: '台中店', uses: 0 });
    const unknown = await request(app).get('/admin/api/point-codes/ZZZZZZZZZ').set(asViewer);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'point_code_not_found', message: expect.stringContaining('ZZZZZZZZZ') } });
  });

  it('draws the QR code as a PNG and as an SVG', async () => {
    const app = adminApp({ LINE_BASIC_ID: '@abc1234' });
    const [created] = await createCodes(app);
    const png = await request(app)
      .get(`/admin/api/point-codes/${created!.code}/qr.png`)
      .set(asViewer)
      .responseType('blob');
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const svg = await request(app).get(`/admin/api/point-codes/${created!.code}/qr.svg`).set(asViewer).responseType('blob');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect((svg.body as Buffer).toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<path[^>]*d="M/s);

    expect((await request(app).get('/admin/api/point-codes/ZZZZZZZZZ/qr.png').set(asViewer)).status).toBe(404);
  });
});
