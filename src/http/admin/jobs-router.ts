import { Router } from 'express';
import { z } from 'zod';
import type { LeaderboardSnapshot } from '../../loyalty/leaderboard/leaderboard';
import type { RecalculationResult } from '../../loyalty/tiers/recalculate-tiers';
import { tierRulesSchema, type TierRules } from '../../loyalty/tiers/tier-rules';
import { HttpError } from '../error-handler';
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

/** `POST /admin/api/jobs/<job>`: runs a scheduled job now, the same use case the scheduler runs. */
export function createJobsRouter(deps: {
  recalculateTiers(options: { dryRun: boolean; rules?: TierRules }): Promise<RecalculationResult>;
  snapshotLeaderboard(): Promise<LeaderboardSnapshot>;
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
    res.json(run);
  });

  /** Ranks this month's leaderboard now instead of at the next LEADERBOARD_SNAPSHOT_CRON run. */
  router.post('/leaderboard-snapshot', async (req, res) => {
    parseInput(emptyRequest, req.body ?? {});
    const snapshot = await deps.snapshotLeaderboard();
    res.json({
      month: snapshot.month,
      takenAt: snapshot.takenAt.toISOString(),
      ranked: snapshot.ranked,
      distinctScores: snapshot.histogram.length,
      top: snapshot.top,
    });
  });

  return router;
}
