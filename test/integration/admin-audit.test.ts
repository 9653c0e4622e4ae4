import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { programmeRulesFrom } from '../../src/loyalty/programme';
import { redeemReward } from '../../src/loyalty/rewards/redeem-reward';
import { newMemberId, type MemberId } from '../../src/shared/ids';
import type { OpenApiDocument } from '../../src/http/admin/openapi';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';
import { aNewMember } from '../support/builders';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const principalOf = (role: keyof typeof testAdminTokens) =>
  `${role}:${createHash('sha256').update(testAdminTokens[role]).digest('hex').slice(0, 8)}`;
const unique = () => Math.random().toString(36).slice(2, 10);

async function memberWith(points: number): Promise<MemberId> {
  const id = newMemberId();
  const now = platform.clock.now();
  await platform.repositories.members.create(aNewMember({ id, createdAt: now.toJSDate() }));
  await platform.repositories.ledger.earn({ key: `seed:${id}`, memberId: id, points, reason: 'adjustment', now, expiresAt: null });
  return id;
}

async function aReward(): Promise<string> {
  const response = await request(platform.app)
    .post('/admin/api/rewards')
    .set(as('admin'))
    .send({ id: `reward-${unique()}`, name: { 'zh-TW': '咖啡', en: 'Coffee' }, cost: 10, stock: 5 });
  return response.body.id;
}

async function aRedemption(): Promise<string> {
  const outcome = await redeemReward(
    { ...platform.repositories, rules: programmeRulesFrom(platform.config) },
    { memberId: await memberWith(100), rewardId: (await aReward()) as never, flowRunId: `run-${unique()}`, locale: 'en', now: platform.clock.now() },
  );
  if (outcome.kind !== 'redeemed') throw new Error(`expected redeemed, got ${outcome.kind}`);
  return outcome.redemption.id;
}

async function aMission(): Promise<string> {
  const id = `mission-${unique()}`;
  await request(platform.app)
    .post('/admin/api/missions')
    .set(as('admin'))
    .send({
      id,
      name: { 'zh-TW': '十二月', en: 'December' },
      startsAt: '2026-12-01T00:00:00+08:00',
      endsAt: '2027-01-01T00:00:00+08:00',
      goal: { kind: 'checkIns', target: 5 },
      rewardPoints: 50,
    });
  return id;
}

const helpFlowDraft = `id: help
version: 1
trigger:
  intents: [help]
  keywords:
    zh-TW: [說明, 幫助, 選單, 功能]
    en: [help, menu, hi, hello]
start: show-help
steps:
  show-help:
    kind: end
    template: help.menu
`;

/** The draft/publish/rollback/reset cycle of one flow or template resource, each step a write of its own. */
function contentWrites(kind: 'flow' | 'template', id: string, draft: object): typeof writes {
  const plural = `${kind}s`;
  const base = `/admin/api/${plural}/${id}`;
  const resource = new RegExp(`^${kind}:${id}$`);
  const saveDraft = () => request(platform.app).put(base).set(as('admin')).send(draft).expect(200);
  return {
    [`put /admin/api/${plural}/{id}`]: async () => ({ url: base, body: draft, resource, action: `${plural}.saveDraft` }),
    [`delete /admin/api/${plural}/{id}/draft`]: async () => {
      await saveDraft();
      return { url: `${base}/draft`, resource, action: `${plural}.discardDraft` };
    },
    [`post /admin/api/${plural}/{id}/publish`]: async () => {
      await saveDraft();
      return { url: `${base}/publish`, resource, action: `${plural}.publish` };
    },
    [`post /admin/api/${plural}/{id}/rollback`]: async () => {
      const versions = (await request(platform.app).get(`${base}/versions`).set(as('admin'))).body.versions as { version: number }[];
      return { url: `${base}/rollback`, body: { version: versions.at(-1)!.version }, resource, action: `${plural}.rollback` };
    },
    [`post /admin/api/${plural}/{id}/reset`]: async () => ({ url: `${base}/reset`, resource, action: `${plural}.reset` }),
  };
}

/** A successful call of each write operation, and the resource its audit entry names. */
const writes: Record<string, () => Promise<{ url: string; body?: object; resource: RegExp; action: string }>> = {
  'post /admin/api/members': async () => {
    const externalId = `crm-${unique()}`;
    return { url: '/admin/api/members', body: { externalId, displayName: 'Bo', phone: '0911222333', openingPoints: 20 }, resource: /^member:m_/, action: 'members.import' };
  },
  'post /admin/api/members/{id}/adjustments': async () => {
    const id = await memberWith(50);
    return {
      url: `/admin/api/members/${id}/adjustments`,
      body: { points: -20, reason: 'Wrong receipt', idempotencyKey: `adj-${unique()}` },
      resource: new RegExp(`^member:${id}$`),
      action: 'members.adjust',
    };
  },
  'put /admin/api/members/{id}/marketing': async () => {
    const id = await memberWith(0);
    return {
      url: `/admin/api/members/${id}/marketing`,
      body: { status: 'withdrawn', reason: 'Phoned the store' },
      resource: new RegExp(`^member:${id}$`),
      action: 'members.recordMarketingChoice',
    };
  },
  'post /admin/api/point-codes': async () => ({
    url: '/admin/api/point-codes',
    body: { points: 10, maxUses: 5, expiresAt: '2027-01-01T00:00:00+08:00' },
    resource: /^pointCode:/,
    action: 'pointCodes.create',
  }),
  'post /admin/api/rewards': async () => ({
    url: '/admin/api/rewards',
    body: { id: `reward-${unique()}`, name: { 'zh-TW': '茶', en: 'Tea' }, cost: 30 },
    resource: /^reward:reward-/,
    action: 'rewards.create',
  }),
  'patch /admin/api/rewards/{id}': async () => {
    const id = await aReward();
    return { url: `/admin/api/rewards/${id}`, body: { cost: 20 }, resource: new RegExp(`^reward:${id}$`), action: 'rewards.update' };
  },
  'post /admin/api/rewards/{id}/codes': async () => {
    const id = await aReward();
    return { url: `/admin/api/rewards/${id}/codes`, body: { codes: ['AAA-1', 'AAA-2'] }, resource: new RegExp(`^reward:${id}$`), action: 'rewards.uploadCodes' };
  },
  'post /admin/api/missions': async () => ({
    url: '/admin/api/missions',
    body: {
      id: `mission-${unique()}`,
      name: { 'zh-TW': '一月', en: 'January' },
      startsAt: '2027-01-01T00:00:00+08:00',
      endsAt: '2027-02-01T00:00:00+08:00',
      goal: { kind: 'checkIns', target: 3 },
      rewardPoints: 30,
    },
    resource: /^mission:mission-/,
    action: 'missions.create',
  }),
  'patch /admin/api/missions/{id}': async () => {
    const id = await aMission();
    return { url: `/admin/api/missions/${id}`, body: { rewardPoints: 80 }, resource: new RegExp(`^mission:${id}$`), action: 'missions.update' };
  },
  'post /admin/api/redemptions/{id}/fulfil': async () => {
    const id = await aRedemption();
    return { url: `/admin/api/redemptions/${id}/fulfil`, resource: new RegExp(`^redemption:${id}$`), action: 'redemptions.fulfil' };
  },
  'post /admin/api/redemptions/{id}/cancel': async () => {
    const id = await aRedemption();
    return { url: `/admin/api/redemptions/${id}/cancel`, resource: new RegExp(`^redemption:${id}$`), action: 'redemptions.cancel' };
  },
  'put /admin/api/tier-rules': async () => {
    const rules = (await request(platform.app).get('/admin/api/tier-rules').set(as('admin'))).body;
    return { url: '/admin/api/tier-rules', body: rules, resource: /^tierRules$/, action: 'tierRules.publish' };
  },
  'post /admin/api/tier-rules/dry-run': async () => ({ url: '/admin/api/tier-rules/dry-run', body: {}, resource: /^tierRules$/, action: 'tierRules.dryRun' }),
  'post /admin/api/jobs/leaderboard-snapshot': async () => ({
    url: '/admin/api/jobs/leaderboard-snapshot',
    resource: /^job:leaderboard-snapshot$/,
    action: 'jobs.leaderboardSnapshot',
  }),
  'delete /admin/api/members/{id}': async () => {
    const id = await memberWith(10);
    return { url: `/admin/api/members/${id}`, resource: new RegExp(`^member:${id}$`), action: 'members.erase' };
  },
  'post /admin/api/segments': async () => ({ url: '/admin/api/segments', body: { name: `Gold ${unique()}`, definition: { tiers: ['gold'] } }, resource: /^segment:seg_/, action: 'segments.create' }),
  'patch /admin/api/segments/{id}': async () => {
    const id = await aSegment();
    return { url: `/admin/api/segments/${id}`, body: { name: `Silver ${unique()}` }, resource: new RegExp(`^segment:${id}$`), action: 'segments.update' };
  },
  'delete /admin/api/segments/{id}': async () => {
    const id = await aSegment();
    return { url: `/admin/api/segments/${id}`, resource: new RegExp(`^segment:${id}$`), action: 'segments.delete' };
  },
  'post /admin/api/purchases': async () => {
    const memberId = await memberWith(0);
    return {
      url: '/admin/api/purchases',
      body: { memberId, amount: 350, occurredAt: platform.clock.now().toISO(), idempotencyKey: `purchase-${unique()}` },
      resource: new RegExp(`^member:${memberId}$`),
      action: 'purchases.record',
    };
  },
  'post /admin/api/broadcasts': async () => ({ url: '/admin/api/broadcasts', body: { segmentId: await aSegment(), message: { en: 'Hello' } }, resource: /^broadcast:bc_/, action: 'broadcasts.create' }),
  'post /admin/api/broadcasts/{id}/send': async () => {
    const id = await aBroadcast();
    return { url: `/admin/api/broadcasts/${id}/send`, resource: new RegExp(`^broadcast:${id}$`), action: 'broadcasts.send' };
  },
  'post /admin/api/broadcasts/{id}/cancel': async () => {
    const id = await aBroadcast();
    return { url: `/admin/api/broadcasts/${id}/cancel`, resource: new RegExp(`^broadcast:${id}$`), action: 'broadcasts.cancel' };
  },
  'put /admin/api/programme': async () => ({ url: '/admin/api/programme', body: { checkInPoints: 12 }, resource: /^programme$/, action: 'programme.update' }),
  'post /admin/api/programme/reset': async () => ({ url: '/admin/api/programme/reset', resource: /^programme$/, action: 'programme.reset' }),
  ...contentWrites('flow', 'help', { content: helpFlowDraft }),
  ...contentWrites('template', 'checkin', { content: { en: `${readFileSync('templates/en/checkin.yaml', 'utf8')}\n# edited in the console\n` } }),
  'post /admin/api/jobs/tier-recalculation': async () => ({
    url: '/admin/api/jobs/tier-recalculation',
    body: { dryRun: false },
    resource: /^job:tier-recalculation$/,
    action: 'jobs.tierRecalculation',
  }),
};

async function aSegment(): Promise<string> {
  const response = await request(platform.app).post('/admin/api/segments').set(as('admin')).send({ name: `Segment ${unique()}`, definition: {} });
  return response.body.id;
}

async function aBroadcast(): Promise<string> {
  const response = await request(platform.app).post('/admin/api/broadcasts').set(as('admin')).send({ segmentId: await aSegment(), message: { en: 'Hi' } });
  return response.body.id;
}

/** Writes that are deliberately not audited, and why. */
const unaudited: Record<string, string> = {
  'post /admin/api/preview/messages': 'a sandbox chat: every message would flood the log, and it changes only the sandbox member',
  'post /admin/api/segments/preview': 'computes a size and a sample, changes nothing',
  'post /admin/api/preview/reset': 'audited, but covered in admin-flows.test.ts (it needs a sandbox member first)',
};

async function auditCount(): Promise<number> {
  return (await platform.repositories.audit.list({ limit: 100_000 })).length;
}

describe('every admin write is audited', () => {
  it('has a successful call for every write operation in the OpenAPI document', async () => {
    const document: OpenApiDocument = (await request(platform.app).get('/admin/api/openapi.json')).body;
    const documentedWrites = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => method !== 'get')
        .map((method) => `${method} ${path}`),
    );
    expect(documentedWrites.sort()).toEqual([...Object.keys(writes), ...Object.keys(unaudited)].sort());
  });

  it.each(Object.keys(writes))('%s leaves exactly one entry naming the actor, never the token', async (operation) => {
    const method = operation.split(' ')[0] as 'post' | 'put' | 'patch' | 'delete';
    const call = await writes[operation]!();
    const before = await auditCount();

    const response = await request(platform.app)[method](call.url).set(as('admin')).send(call.body ?? {});

    expect(response.status).toBeLessThan(300);
    expect(await auditCount()).toBe(before + 1);
    const [entry] = await platform.repositories.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ actor: principalOf('admin'), role: 'admin', action: call.action, resource: expect.stringMatching(call.resource) });
    // A deletion keeps what was deleted; everything else keeps what it became.
    expect(method === 'delete' ? (entry!.before ?? entry!.after) : entry!.after).toBeDefined();
    expect(JSON.stringify(entry)).not.toContain(testAdminTokens.admin);
  });

  it('keeps the reward before and after an update', async () => {
    const id = await aReward();
    await request(platform.app).patch(`/admin/api/rewards/${id}`).set(as('marketer')).send({ cost: 25 }).expect(200);
    const [entry] = await platform.repositories.audit.list({ limit: 1, resource: `reward:${id}`, action: 'rewards.update' });
    expect(entry).toMatchObject({ actor: principalOf('marketer'), before: { id, cost: 10 }, after: { id, cost: 25 } });
  });

  it('keeps the ledger entry of an adjustment', async () => {
    const id = await memberWith(40);
    await request(platform.app)
      .post(`/admin/api/members/${id}/adjustments`)
      .set(as('admin'))
      .send({ points: 15, reason: 'Goodwill', idempotencyKey: `adj-${unique()}` })
      .expect(201);
    const [entry] = await platform.repositories.audit.list({ limit: 1, resource: `member:${id}` });
    expect(entry).toMatchObject({ before: { balance: 40 }, after: { balance: 55, entry: { points: 15, memberId: id, note: 'Goodwill' } } });
  });

  it('keeps the old and the new tier rules', async () => {
    const current = (await request(platform.app).get('/admin/api/tier-rules').set(as('admin'))).body;
    const changed = structuredClone(current);
    changed.tiers[1].entryThreshold = current.tiers[1].entryThreshold + 1;
    await request(platform.app).put('/admin/api/tier-rules').set(as('admin')).send(changed).expect(200);
    const [entry] = await platform.repositories.audit.list({ limit: 1, action: 'tierRules.publish' });
    expect((entry!.before as typeof current).tiers[1].entryThreshold).toBe(current.tiers[1].entryThreshold);
    expect((entry!.after as typeof current).tiers[1].entryThreshold).toBe(current.tiers[1].entryThreshold + 1);
  });
});

describe('GET /admin/api/audit', () => {
  it('pages newest first and filters by resource and action', async () => {
    const id = await aReward();
    for (const cost of [11, 12, 13]) await request(platform.app).patch(`/admin/api/rewards/${id}`).set(as('admin')).send({ cost }).expect(200);

    const first = await request(platform.app).get('/admin/api/audit').query({ resource: `reward:${id}`, action: 'rewards.update', limit: 2 }).set(as('viewer'));
    expect(first.status).toBe(200);
    expect(first.body.entries.map((entry: { after: { cost: number } }) => entry.after.cost)).toEqual([13, 12]);
    expect(first.body.nextCursor).toEqual(first.body.entries[1].id);

    const second = await request(platform.app)
      .get('/admin/api/audit')
      .query({ resource: `reward:${id}`, action: 'rewards.update', limit: 2, cursor: first.body.nextCursor })
      .set(as('viewer'));
    expect(second.body.entries.map((entry: { after: { cost: number } }) => entry.after.cost)).toEqual([11]);
    expect(second.body.nextCursor).toBeNull();

    const viaBefore = await request(platform.app)
      .get('/admin/api/audit')
      .query({ resource: `reward:${id}`, limit: 5, before: first.body.nextCursor })
      .set(as('viewer'));
    expect(viaBefore.body.entries.map((entry: { action: string }) => entry.action)).toEqual(['rewards.update', 'rewards.create']);
  });

  it('refuses a cursor that is not an audit entry id', async () => {
    const response = await request(platform.app).get('/admin/api/audit').query({ cursor: 'zzz' }).set(as('admin'));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });
});
