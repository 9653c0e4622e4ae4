import { Router } from 'express';
import { z } from 'zod';
import type { LeaderboardSnapshot } from '../../loyalty/leaderboard/leaderboard';
import type { BackgroundRecalculation, BackgroundRecalculationDeps } from '../../loyalty/tiers/background-recalculation';
import { tierRulesSchema } from '../../loyalty/tiers/tier-rules';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AuditRepository } from './audit-repository';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { answerBackgroundStart, backgroundRunResponses, jobRunning, runAuditingFailure, succeededEntry, type RunAudit } from './background-runs';
import { parseInput } from './validation';

const tierRecalculationRequest = z
  .strictObject({
    dryRun: z.boolean().default(false),
    /** A draft rule set to try before publishing it; only with dryRun. */
    rules: tierRulesSchema.optional(),
    /** Answer 202 { runId, statusUrl } once the run has started, instead of holding the request open until it ends. */
    background: z.boolean().default(false),
  })
  .refine((body) => body.rules === undefined || body.dryRun, {
    message: 'draft rules can only be dry-run: send dryRun: true, or publish them with PUT /admin/api/tier-rules',
    path: ['rules'],
  });

const emptyRequest = z.strictObject({});
const runIdParam = z.strictObject({ runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a job run id such as jr_Xy1…, from the statusUrl a background start answered') });

/** `GET /admin/api/jobs/runs/:runId`: a job run started with `background: true`. */
export const jobRunSchema = z.object({
  runId: z.string(),
  job: z.string(),
  dryRun: z.boolean(),
  /** `leaseHeld`: another server was running the job, so this one did not start. */
  state: z.enum(['running', 'succeeded', 'failed', 'leaseHeld']),
  processed: z.number().int(),
  /** Null until the run has counted its members. */
  total: z.number().int().nullable(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  /** What the synchronous call answers; its own `runId` names the run in tier history. */
  result: z.looseObject({}).nullable(),
  /** `job_failed` (the message says why), `job_running` (leaseHeld), `run_lost` (no progress for 5 minutes: its server stopped). */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const jobOperations: AdminOperation[] = [
  {
    method: 'post',
    path: '/tier-recalculation',
    summary: 'Runs the tier recalculation now (dryRun: only report; rules: try a draft; background: answer 202 { runId, statusUrl } at once)',
    body: tierRecalculationRequest,
    response: ok('The run: members scanned, moved up and down'),
    alsoAnswers: backgroundRunResponses,
  },
  {
    method: 'get',
    path: '/runs/:runId',
    summary: 'A job run started with background: state, processed of total, and the result or the error',
    params: runIdParam,
    response: ok('The run', jobRunSchema),
  },
  {
    method: 'post',
    path: '/leaderboard-snapshot',
    summary: "Ranks this month's leaderboard now",
    body: emptyRequest,
    response: ok('The snapshot: month, takenAt, ranked, distinctScores, top'),
  },
];

/** `POST /admin/api/jobs/<job>`: runs a scheduled job now, the same use case the scheduler runs. */
export function createJobsRouter(deps: {
  recalculateTiers: BackgroundRecalculationDeps['recalculate'];
  backgroundRecalculation: BackgroundRecalculation;
  snapshotLeaderboard(): Promise<LeaderboardSnapshot>;
  audit: AuditRepository;
  clock: Clock;
}): Router {
  const router = Router();

  router.post('/tier-recalculation', async (req, res) => {
    const body = parseInput(tierRecalculationRequest, req.body);
    const request = { dryRun: body.dryRun, ...(body.rules ? { rules: body.rules } : {}) };
    const audit: RunAudit = {
      repository: deps.audit,
      clock: deps.clock,
      action: body.dryRun ? 'jobs.tierRecalculation.dryRun' : 'jobs.tierRecalculation',
      resource: 'job:tier-recalculation',
      after: (run) => run,
    };
    if (body.background) {
      await answerBackgroundStart(res, deps.backgroundRecalculation, request, audit);
      return;
    }
    const result = await runAuditingFailure(res, audit, (reporting) => deps.recalculateTiers({ ...request, ...reporting }));
    if (result.kind === 'leaseHeld') throw jobRunning(result);
    const { kind: _, ...run } = result;
    await recordAudit(deps.audit, res, succeededEntry(audit, run));
    res.json(run);
  });

  router.get('/runs/:runId', async (req, res) => {
    const { runId } = parseInput(runIdParam, req.params);
    const run = await deps.backgroundRecalculation.find(runId);
    if (run === null) {
      throw new HttpError(404, 'job_run_not_found', `No job run ${runId}; a "run now" with background: true answers the statusUrl of its run`);
    }
    res.json(run);
  });

  /** Ranks this month's leaderboard now instead of at the next LEADERBOARD_SNAPSHOT_CRON run. */
  router.post('/leaderboard-snapshot', async (req, res) => {
    parseInput(emptyRequest, req.body ?? {});
    const snapshot = await deps.snapshotLeaderboard();
    const answer = {
      month: snapshot.month,
      takenAt: snapshot.takenAt.toISOString(),
      ranked: snapshot.ranked,
      distinctScores: snapshot.histogram.length,
      top: snapshot.top,
    };
    await recordAudit(deps.audit, res, { action: 'jobs.leaderboardSnapshot', resource: 'job:leaderboard-snapshot', after: { month: answer.month, ranked: answer.ranked }, at: deps.clock.now().toJSDate() });
    res.json(answer);
  });

  return router;
}
