import type { Response } from 'express';
import { z } from 'zod';
import type { BackgroundRecalculation, TierRecalculationRequest } from '../../loyalty/tiers/background-recalculation';
import type { RecalculationRun } from '../../loyalty/tiers/recalculate-tiers';
import { HttpError } from '../error-handler';
import type { OperationResponse } from './admin-operations';
import type { AuditRepository } from './audit-repository';
import { auditLater, type AuditedChange } from './audit';

/** `202 { runId, statusUrl }`: the answer of every "run now" called with background. */
export const runStartedSchema = z.object({ runId: z.string(), statusUrl: z.string() });

export function runStarted(runId: string): z.infer<typeof runStartedSchema> {
  return { runId, statusUrl: `/admin/api/jobs/runs/${runId}` };
}

/** What a "run now" with background answers besides its synchronous answer, for the OpenAPI document. */
export const backgroundRunResponses: OperationResponse[] = [
  { status: 202, description: 'With background: the run has started; follow it at statusUrl', schema: runStartedSchema },
  { status: 409, description: 'job_running: another run holds the tier job\'s lease' },
];

export function jobRunning(lease: { owner: string; expiresAt: Date }): HttpError {
  return new HttpError(
    409,
    'job_running',
    `A tier recalculation is running on ${lease.owner} (lease until ${lease.expiresAt.toISOString()}); try again after it finishes`,
  );
}

/**
 * Starts the recalculation in the background and answers 202 with where to follow it (409 while another run
 * holds the lease). The audit entry is written when the run succeeds, as the principal of this request.
 */
export async function answerBackgroundStart(
  res: Response,
  runs: BackgroundRecalculation,
  request: TierRecalculationRequest,
  audit: { repository: AuditRepository; entry: (run: RecalculationRun) => AuditedChange },
): Promise<void> {
  const auditWhenDone = auditLater(audit.repository, res);
  const start = await runs.start(request, (run) => auditWhenDone(audit.entry(run)));
  if (start.kind === 'leaseHeld') throw jobRunning(start);
  res.status(202).json(runStarted(start.runId));
}
