import request from 'supertest';
import { defaultTierRules } from '../../src/loyalty/tiers/tier-rules';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const platinum = {
  ...defaultTierRules,
  tiers: [
    ...defaultTierRules.tiers,
    { id: 'platinum', name: { 'zh-TW': '白金會員', en: 'Platinum' }, entryThreshold: 5000, retainThreshold: 4000 },
  ],
  basis: 'calendarYear',
};

describe('GET|PUT /admin/api/tier-rules', () => {
  it('answers the shipped defaults until rules are published', async () => {
    const response = await request(platform.app).get('/admin/api/tier-rules').set(as('viewer'));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(defaultTierRules);
  });

  it('answers 400 with the path of each broken rule', async () => {
    const broken = structuredClone(defaultTierRules);
    broken.tiers[1]!.retainThreshold = 900;
    broken.tiers[2]!.id = 'silver';
    const response = await request(platform.app).put('/admin/api/tier-rules').set(as('marketer')).send(broken);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tiers.1.retainThreshold' }),
        expect.objectContaining({ path: 'tiers.2.id' }),
      ]),
    );
  });

  it('lets a marketer publish rules, and the card tiers follow', async () => {
    const response = await request(platform.app).put('/admin/api/tier-rules').set(as('marketer')).send(platinum);
    expect(response.status).toBe(200);
    expect(response.body.recalculation).toMatch(/next tier recalculation/);
    expect((await request(platform.app).get('/admin/api/tier-rules').set(as('viewer'))).body).toEqual(platinum);
    expect((await platform.repositories.tiers.all()).map((tier) => [tier.id, tier.threshold, tier.order])).toEqual([
      ['member', 0, 0],
      ['silver', 500, 1],
      ['gold', 2000, 2],
      ['platinum', 5000, 3],
    ]);
  });

  it('does not let a viewer publish', async () => {
    expect((await request(platform.app).put('/admin/api/tier-rules').set(as('viewer')).send(platinum)).status).toBe(403);
    expect((await request(platform.app).get('/admin/api/tier-rules')).status).toBe(401);
  });
});

describe('POST /admin/api/jobs/tier-recalculation', () => {
  it('dry-runs draft rules and answers the counts', async () => {
    const response = await request(platform.app)
      .post('/admin/api/jobs/tier-recalculation')
      .set(as('admin'))
      .send({ dryRun: true, rules: { ...defaultTierRules, downgrade: { mode: 'never', graceDays: 0 } } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dryRun: true, upgrades: 0, downgrades: 0, unchanged: 0, samples: {} });
    expect(typeof response.body.durationMs).toBe('number');
  });

  it('runs the job for real', async () => {
    const response = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({});
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dryRun: false, resumed: false, upgrades: 0, downgrades: 0 });
  });

  it('answers 409 while another server holds the lease', async () => {
    await platform.repositories.jobLeases.acquire('lease:tier-recalculation', 'other-server', platform.clock.now().toJSDate(), 60_000);
    const response = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({});
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('job_running');
    await platform.repositories.jobLeases.release('lease:tier-recalculation', 'other-server');
  });

  it('answers 400 for draft rules without dryRun, or broken draft rules', async () => {
    const live = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ rules: defaultTierRules });
    expect(live.status).toBe(400);
    expect(live.body.error.details).toEqual([expect.objectContaining({ path: 'rules' })]);
    const broken = await request(platform.app)
      .post('/admin/api/jobs/tier-recalculation')
      .set(as('admin'))
      .send({ dryRun: true, rules: { ...defaultTierRules, basis: 'weekly' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.details).toEqual([expect.objectContaining({ path: 'rules.basis' })]);
  });

  it('is staff-only: a marketer or viewer gets 403', async () => {
    expect((await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('marketer')).send({ dryRun: true })).status).toBe(403);
    expect((await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('viewer')).send({ dryRun: true })).status).toBe(403);
  });
});
