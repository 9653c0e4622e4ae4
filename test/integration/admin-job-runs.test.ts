import { createHash } from 'node:crypto';
import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createAdminApi } from '../../src/http/admin/admin-api';
import { createJobsRouter, jobOperations } from '../../src/http/admin/jobs-router';
import { createErrorHandler } from '../../src/http/error-handler';
import { backgroundRecalculation, type BackgroundRecalculation, type BackgroundRecalculationDeps } from '../../src/loyalty/tiers/background-recalculation';
import { recalculateTiers } from '../../src/loyalty/tiers/recalculate-tiers';
import { defaultTierRules } from '../../src/loyalty/tiers/tier-rules';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';
import { seedTierMembers } from '../support/tier-members';

const now = '2026-11-23T10:00:00+08:00';
const silent = pino({ level: 'silent' });
let platform: TestPlatform;
beforeEach(async () => {
  platform = await startTestPlatform({ LOYALTY_TIMEZONE: 'Asia/Taipei' }, now);
});
afterEach(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const principalOf = (role: keyof typeof testAdminTokens) =>
  `${role}:${createHash('sha256').update(testAdminTokens[role]).digest('hex').slice(0, 8)}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 200 members in five kinds of 40 (test/support/tier-members.ts): some move up, some down, some stay. */
const seedMembers = async (count = 200): Promise<void> => {
  await seedTierMembers(platform, now, { count, idPrefix: 'run' });
};

interface JobRunBody {
  runId: string;
  state: string;
  processed: number;
  total: number | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  finishedAt: string | null;
}

/** Polls the status URL (as a viewer: any role may read it) until the run ends; every answer seen, in order. */
async function followRun(app: Express, statusUrl: string): Promise<JobRunBody[]> {
  const seen: JobRunBody[] = [];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const response = await request(app).get(statusUrl).set(as('viewer'));
    expect(response.status).toBe(200);
    seen.push(response.body);
    if (response.body.state !== 'running') return seen;
    await pause(5);
  }
  throw new Error(`${statusUrl} was still running after 15 s: ${JSON.stringify(seen.at(-1))}`);
}

/** Another server's admin API on the same database, whose runs go through `runs` (background) and `recalculate` (synchronous). */
function instanceWith(runs: BackgroundRecalculation, recalculate = platform.jobs.recalculateTiers): Express {
  const app = express();
  const tokens = Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token }));
  const jobs = createJobsRouter({
    recalculateTiers: recalculate,
    backgroundRecalculation: runs,
    snapshotLeaderboard: platform.jobs.snapshotLeaderboard,
    audit: platform.repositories.audit,
    clock: platform.clock,
  });
  app.use('/admin/api', createAdminApi(tokens, [{ path: '/jobs', area: 'staff', router: jobs, operations: jobOperations }]));
  app.use(createErrorHandler(silent));
  return app;
}

/** The platform's own recalculation in batches of 20, each taking 30 ms longer: a run long enough to watch. */
function slowRuns(): BackgroundRecalculation {
  return backgroundRecalculation({
    jobRuns: platform.repositories.jobRuns,
    recalculate: (options) =>
      platform.jobs.recalculateTiers({
        ...options,
        batchSize: 20,
        onProgress: async (progress) => {
          await options.onProgress?.(progress);
          await pause(30);
        },
      }),
    clock: platform.clock,
    logger: silent,
    progressWriteIntervalMs: 0,
  });
}

/** The platform's recalculation, held after its last batch until `release()`: a run still in flight with nothing to report. */
function runsHeldAfterTheirLastBatch(options: Pick<BackgroundRecalculationDeps, 'heartbeatMs'> = {}) {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const runs = backgroundRecalculation({
    jobRuns: platform.repositories.jobRuns,
    recalculate: async (recalculation) => {
      const result = await platform.jobs.recalculateTiers(recalculation);
      await held;
      return result;
    },
    clock: platform.clock,
    logger: silent,
    ...options,
  });
  return { runs, release };
}

describe('POST /admin/api/jobs/tier-recalculation with background: true', () => {
  it('answers 202 with a status URL; the run ends with the counts the synchronous run gives, audited as its starter', async () => {
    await seedMembers();
    const synchronous = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ dryRun: true });
    expect(synchronous.status).toBe(200);
    expect(synchronous.body.upgrades).toBeGreaterThan(0);

    const dryRun = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ dryRun: true, background: true });
    expect(dryRun.status).toBe(202);
    expect(dryRun.body).toEqual({ runId: expect.stringMatching(/^jr_/), statusUrl: `/admin/api/jobs/runs/${dryRun.body.runId}` });
    const dryRunEnd = (await followRun(platform.app, dryRun.body.statusUrl)).at(-1)!;
    expect(dryRunEnd).toMatchObject({ runId: dryRun.body.runId, job: 'tier-recalculation', dryRun: true, state: 'succeeded', processed: 200, total: 200, error: null });
    expect(dryRunEnd.result).toEqual({ ...synchronous.body, durationMs: expect.any(Number) });

    const real = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(real.status).toBe(202);
    const realEnd = (await followRun(platform.app, real.body.statusUrl)).at(-1)!;
    expect(realEnd).toMatchObject({ dryRun: false, state: 'succeeded', processed: 200, total: 200, finishedAt: expect.any(String) });
    const { upgrades, downgrades, unchanged, samples } = synchronous.body;
    expect(realEnd.result).toMatchObject({ dryRun: false, resumed: false, upgrades, downgrades, unchanged, samples });
    expect((await platform.repositories.memberTiers.tierOf('run-member-0000'))!.tier).toBe('gold');

    const [entry] = await platform.repositories.audit.list({ limit: 1, action: 'jobs.tierRecalculation' });
    expect(entry).toMatchObject({ actor: principalOf('admin'), role: 'admin', resource: 'job:tier-recalculation', after: realEnd.result });
  });

  it('answers while the run goes on, and its processed count rises to the total', async () => {
    await seedMembers();
    const started = await request(instanceWith(slowRuns())).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(started.status).toBe(202);

    // Read through the platform's own API: any server answers from the database.
    const seen = await followRun(platform.app, started.body.statusUrl);
    expect(seen[0]).toMatchObject({ state: 'running', total: 200 });
    expect(seen[0]!.processed).toBeLessThan(200);
    const processed = seen.map((answer) => answer.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(processed.some((count) => count > 0 && count < 200)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ state: 'succeeded', processed: 200, total: 200, result: { upgrades: 40 } });
  });

  it('answers 409 job_running to a second start while a run holds the lease', async () => {
    await seedMembers();
    const first = await request(instanceWith(slowRuns())).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(first.status).toBe(202);

    const second = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'job_running', message: expect.stringMatching(/try again after it finishes/) });
    expect((await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({})).status).toBe(409);
    expect((await followRun(platform.app, first.body.statusUrl)).at(-1)).toMatchObject({ state: 'succeeded', result: { upgrades: 40 } });
  });

  it('answers 409 job_running while another server holds the lease, and the run is recorded as leaseHeld', async () => {
    await platform.repositories.jobLeases.acquire('lease:tier-recalculation', 'other-server', platform.clock.now().toJSDate(), 60_000);
    const response = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('job_running');
    const [run] = await platform.repositories.jobRuns.model.find({}).lean();
    expect(run).toMatchObject({ state: 'leaseHeld', error: { code: 'job_running' } });
  });

  /** The real job on a database that refuses member updates halfway through the first batch's writes. */
  const refusingMoves: BackgroundRecalculationDeps['recalculate'] = (options) =>
    recalculateTiers(
      { ...platform.repositories, memberTiers: { ...platform.repositories.memberTiers, move: async () => Promise.reject(new Error('the database refused the write')) } },
      { ...options, now: platform.clock.now(), zone: 'Asia/Taipei', leaseClock: () => platform.clock.now().toJSDate() },
    );

  it('ends as failed with the reason when the run throws, audits who started it, and leaves the lease free', async () => {
    await seedMembers();
    const deps: BackgroundRecalculationDeps = { jobRuns: platform.repositories.jobRuns, recalculate: refusingMoves, clock: platform.clock, logger: silent };
    const started = await request(instanceWith(backgroundRecalculation(deps))).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({ background: true });
    expect(started.status).toBe(202);

    const end = (await followRun(platform.app, started.body.statusUrl)).at(-1)!;
    expect(end).toMatchObject({ state: 'failed', result: null, error: { code: 'job_failed', message: 'The run stopped: the database refused the write' }, finishedAt: expect.any(String) });
    expect(await platform.repositories.audit.list({ limit: 1, action: 'jobs.tierRecalculation' })).toEqual([]);
    const [failed] = await platform.repositories.audit.list({ limit: 1, action: 'jobs.tierRecalculation.failed' });
    expect(failed).toMatchObject({
      actor: principalOf('admin'),
      role: 'admin',
      resource: 'job:tier-recalculation',
      after: { error: 'The run stopped: the database refused the write', progress: { processed: expect.any(Number), total: 200 } },
    });
    // The lease is free and the next run finishes the interrupted one from its checkpoint.
    const next = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({});
    expect(next.status).toBe(200);
    expect(next.body).toMatchObject({ resumed: true, upgrades: 40 });
  });

  it('audits a synchronous run that fails as failed, as whoever started it, with how far it got, and answers with the error', async () => {
    await seedMembers(20);
    const deps: BackgroundRecalculationDeps = { jobRuns: platform.repositories.jobRuns, recalculate: refusingMoves, clock: platform.clock, logger: silent };
    const response = await request(instanceWith(backgroundRecalculation(deps), refusingMoves)).post('/admin/api/jobs/tier-recalculation').set(as('admin')).send({});
    expect(response.status).toBe(500);
    const [failed] = await platform.repositories.audit.list({ limit: 1, action: 'jobs.tierRecalculation.failed' });
    expect(failed).toMatchObject({ actor: principalOf('admin'), role: 'admin', resource: 'job:tier-recalculation', after: { error: 'The run stopped: the database refused the write', progress: { processed: expect.any(Number), total: 20 } } });
  });

  it('keeps a run that is busy between batches from reading as lost, and records it succeeded even if its audit entry fails', async () => {
    await seedMembers(20);
    // As the platform's run does after its last batch: minutes of notices, no progress to report.
    const { runs, release: finishNotices } = runsHeldAfterTheirLastBatch({ heartbeatMs: 20 });
    const started = await runs.start({ dryRun: true }, async () => {
      throw new Error('audit store unavailable');
    });
    if (started.kind !== 'started') throw new Error(`expected a start, got ${started.kind}`);

    platform.clock.set('2026-11-23T10:06:00+08:00');
    await pause(100);
    expect(await runs.find(started.runId)).toMatchObject({ state: 'running', total: 20 });

    finishNotices();
    let run = await runs.find(started.runId);
    for (let attempt = 0; run?.state === 'running' && attempt < 100; attempt += 1) {
      await pause(20);
      run = await runs.find(started.runId);
    }
    expect(run).toMatchObject({ state: 'succeeded', error: null, result: expect.objectContaining({ dryRun: true, downgrades: expect.any(Number) }) });
  });

  it('lets shutdown wait for the runs this server started to end and record how', async () => {
    await seedMembers(20);
    const { runs, release } = runsHeldAfterTheirLastBatch();
    const started = await runs.start({ dryRun: true });
    if (started.kind !== 'started') throw new Error(`expected a start, got ${started.kind}`);

    expect(await runs.drain(50)).toEqual({ stillRunning: 1 });
    setTimeout(release, 100);
    expect(await runs.drain(10_000)).toEqual({ stillRunning: 0 });
    expect(await runs.find(started.runId)).toMatchObject({ state: 'succeeded' });
  });

  it('is staff-only, as the synchronous run: a marketer or viewer gets 403', async () => {
    for (const role of ['marketer', 'viewer'] as const) {
      const response = await request(platform.app).post('/admin/api/jobs/tier-recalculation').set(as(role)).send({ dryRun: true, background: true });
      expect(response.status).toBe(403);
    }
    expect(await platform.repositories.jobRuns.model.countDocuments()).toBe(0);
  });
});

describe('GET /admin/api/jobs/runs/:runId', () => {
  it('answers 404 job_run_not_found for an unknown run', async () => {
    const response = await request(platform.app).get('/admin/api/jobs/runs/jr_unknown0000').set(as('admin'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('job_run_not_found');
  });

  it('needs a token', async () => {
    expect((await request(platform.app).get('/admin/api/jobs/runs/jr_unknown0000')).status).toBe(401);
  });

  it('reports a run whose server stopped answering as failed: run_lost', async () => {
    await platform.repositories.jobRuns.start({ runId: 'jr_crashed', job: 'tier-recalculation', dryRun: false }, platform.clock.now().toJSDate());
    expect((await request(platform.app).get('/admin/api/jobs/runs/jr_crashed').set(as('viewer'))).body.state).toBe('running');
    platform.clock.set('2026-11-23T10:06:00+08:00');
    const response = await request(platform.app).get('/admin/api/jobs/runs/jr_crashed').set(as('viewer'));
    expect(response.body).toMatchObject({ state: 'failed', error: { code: 'run_lost' } });
  });
});

describe('POST /admin/api/tier-rules/dry-run with background: true', () => {
  it('lets a marketer dry-run a draft in the background, audited as that marketer; a viewer gets 403', async () => {
    await seedMembers();
    const rules = { ...defaultTierRules, downgrade: { mode: 'never' as const, graceDays: 0 } };
    const started = await request(platform.app).post('/admin/api/tier-rules/dry-run').set(as('marketer')).send({ rules, background: true });
    expect(started.status).toBe(202);
    const end = (await followRun(platform.app, started.body.statusUrl)).at(-1)!;
    expect(end).toMatchObject({ dryRun: true, state: 'succeeded', result: { dryRun: true, upgrades: 40, downgrades: 0, unchanged: 160 } });
    const [entry] = await platform.repositories.audit.list({ limit: 1, action: 'tierRules.dryRun' });
    expect(entry).toMatchObject({ actor: principalOf('marketer'), role: 'marketer', after: { rules, run: end.result } });
    expect((await platform.repositories.memberTiers.tierOf('run-member-0000'))!.tier).toBe('member');

    expect((await request(platform.app).post('/admin/api/tier-rules/dry-run').set(as('viewer')).send({ background: true })).status).toBe(403);
  });
});

describe('PUT /admin/api/tier-rules?recalculate=now&background=true', () => {
  const rules = { ...defaultTierRules, downgrade: { mode: 'never' as const, graceDays: 0 } };

  it('publishes, answers 202 once the recalculation has started, and the run moves the members, audited as the publisher', async () => {
    await seedMembers();
    const response = await request(platform.app).put('/admin/api/tier-rules').query({ recalculate: 'now', background: 'true' }).set(as('marketer')).send(rules);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ ...rules, recalculation: { when: 'now', status: 'started' }, runId: expect.stringMatching(/^jr_/) });
    expect(response.body.statusUrl).toBe(`/admin/api/jobs/runs/${response.body.runId}`);
    const end = (await followRun(platform.app, response.body.statusUrl)).at(-1)!;
    expect(end).toMatchObject({ dryRun: false, state: 'succeeded', result: { upgrades: 40, downgrades: 0 } });
    expect((await platform.repositories.memberTiers.tierOf('run-member-0000'))!.tier).toBe('gold');
    const [recalculation] = await platform.repositories.audit.list({ limit: 1, action: 'tierRules.recalculation' });
    expect(recalculation).toMatchObject({ actor: principalOf('marketer'), role: 'marketer', resource: 'tierRules', after: end.result });
    expect(await platform.repositories.tierRules.current()).toMatchObject({ downgrade: { mode: 'never' } });
  });

  it('says a recalculation is already running when another server holds the lease, as without background', async () => {
    await platform.repositories.jobLeases.acquire('lease:tier-recalculation', 'other-server', platform.clock.now().toJSDate(), 60_000);
    const response = await request(platform.app).put('/admin/api/tier-rules').query({ recalculate: 'now', background: 'true' }).set(as('marketer')).send(rules);
    expect(response.status).toBe(200);
    expect(response.body.recalculation).toMatchObject({ when: 'now', status: 'alreadyRunning' });
  });

  it('refuses background without recalculate=now, and lets no viewer publish', async () => {
    const nextRun = await request(platform.app).put('/admin/api/tier-rules').query({ background: 'true' }).set(as('marketer')).send(rules);
    expect(nextRun.status).toBe(400);
    expect(nextRun.body.error.details).toEqual([expect.objectContaining({ path: 'background' })]);
    const viewer = await request(platform.app).put('/admin/api/tier-rules').query({ recalculate: 'now', background: 'true' }).set(as('viewer')).send(rules);
    expect(viewer.status).toBe(403);
  });
});
