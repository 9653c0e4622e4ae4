import { Schema, type Connection } from 'mongoose';

export type JobRunState = 'running' | 'succeeded' | 'failed' | 'leaseHeld';

/** One "run now" of a job started in the background: what the console polls. */
export interface JobRun<Result = unknown> {
  runId: string;
  job: string;
  dryRun: boolean;
  state: JobRunState;
  processed: number;
  /** Null until the run has counted what it goes through. */
  total: number | null;
  startedAt: Date;
  /** The last write of this record; a running run's progress writes move it on. */
  updatedAt: Date;
  finishedAt: Date | null;
  /** The run's summary, once it succeeded. */
  result: Result | null;
  /** Why a failed or leaseHeld run did not finish. */
  error: { code: string; message: string } | null;
}

interface JobRunDocument extends Omit<JobRun, 'runId'> {
  _id: string;
}

const jobRunSchema = new Schema<JobRunDocument>(
  {
    _id: String,
    job: { type: String, required: true },
    dryRun: { type: Boolean, required: true },
    state: { type: String, required: true },
    processed: { type: Number, required: true },
    total: { type: Number, default: null },
    startedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    result: { type: Schema.Types.Mixed, default: null },
    error: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'job_runs', versionKey: false, minimize: false },
);

export type JobRunEnding<Result> =
  | { state: 'succeeded'; result: Result }
  | { state: 'failed' | 'leaseHeld'; error: { code: string; message: string } };

/**
 * Background job runs, one document each, read by `_id` only. Every update is guarded by
 * `state: 'running'`, so a late progress write never reopens a finished run.
 */
export function createJobRunRepository(connection: Connection) {
  const JobRuns = connection.model<JobRunDocument>('JobRun', jobRunSchema);
  return {
    model: JobRuns,

    async start(run: { runId: string; job: string; dryRun: boolean }, now: Date): Promise<void> {
      await JobRuns.create({
        _id: run.runId,
        job: run.job,
        dryRun: run.dryRun,
        state: 'running',
        processed: 0,
        total: null,
        startedAt: now,
        updatedAt: now,
        finishedAt: null,
        result: null,
        error: null,
      });
    },

    async recordProgress(runId: string, progress: { processed: number; total: number }, now: Date): Promise<void> {
      await JobRuns.updateOne({ _id: runId, state: 'running' }, { $set: { processed: progress.processed, total: progress.total, updatedAt: now } });
    },

    async touch(runId: string, now: Date): Promise<void> {
      await JobRuns.updateOne({ _id: runId, state: 'running' }, { $set: { updatedAt: now } });
    },

    async finish<Result>(runId: string, ending: JobRunEnding<Result>, progress: { processed: number; total: number } | null, now: Date): Promise<void> {
      await JobRuns.updateOne(
        { _id: runId, state: 'running' },
        { $set: { ...ending, ...(progress ?? {}), updatedAt: now, finishedAt: now } },
      );
    },

    async find<Result>(runId: string): Promise<JobRun<Result> | null> {
      const doc = await JobRuns.findById(runId).lean<JobRunDocument>();
      if (doc === null) return null;
      const { _id, ...run } = doc;
      return { runId: _id, ...run, result: (run.result ?? null) as Result | null, error: run.error ?? null };
    },
  };
}

export type JobRunRepository = ReturnType<typeof createJobRunRepository>;
