import { Router } from 'express';
import { z } from 'zod';
import type { LeaderboardSnapshot } from '../../loyalty/leaderboard/leaderboard';
import type { RecalculationResult } from '../../loyalty/tiers/recalculate-tiers';
import { tierRulesSchema, type TierRules } from '../../loyalty/tiers/tier-rules';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AuditRepository } from './audit-repository';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const tierRecalculationRequest = z
  .strictObject({
    dryRun: z.boolean().default(false),
    /** A draft rule set to try before publishing it; only with dryRun. */
    rules: tierRulesSchema.optional(),
  })
  .refine((body) => body.rules === undefined || body.dryRun, {
    message: 'draft rules can only be dry-run: send dryRun: true, or publish them with PUT /admin/api/tier-rules',
    path: ['rules'],
  });

const emptyRequest = z.strictObject({});
export const jobOperations: AdminOperation[] = [
  {
    method: 'post',
    path: '/tier-recalculation',
    summary: 'Runs the tier recalculation now (dryRun: only report; rules: try a draft)',
    body: tierRecalculationRequest,
    response: ok('The run: members scanned, moved up and down'),
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
  recalculateTiers(options: { dryRun: boolean; rules?: TierRules }): Promise<RecalculationResult>;
  snapshotLeaderboard(): Promise<LeaderboardSnapshot>;
  audit: AuditRepository;
  clock: Clock;
}): Router {
  const router = Router();

  router.post('/tier-recalculation', async (req, res) => {
    const body = parseInput(tierRecalculationRequest, req.body);
    const result = await deps.recalculateTiers({ dryRun: body.dryRun, ...(body.rules ? { rules: body.rules } : {}) });
    if (result.kind === 'leaseHeld') {
      throw new HttpError(
        409,
        'job_running',
        `A tier recalculation is running on ${result.owner} (lease until ${result.expiresAt.toISOString()}); try again after it finishes`,
      );
    }
    const { kind: _, ...run } = result;
    await recordAudit(deps.audit, res, {
      action: body.dryRun ? 'jobs.tierRecalculation.dryRun' : 'jobs.tierRecalculation',
      resource: 'job:tier-recalculation',
      after: run,
      at: deps.clock.now().toJSDate(),
    });
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
