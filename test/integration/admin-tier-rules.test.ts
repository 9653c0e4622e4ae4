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
    { id: 'platinum', name: { 'zh-TW': '白金會員', en: 'Platinum' }, entryThreshold: 5000, retainThreshold: 4000, earnMultiplier: 2 },
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
    expect(response.body.recalculation).toEqual({ when: 'nextRun', note: expect.stringMatching(/next nightly/) });
    const [entry] = (await platform.repositories.audit.list({ limit: 1 }));
    expect(entry).toMatchObject({ action: 'tierRules.publish', role: 'marketer', after: platinum });
    expect((await request(platform.app).get('/admin/api/tier-rules').set(as('viewer'))).body).toEqual(platinum);
    expect((await platform.repositories.tiers.all()).map((tier) => [tier.id, tier.threshold, tier.order])).toEqual([
      ['member', 0, 0],
      ['silver', 500, 1],
      ['gold', 2000, 2],
      ['platinum', 5000, 3],
    ]);
  });

  it('reads rules stored before multipliers existed as ×1', async () => {
    const { earnMultiplier: _, ...withoutMultiplier } = platinum.tiers[3]!;
    await platform.repositories.tierRules.publish({ ...platinum, tiers: [...platinum.tiers.slice(0, 3), withoutMultiplier] } as never, new Date());
    expect((await platform.repositories.tierRules.current()).tiers[3]!.earnMultiplier).toBe(1);
    await platform.repositories.tierRules.publish(platinum as never, new Date());
  });

  it('refuses multipliers below 1 or with more than two decimals', async () => {
    const broken = structuredClone(platinum);
    broken.tiers[1]!.earnMultiplier = 0.5;
    broken.tiers[2]!.earnMultiplier = 1.255;
    const response = await request(platform.app).put('/admin/api/tier-rules').set(as('marketer')).send(broken);
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(['tiers.1.earnMultiplier', 'tiers.2.earnMultiplier']);
  });

  it('answers 409 when a reward is on offer from a tier the rules remove', async () => {
    await request(platform.app)
      .post('/admin/api/rewards')
      .set(as('marketer'))
      .send({ id: 'platinum-lounge', name: { 'zh-TW': '白金休息室', en: 'Platinum lounge' }, cost: 100, minimumTier: 'platinum' })
      .expect(201);
    const response = await request(platform.app).put('/admin/api/tier-rules').set(as('marketer')).send(defaultTierRules);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'tier_in_use', details: [{ path: 'rewards.platinum-lounge.minimumTier' }] });
    await request(platform.app).patch('/admin/api/rewards/platinum-lounge').set(as('marketer')).send({ active: false }).expect(200);
  });

  it('moves members at once when the publisher chooses recalculate=now', async () => {
    const memberId = 'm_tier_rules_now';
    await platform.repositories.members.create({
      id: memberId as never, signupKey: 'web:tier-rules-now', name: 'Now', mobile: '0912345678', birthday: null, locale: 'en',
      tier: 'member', consents: [], identities: [], createdAt: new Date(),
    } as never);
    await platform.repositories.members.model.updateOne({ _id: memberId }, { $set: { [`earnedByMonth.${platform.clock.now().setZone('Asia/Taipei').toFormat('yyyy-MM')}`]: 600 } });
    const response = await request(platform.app).put('/admin/api/tier-rules?recalculate=now').set(as('marketer')).send(platinum);
    expect(response.status).toBe(200);
    expect(response.body.recalculation).toMatchObject({ when: 'now', status: 'completed', run: { upgrades: 1 } });
    expect((await platform.repositories.members.findById(memberId as never))!.tier).toBe('silver');
    expect((await request(platform.app).put('/admin/api/tier-rules?recalculate=sometime').set(as('marketer')).send(platinum)).status).toBe(400);
  });

  it('lets a marketer dry-run draft rules without moving anyone', async () => {
    const response = await request(platform.app)
      .post('/admin/api/tier-rules/dry-run')
      .set(as('marketer'))
      .send({ rules: { ...platinum, tiers: platinum.tiers.map((tier) => ({ ...tier, entryThreshold: tier.entryThreshold / 5, retainThreshold: tier.retainThreshold / 5 })) } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dryRun: true, upgrades: 1, samples: { 'silver→gold': ['m_tier_rules_now'] } });
    expect((await platform.repositories.members.findById('m_tier_rules_now' as never))!.tier).toBe('silver');
    expect((await request(platform.app).post('/admin/api/tier-rules/dry-run').set(as('viewer')).send({})).status).toBe(403);
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
    expect(response.body).toMatchObject({ dryRun: true, upgrades: 0, downgrades: 0, unchanged: 1, samples: {} });
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
