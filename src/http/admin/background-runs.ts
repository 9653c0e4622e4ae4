import type { Response } from 'express';
import { z } from 'zod';
import { stoppedBecause, type BackgroundRecalculation, type BackgroundStart, type RunFailure, type TierRecalculationRequest } from '../../loyalty/tiers/background-recalculation';
import type { RecalculationOptions, RecalculationProgress, RecalculationRun } from '../../loyalty/tiers/recalculate-tiers';
import type { Clock } from '../../shared/clock';
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
 * How a "run now" is audited, as the principal of the request that started it: `action` with the run when it
 * succeeds; `<action>.failed` with the error and how far it got when it fails, since a real run that stops part
 * way has moved some members.
 */
export interface RunAudit {
  repository: AuditRepository;
  clock: Clock;
  action: string;
  resource: string;
  after(run: RecalculationRun): unknown;
}

/** The audit entry of a run that ended with `run`: a synchronous caller records it with what it answers. */
export function succeededEntry(audit: RunAudit, run: RecalculationRun): AuditedChange {
  return { action: audit.action, resource: audit.resource, after: audit.after(run), at: audit.clock.now().toJSDate() };
}

function failedEntry(audit: RunAudit, failure: RunFailure): AuditedChange {
  return { action: `${audit.action}.failed`, resource: audit.resource, after: { error: failure.message, progress: failure.progress }, at: audit.clock.now().toJSDate() };
}

/**
 * Starts the recalculation in the background and answers 202 with where to follow it (409 while another run
 * holds the lease). The audit entry is written when the run ends.
 */
export async function answerBackgroundStart(res: Response, runs: BackgroundRecalculation, request: TierRecalculationRequest, audit: RunAudit): Promise<void> {
  const start = await startAudited(res, runs, request, audit);
  if (start.kind === 'leaseHeld') throw jobRunning(start);
  res.status(202).json(runStarted(start.runId));
}

export function startAudited(res: Response, runs: BackgroundRecalculation, request: TierRecalculationRequest, audit: RunAudit): Promise<BackgroundStart> {
  const auditWhenDone = auditLater(audit.repository, res);
  return runs.start(
    request,
    (run) => auditWhenDone(succeededEntry(audit, run)),
    (failure) => auditWhenDone(failedEntry(audit, failure)),
  );
}

/**
 * A synchronous "run now": a run that throws is audited as failed, with how far it got, before the error answers
 * the request (the caller audits a success itself, with what it answers: succeededEntry).
 */
export async function runAuditingFailure<Result>(
  res: Response,
  audit: RunAudit,
  run: (reporting: Pick<RecalculationOptions, 'onStarted' | 'onProgress'>) => Promise<Result>,
): Promise<Result> {
  let progress: RecalculationProgress | null = null;
  const keep = (latest: RecalculationProgress) => {
    progress = latest;
  };
  try {
    return await run({ onStarted: keep, onProgress: keep });
  } catch (error) {
    // The run's own error is what the request answers; an audit log that cannot be written either says no more.
    await auditLater(audit.repository, res)(failedEntry(audit, { message: stoppedBecause(error), progress })).catch(() => undefined);
    throw error;
  }
}
