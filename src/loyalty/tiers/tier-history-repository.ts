import { Schema, type Connection } from 'mongoose';
import type { MemberId } from '../../shared/ids';
import type { TierReason } from './tier-policy';

export interface TierChange {
  runId: string;
  memberId: MemberId;
  from: string;
  to: string;
  reason: TierReason;
  qualifyingPoints: number;
  at: Date;
}

interface TierHistoryDocument extends Omit<TierChange, 'memberId'> {
  /** `<runId>:<memberId>`: one change per member per run, so a resumed run never records twice. */
  _id: string;
  memberId: string;
}

const tierHistorySchema = new Schema<TierHistoryDocument>(
  { _id: String, runId: String, memberId: String, from: String, to: String, reason: String, qualifyingPoints: Number, at: Date },
  { collection: 'tier_history', versionKey: false },
);
tierHistorySchema.index({ memberId: 1, at: -1 });
// The dashboard's days read the changes since a day (real MongoDB; the embedded server scans).
tierHistorySchema.index({ at: 1 });

export function createTierHistoryRepository(connection: Connection) {
  const History = connection.model<TierHistoryDocument>('TierHistory', tierHistorySchema);
  const idOf = (runId: string, memberId: string) => `${runId}:${memberId}`;
  return {
    model: History,

    /** Records changes; ones this run recorded before (a resumed batch) are left as they are. */
    async record(changes: TierChange[]): Promise<void> {
      if (changes.length === 0) return;
      // The driver's collection: the changes are already typed, so mongoose's casting and
      // document building per entry is only cost (a night moves tens of thousands of members).
      await connection
        .collection<TierHistoryDocument>('tier_history')
        .insertMany(
          changes.map((change) => ({ _id: idOf(change.runId, change.memberId), ...change })),
          { ordered: false },
        )
        .catch((error: { writeErrors?: { code?: number }[]; code?: number }) => {
          const errors = error.writeErrors ?? [error];
          if (!errors.every((writeError) => writeError.code === 11000)) throw error;
        });
    },

    /** The changes this run already recorded for these members, by member id. */
    async recordedIn(runId: string, memberIds: string[]): Promise<Map<string, TierChange>> {
      const docs = await History.find({ _id: { $in: memberIds.map((id) => idOf(runId, id)) } }).lean();
      return new Map(docs.map(({ _id, ...change }) => [change.memberId, { ...change, memberId: change.memberId as MemberId }]));
    },

    async ofMember(memberId: string): Promise<TierChange[]> {
      const docs = await History.find({ memberId }).sort({ at: -1 }).lean();
      return docs.map(({ _id, ...change }) => ({ ...change, memberId: change.memberId as MemberId }));
    },

    /** The changes of one run, for the notices sent after it. */
    async *streamRun(runId: string): AsyncGenerator<TierChange> {
      const cursor = History.find({ runId }).sort({ _id: 1 }).lean().cursor();
      for await (const { _id, ...change } of cursor) yield { ...change, memberId: change.memberId as MemberId };
    },

    /** A member's tier changes, newest first; `cursor` is the previous page's `nextCursor`. */
    async pageOfMember(memberId: string, options: { limit: number; cursor?: string }): Promise<{ changes: TierChange[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = { memberId };
      const position = options.cursor === undefined ? null : /^(\d{1,15})\.(.{1,200})$/.exec(Buffer.from(options.cursor, 'base64url').toString());
      if (position) {
        const at = new Date(Number(position[1]));
        filter.$or = [{ at: { $lt: at } }, { at, _id: { $lt: position[2] } }];
      }
      const docs = await History.find(filter).sort({ at: -1, _id: -1 }).limit(options.limit + 1).lean();
      const page = docs.slice(0, options.limit);
      const last = page.at(-1);
      return {
        changes: page.map(({ _id, ...change }) => ({ ...change, memberId: change.memberId as MemberId })),
        nextCursor: docs.length > options.limit && last ? Buffer.from(`${last.at.getTime()}.${last._id}`).toString('base64url') : null,
      };
    },

    async countOfRun(runId: string): Promise<number> {
      return History.countDocuments({ runId });
    },

    async count(): Promise<number> {
      return History.countDocuments();
    },
  };
}

export type TierHistoryRepository = ReturnType<typeof createTierHistoryRepository>;
