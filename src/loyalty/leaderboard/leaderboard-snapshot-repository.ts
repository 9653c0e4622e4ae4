import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import type { LeaderboardSnapshot } from './leaderboard';

/** One document per loyalty month (`_id` yyyy-MM), replaced by each newer snapshot. */
interface SnapshotDocument {
  _id: string;
  takenAt: Date;
  ranked: number;
  top: { rank: number; memberId: string; earned: number; shownName: string | null }[];
  histogram: { earned: number; members: number }[];
}

const snapshotSchema = new Schema<SnapshotDocument>(
  {
    _id: String,
    takenAt: Date,
    ranked: Number,
    top: [{ _id: false, rank: Number, memberId: String, earned: Number, shownName: { type: String, default: null } }],
    histogram: [{ _id: false, earned: Number, members: Number }],
  },
  { collection: 'leaderboard_snapshots', versionKey: false },
);

export function createLeaderboardSnapshotRepository(connection: Connection) {
  const Snapshots = connection.model<SnapshotDocument>('LeaderboardSnapshot', snapshotSchema);

  return {
    model: Snapshots,

    async find(month: string): Promise<LeaderboardSnapshot | null> {
      const doc = await Snapshots.findById(month).lean();
      return doc ? toSnapshot(doc) : null;
    },

    /**
     * Stores the snapshot unless a newer one of the month is there already: two runs that
     * overlap (two servers, a manual run during a scheduled one) leave the later one.
     */
    async save(snapshot: LeaderboardSnapshot): Promise<boolean> {
      const { month, ...fields } = snapshot;
      try {
        const result = await Snapshots.updateOne({ _id: month, takenAt: { $lte: snapshot.takenAt } }, { $set: fields }, { upsert: true });
        return result.matchedCount + result.upsertedCount === 1;
      } catch (error) {
        // The filter missed because a newer snapshot is stored, so the upsert tried to insert its _id again.
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },
  };
}

export type LeaderboardSnapshotRepository = ReturnType<typeof createLeaderboardSnapshotRepository>;

function toSnapshot(doc: SnapshotDocument): LeaderboardSnapshot {
  return {
    month: doc._id,
    takenAt: doc.takenAt,
    ranked: doc.ranked ?? 0,
    top: (doc.top ?? []).map((row) => ({ rank: row.rank, memberId: row.memberId as MemberId, earned: row.earned, shownName: row.shownName ?? null })),
    histogram: (doc.histogram ?? []).map((score) => ({ earned: score.earned, members: score.members })),
  };
}
