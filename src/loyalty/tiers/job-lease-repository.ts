import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';

interface JobLeaseDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

const jobLeaseSchema = new Schema<JobLeaseDocument>(
  { _id: String, owner: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'job_leases', versionKey: false },
);

export type LeaseResult = { kind: 'acquired' } | { kind: 'held'; owner: string; expiresAt: Date };

/**
 * Lease locks for jobs that must run on one server at a time. A lease is a document per job;
 * taking it is one guarded upsert: the filter matches only an expired lease or our own, so when
 * another owner holds a live lease the upsert tries to insert a second `_id` and fails with
 * E11000. A crashed holder stops renewing and its lease expires.
 */
export function createJobLeaseRepository(connection: Connection) {
  const Leases = connection.model<JobLeaseDocument>('JobLease', jobLeaseSchema);
  return {
    model: Leases,

    async acquire(id: string, owner: string, now: Date, ttlMs: number): Promise<LeaseResult> {
      try {
        await Leases.updateOne(
          { _id: id, $or: [{ expiresAt: { $lte: now } }, { owner }] },
          { $set: { owner, expiresAt: new Date(now.getTime() + ttlMs) } },
          { upsert: true },
        );
        return { kind: 'acquired' };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const holder = await Leases.findById(id).lean();
        return { kind: 'held', owner: holder?.owner ?? 'unknown', expiresAt: holder?.expiresAt ?? now };
      }
    },

    /** False when the lease expired and another owner took it: the caller must stop writing. */
    async renew(id: string, owner: string, now: Date, ttlMs: number): Promise<boolean> {
      const result = await Leases.updateOne({ _id: id, owner }, { $set: { expiresAt: new Date(now.getTime() + ttlMs) } });
      return result.matchedCount === 1;
    },

    async release(id: string, owner: string): Promise<void> {
      await Leases.deleteOne({ _id: id, owner });
    },
  };
}

export type JobLeaseRepository = ReturnType<typeof createJobLeaseRepository>;
