import type { Express } from 'express';
import request from 'supertest';
import type { OpenApiDocument } from '../../src/http/admin/openapi';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let document: OpenApiDocument;

beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false' });
  document = (await request(platform.app).get('/admin/api/openapi.json')).body;
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** `get /admin/api/rewards/{id}` for every route the app really mounted under /admin/api. */
function mountedAdminRoutes(app: Express): string[] {
  const appStack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
  const admin = appStack.find((layer) => layer.rawPath === '/admin/api' && layer.handle.stack !== undefined);
  if (!admin?.handle.stack) throw new Error('/admin/api is not mounted');
  const found: string[] = [];
  const add = (route: { path: string; methods: Record<string, boolean> }, prefix: string) => {
    const path = `/admin/api${prefix}${route.path === '/' && prefix !== '' ? '' : route.path}`.replace(/:(\w+)/g, '{$1}');
    for (const method of Object.keys(route.methods)) found.push(`${method} ${path}`);
  };
  for (const layer of admin.handle.stack) {
    if (layer.route) add(layer.route, '');
    for (const inner of layer.handle.stack ?? []) if (inner.route) add(inner.route, layer.rawPath ?? '');
  }
  return found.sort();
}

function documentedOperations(): { key: string; method: (typeof methods)[number]; path: string; roles: string[] }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methods
      .filter((method) => method in item)
      .map((method) => ({ key: `${method} ${path}`, method, path, roles: (item[method] as { 'x-admin-roles': string[] })['x-admin-roles'] })),
  );
}

describe('GET /admin/api/openapi.json', () => {
  it('is readable without a token and is OpenAPI 3.1', async () => {
    const response = await request(platform.app).get('/admin/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.components.securitySchemes.bearerToken).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('documents every mounted admin route, and only those', () => {
    // The document describes itself nowhere: it is the one route outside the operation lists.
    const mounted = mountedAdminRoutes(platform.app).filter((route) => route !== 'get /admin/api/openapi.json');
    const documented = documentedOperations().map((operation) => operation.key).sort();
    expect(mounted.length).toBeGreaterThan(20);
    expect(documented).toEqual(mounted);
  });

  it('takes its request schemas from the zod schemas the routes validate with', () => {
    const createReward = document.paths['/admin/api/rewards']!.post as { requestBody: { content: Record<string, { schema: any }> } };
    const schema = createReward.requestBody.content['application/json']!.schema;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'cost']));
    expect(schema.properties.cost).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schema.additionalProperties).toBe(false);

    const search = document.paths['/admin/api/members']!.get as { parameters: { name: string; in: string; required: boolean }[] };
    expect(search.parameters.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(['q', 'limit', 'cursor', 'channel', 'channelUserId']),
    );
    const ledger = document.paths['/admin/api/members/{id}/ledger']!.get as { parameters: { name: string; in: string; required: boolean }[] };
    expect(ledger.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true }), expect.objectContaining({ name: 'limit', in: 'query', required: false })]),
    );
  });

  it('documents the 202 and 409 of a background "run now", and the 404 of a path whose id is in its mount', () => {
    const responsesOf = (path: string, method: string) =>
      Object.keys((document.paths[path]![method] as { responses: Record<string, unknown> }).responses).sort();
    expect(responsesOf('/admin/api/jobs/tier-recalculation', 'post')).toEqual(['200', '202', '400', '401', '403', '409']);
    expect(responsesOf('/admin/api/tier-rules/dry-run', 'post')).toEqual(['200', '202', '400', '401', '403', '409']);
    expect(responsesOf('/admin/api/tier-rules', 'put')).toEqual(['200', '202', '400', '401', '403']);
    expect(responsesOf('/admin/api/members/{id}/marketing', 'put')).toEqual(['200', '400', '401', '403', '404']);
  });

  it('documents one page shape for every list: { <items>: [...], nextCursor }', () => {
    const lists = documentedOperations().filter(
      (operation) => operation.method === 'get' && (document.paths[operation.path]!.get as { parameters: { name: string }[] }).parameters.some((parameter) => parameter.name === 'cursor'),
    );
    expect(lists.map((list) => list.path)).toEqual(
      expect.arrayContaining([
        '/admin/api/members',
        '/admin/api/members/{id}/ledger',
        '/admin/api/members/{id}/tier-history',
        '/admin/api/rewards',
        '/admin/api/point-codes',
        '/admin/api/redemptions',
        '/admin/api/missions',
        '/admin/api/audit',
      ]),
    );
    for (const list of lists) {
      const schema = (document.paths[list.path]!.get as { responses: Record<string, { content: Record<string, { schema: any }> }> }).responses['200']!
        .content['application/json']!.schema;
      expect(schema.properties.nextCursor).toEqual({ type: ['string', 'null'] });
      const items = Object.keys(schema.properties).filter((name) => name !== 'nextCursor');
      expect(items).toHaveLength(1);
      expect(schema.properties[items[0]!].type).toBe('array');
    }
  });
});

describe('admin API: who may do what, for every documented operation', () => {
  const sampleParams: Record<string, string> = { id: 'sample1', code: 'SAMPLE1' };
  const urlOf = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => (path.startsWith('/admin/api/members/') ? 'm_AAAAAAAAAAAAAAAA' : sampleParams[name]!));

  it.each(['admin', 'marketer', 'viewer'] as const)('answers the %s role by the documented roles', async (role) => {
    const operations = documentedOperations();
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) {
      // An empty body: the allowed calls stop at validation or a 404, the denied ones at 403.
      const response = await request(platform.app)[operation.method](urlOf(operation.path)).set(as(role)).send({});
      const allowed = operation.roles.includes(role);
      expect({ operation: operation.key, role, denied: response.status === 403 }).toEqual({ operation: operation.key, role, denied: !allowed });
      expect(response.status).not.toBe(401);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('documents the roles the access rules apply', () => {
    const roles = Object.fromEntries(documentedOperations().map((operation) => [operation.key, operation.roles]));
    expect(roles['get /admin/api/members']).toEqual(['admin', 'marketer', 'viewer']);
    expect(roles['post /admin/api/members/{id}/adjustments']).toEqual(['admin']);
    // Marketers may record a member's objection to promotions (restoring them is the admin's: the route checks the body).
    expect(roles['put /admin/api/members/{id}/marketing']).toEqual(['admin', 'marketer']);
    expect(roles['post /admin/api/rewards']).toEqual(['admin', 'marketer']);
  });

  it('answers 401 to every operation without a token', async () => {
    for (const operation of documentedOperations()) {
      const response = await request(platform.app)[operation.method](urlOf(operation.path)).send({});
      expect({ operation: operation.key, status: response.status }).toEqual({ operation: operation.key, status: 401 });
    }
  });
});

describe('admin API: requests it cannot understand', () => {
  it('answers an unknown /admin/api path with 404 JSON', async () => {
    const response = await request(platform.app).get('/admin/api/no-such-thing').set(as('admin'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it('answers malformed JSON with 400 JSON', async () => {
    const response = await request(platform.app)
      .post('/admin/api/rewards')
      .set(as('admin'))
      .set('content-type', 'application/json')
      .send('{"cost": 100,');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });
});

describe('admin API: operator injection is inert', () => {
  it.each([
    ['a $-key at the top', { $where: 'sleep(1000)', cost: 100 }],
    ['a $-key inside', { name: { en: { $ne: null } }, cost: 100 }],
    ['a $-key inside an array', { members: [{ externalId: 'x', $set: { points: 1 } }] }],
  ])('refuses a body with %s', async (_, body) => {
    const response = await request(platform.app).post('/admin/api/rewards').set(as('admin')).send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.message).toMatch(/database operators/);
  });

  it.each([
    '/admin/api/members?channel=line&channelUserId[$ne]=x',
    '/admin/api/members?$where=1',
    '/admin/api/audit?resource[$regex]=.*',
  ])('refuses %s', async (url) => {
    const response = await request(platform.app).get(url).set(as('admin'));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });

  it('types query values, so a look-up never matches anyone it was not asked for', async () => {
    const response = await request(platform.app).get('/admin/api/members').query({ channel: 'line', channelUserId: '{"$ne":"x"}' }).set(as('admin'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('member_not_found');
  });
});
