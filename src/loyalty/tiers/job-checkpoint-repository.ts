import { Schema, type Connection } from 'mongoose';

export interface JobCheckpoint<Progress> {
  runId: string;
  /** The last member id the run finished; a resumed run continues after it. */
  lastMemberId: string | null;
  progress: Progress;
  startedAt: Date;
}

interface JobCheckpointDocument {
  _id: string;
  runId: string;
  lastMemberId: string | null;
  progress: unknown;
  startedAt: Date;
  updatedAt: Date;
}

const jobCheckpointSchema = new Schema<JobCheckpointDocument>(
  { _id: String, runId: String, lastMemberId: { type: String, default: null }, progress: Schema.Types.Mixed, startedAt: Date, updatedAt: Date },
  { collection: 'job_checkpoints', versionKey: false, minimize: false },
);

/** Where an unfinished batch job stopped: one document per job, removed when a run completes. */
export function createJobCheckpointRepository(connection: Connection) {
  const Checkpoints = connection.model<JobCheckpointDocument>('JobCheckpoint', jobCheckpointSchema);
  return {
    model: Checkpoints,

    async find<Progress>(job: string): Promise<JobCheckpoint<Progress> | null> {
      const doc = await Checkpoints.findById(job).lean();
      if (doc === null) return null;
      return { runId: doc.runId, lastMemberId: doc.lastMemberId ?? null, progress: doc.progress as Progress, startedAt: doc.startedAt };
    },

    async save<Progress>(job: string, checkpoint: JobCheckpoint<Progress>, now: Date): Promise<void> {
      await Checkpoints.updateOne({ _id: job }, { $set: { ...checkpoint, updatedAt: now } }, { upsert: true });
    },

    async remove(job: string, runId: string): Promise<void> {
      await Checkpoints.deleteOne({ _id: job, runId });
    },
  };
}

export type JobCheckpointRepository = ReturnType<typeof createJobCheckpointRepository>;
