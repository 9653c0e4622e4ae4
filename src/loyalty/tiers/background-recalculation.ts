import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { JobRun, JobRunEnding, JobRunRepository } from './job-run-repository';
import {
  tierRecalculationJob,
  type RecalculationOptions,
  type RecalculationProgress,
  type RecalculationResult,
  type RecalculationRun,
} from './recalculate-tiers';
import type { TierRules } from './tier-rules';

export interface TierRecalculationRequest {
  dryRun: boolean;
  /** A draft rule set; only with dryRun. */
  rules?: TierRules;
}

export interface BackgroundRecalculationDeps {
  jobRuns: JobRunRepository;
  /** The recalculation the scheduler runs (platform.jobs.recalculateTiers), told where to report. */
  recalculate(options: TierRecalculationRequest & Pick<RecalculationOptions, 'onStarted' | 'onProgress'>): Promise<RecalculationResult>;
  clock: Clock;
  logger: Logger;
  /** Batches finish every few milliseconds at scale: their progress reaches the record at most this often, plus the last. */
  progressWriteIntervalMs?: number;
  /**
   * While the run is in flight its record is touched this often, batches or not: after the last batch the run
   * still sends the moved members' notices, which can take minutes, and a record that stops moving reads as lost.
   */
  heartbeatMs?: number;
}

/** What a run that threw says it ended with, in its record and in the audit log. */
export function stoppedBecause(error: unknown): string {
  return `The run stopped: ${error instanceof Error ? error.message : String(error)}`;
}

/** How a run that stopped with an error ended: the error, and its last recorded progress (null before it counted its members). */
export interface RunFailure {
  message: string;
  progress: RecalculationProgress | null;
}

export type BackgroundStart = { kind: 'started'; runId: string } | { kind: 'leaseHeld'; owner: string; expiresAt: Date };

export interface BackgroundRecalculation {
  /**
   * Starts a recalculation that goes on after the caller answers. Resolves once the run holds the
   * lease and has counted its members, or has already ended: with the lease held elsewhere, or
   * failed (then the record says so). `whenSucceeded` runs before the record turns `succeeded`,
   * so whoever sees that state finds what it wrote (the audit entry); should it fail, the run is
   * still recorded as succeeded, and the failure logged. `whenFailed` likewise runs before the record
   * turns `failed`, with what the run had processed when it stopped.
   */
  start(
    request: TierRecalculationRequest,
    whenSucceeded?: (run: RecalculationRun) => Promise<void>,
    whenFailed?: (failure: RunFailure) => Promise<void>,
  ): Promise<BackgroundStart>;
  /** The run's record as any server reads it; null for an unknown id. */
  find(runId: string): Promise<JobRun<RecalculationRun> | null>;
  /**
   * Shutdown: waits up to `timeoutMs` for the runs this server started to end and record how, so that a
   * deploy does not leave them to read as lost with the lease held. Answers how many were still running.
   */
  drain(timeoutMs: number): Promise<{ stillRunning: number }>;
}

/**
 * A run still `running` whose record has not moved for this long lost its server (a crash, a
 * deploy): while it runs, its record is touched every 30 s (heartbeatMs) besides the progress of
 * its batches. Real runs hold a lease of the same length, so by then a new start takes over and
 * resumes from the checkpoint.
 */
export const lostRunAfterMs = 5 * 60_000;

/** "Run now" without holding the request open: the run's state and progress live in `job_runs`. */
export function backgroundRecalculation(deps: BackgroundRecalculationDeps): BackgroundRecalculation {
  const inFlight = new Set<Promise<unknown>>();
  return {
    async start(request, whenSucceeded, whenFailed) {
      const runId = `jr_${randomBytes(9).toString('base64url')}`;
      await deps.jobRuns.start({ runId, job: tierRecalculationJob, dryRun: request.dryRun }, deps.clock.now().toJSDate());
      const progress = progressRecorder(deps, runId);
      const heartbeat = setInterval(() => void progress.touch(), deps.heartbeatMs ?? 30_000);
      heartbeat.unref();
      let markStarted = () => {};
      const started = new Promise<'started'>((resolve) => (markStarted = () => resolve('started')));
      const running = Promise.resolve().then(() =>
        deps.recalculate({
          ...request,
          onStarted: async (counted) => {
            await progress.record(counted, { force: true });
            markStarted();
          },
          onProgress: (done) => progress.record(done),
        }),
      );
      const ended = settle(deps, runId, running, progress, { whenSucceeded, whenFailed }).finally(() => {
        clearInterval(heartbeat);
        inFlight.delete(ended);
      });
      inFlight.add(ended);
      const first = await Promise.race([started, ended]);
      if (first !== 'started' && first.kind === 'leaseHeld') return { kind: 'leaseHeld', owner: first.owner, expiresAt: first.expiresAt };
      return { kind: 'started', runId };
    },

    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.allSettled([...inFlight]), timedOut]);
      clearTimeout(timer);
      return { stillRunning: inFlight.size };
    },

    async find(runId) {
      const run = await deps.jobRuns.find<RecalculationRun>(runId);
      if (run === null || run.state !== 'running') return run;
      if (deps.clock.now().toMillis() - run.updatedAt.getTime() < lostRunAfterMs) return run;
      return {
        ...run,
        state: 'failed',
        error: {
          code: 'run_lost',
          message: `No progress since ${run.updatedAt.toISOString()}: the server running it stopped. Start it again; a real run resumes from its checkpoint.`,
        },
      };
    },
  };
}

interface ProgressRecorder {
  record(progress: RecalculationProgress, options?: { force: boolean }): Promise<void>;
  /** Moves the record's updatedAt on, so that a run busy between batches is not taken for lost. */
  touch(): Promise<void>;
  latest(): RecalculationProgress | null;
}

function progressRecorder(deps: BackgroundRecalculationDeps, runId: string): ProgressRecorder {
  const intervalMs = deps.progressWriteIntervalMs ?? 1000;
  let latest: RecalculationProgress | null = null;
  let writtenAt = Number.NEGATIVE_INFINITY;
  return {
    latest: () => latest,
    async touch() {
      try {
        await deps.jobRuns.touch(runId, deps.clock.now().toJSDate());
      } catch (error) {
        deps.logger.warn({ err: error, runId }, 'could not touch the record of a background tier recalculation');
      }
    },
    async record(progress, options) {
      latest = progress;
      const at = performance.now();
      if (!options?.force && at - writtenAt < intervalMs) return;
      writtenAt = at;
      try {
        await deps.jobRuns.recordProgress(runId, progress, deps.clock.now().toJSDate());
      } catch (error) {
        // A progress bar that lags is no reason to stop moving members; the final write says how it ended.
        deps.logger.warn({ err: error, runId }, 'could not record the progress of a background tier recalculation');
      }
    },
  };
}

type Settled = RecalculationResult | { kind: 'failed' };

/** Waits for the run and writes how it ended; never rejects, so nothing is left unhandled. */
async function settle(
  deps: BackgroundRecalculationDeps,
  runId: string,
  running: Promise<RecalculationResult>,
  progress: ProgressRecorder,
  hooks: { whenSucceeded?: ((run: RecalculationRun) => Promise<void>) | undefined; whenFailed?: ((failure: RunFailure) => Promise<void>) | undefined },
): Promise<Settled> {
  let settled: Settled;
  let ending: JobRunEnding<RecalculationRun>;
  try {
    const result = await running;
    if (result.kind === 'leaseHeld') {
      ending = {
        state: 'leaseHeld',
        error: { code: 'job_running', message: `A tier recalculation is running on ${result.owner} (lease until ${result.expiresAt.toISOString()})` },
      };
    } else {
      const { kind: _, ...run } = result;
      try {
        await hooks.whenSucceeded?.(run);
      } catch (error) {
        // The members have moved: the run succeeded, and its summary must not be lost to a failed audit write.
        deps.logger.error({ err: error, runId }, 'a background tier recalculation succeeded but its audit entry could not be written');
      }
      ending = { state: 'succeeded', result: run };
    }
    settled = result;
  } catch (error) {
    deps.logger.error({ err: error, runId }, 'a background tier recalculation failed');
    ending = { state: 'failed', error: { code: 'job_failed', message: stoppedBecause(error) } };
    settled = { kind: 'failed' };
    try {
      await hooks.whenFailed?.({ message: ending.error.message, progress: progress.latest() });
    } catch (auditError) {
      deps.logger.error({ err: auditError, runId }, 'a background tier recalculation failed and its audit entry could not be written');
    }
  }
  try {
    await deps.jobRuns.finish(runId, ending, progress.latest(), deps.clock.now().toJSDate());
  } catch (error) {
    deps.logger.error({ err: error, runId, state: ending.state }, 'could not record how a background tier recalculation ended');
  }
  return settled;
}
