import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';
import type { Broadcast, BroadcastStatus, RecipientResult, RecipientStatus } from './broadcast';

interface BroadcastDocument extends Omit<Broadcast, 'id'> {
  _id: string;
}

interface RecipientDocument extends Omit<RecipientResult, 'memberId'> {
  /** `<broadcastId>:<memberId>`: written before the message goes out, so a member is messaged at most once. */
  _id: string;
  memberId: string;
}

const broadcastSchema = new Schema<BroadcastDocument>(
  {
    _id: String,
    name: String,
    segmentId: String,
    message: Schema.Types.Mixed,
    scheduledAt: { type: Date, default: null },
    status: String,
    recipients: { type: Number, default: null },
    createdAt: Date,
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    lease: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'broadcasts', versionKey: false, minimize: false },
);

const recipientSchema = new Schema<RecipientDocument>(
  { _id: String, memberId: String, status: String, channel: { type: String, default: null }, reason: { type: String, default: null }, at: Date },
  { collection: 'broadcast_recipients', versionKey: false },
);

export type RecipientCounts = Record<RecipientStatus, number>;

// Recipient ids share the `<broadcastId>:` prefix; `;` sorts right after `:`, so this _id range is one broadcast's.
const recipientRange = (broadcastId: string) => ({ $gte: `${broadcastId}:`, $lt: `${broadcastId};` });

export function createBroadcastRepository(connection: Connection) {
  const Broadcasts = connection.model<BroadcastDocument>('Broadcast', broadcastSchema);
  const Recipients = connection.model<RecipientDocument>('BroadcastRecipient', recipientSchema);
  const toBroadcast = ({ _id, ...broadcast }: BroadcastDocument): Broadcast => ({ id: _id, ...broadcast, lease: broadcast.lease ?? null });

  return {
    models: [Broadcasts, Recipients],

    async create(broadcast: Broadcast): Promise<void> {
      const { id, ...fields } = broadcast;
      await Broadcasts.create({ _id: id, ...fields });
    },

    async find(id: string): Promise<Broadcast | null> {
      const doc = await Broadcasts.findById(id).lean<BroadcastDocument>();
      return doc ? toBroadcast(doc) : null;
    },

    async list(limit: number): Promise<Broadcast[]> {
      const docs = await Broadcasts.find().sort({ createdAt: -1 }).limit(limit).lean<BroadcastDocument[]>();
      return docs.map(toBroadcast);
    },

    /** Moves a broadcast from one of `from` to `to`; false if it was in none of them (someone else moved it). */
    async transition(id: string, from: BroadcastStatus[], to: BroadcastStatus, set: Partial<Omit<Broadcast, 'id' | 'status'>> = {}): Promise<boolean> {
      const result = await Broadcasts.updateOne({ _id: id, status: { $in: from } }, { $set: { status: to, ...set } });
      return result.modifiedCount === 1;
    },

    /** Broadcasts a run should pick up: scheduled and due, or sending under a lease that ran out (a crashed run). */
    async due(now: Date): Promise<string[]> {
      const docs = await Broadcasts.find(
        { $or: [{ status: 'scheduled', scheduledAt: { $lte: now } }, { status: 'sending', 'lease.until': { $lt: now } }] },
        { _id: 1 },
      ).lean();
      return docs.map((doc) => doc._id);
    },

    /** Takes the run lease atomically: only one process sends a broadcast at a time. */
    async claimRun(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
      const result = await Broadcasts.updateOne(
        { _id: id, $or: [{ status: 'scheduled', scheduledAt: { $lte: now } }, { status: 'sending', 'lease.until': { $lt: now } }] },
        { $set: { status: 'sending', lease: { owner, until } } },
      );
      return result.modifiedCount === 1;
    },

    async renewLease(id: string, owner: string, until: Date): Promise<boolean> {
      const result = await Broadcasts.updateOne({ _id: id, status: 'sending', 'lease.owner': owner }, { $set: { 'lease.until': until } });
      return result.matchedCount === 1;
    },

    async finishRun(id: string, owner: string, status: 'sent' | 'stoppedQuota', finishedAt: Date): Promise<boolean> {
      const result = await Broadcasts.updateOne(
        { _id: id, status: 'sending', 'lease.owner': owner },
        { $set: { status, finishedAt, lease: null } },
      );
      return result.modifiedCount === 1;
    },

    /** Claims one member for one broadcast; false if a run (this one, or a crashed one) claimed them before. */
    async claimRecipient(broadcastId: string, memberId: string, at: Date): Promise<boolean> {
      try {
        await Recipients.create({ _id: `${broadcastId}:${memberId}`, memberId, status: 'claimed', channel: null, reason: null, at });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },

    async settleRecipient(broadcastId: string, result: RecipientResult): Promise<void> {
      const { memberId, ...fields } = result;
      await Recipients.updateOne({ _id: `${broadcastId}:${memberId}`, status: 'claimed' }, { $set: fields });
    },

    /** Gives a claim back when nothing was sent (the quota ran out first), so a later run can reach the member. */
    async releaseRecipient(broadcastId: string, memberId: string): Promise<void> {
      await Recipients.deleteOne({ _id: `${broadcastId}:${memberId}`, status: 'claimed' });
    },

    async counts(broadcastId: string): Promise<RecipientCounts> {
      const rows = await Recipients.aggregate<{ _id: RecipientStatus; count: number }>([
        { $match: { _id: recipientRange(broadcastId) } },
        { $group: { _id: '$status', count: { $sum: 1 } } },
      ]);
      const counts: RecipientCounts = { claimed: 0, sent: 0, skipped: 0, failed: 0 };
      for (const row of rows) counts[row._id] = row.count;
      return counts;
    },

    /** One page of per-recipient results, by member id; `after` is the last member id of the previous page. */
    async results(broadcastId: string, query: { limit: number; after?: string; status?: RecipientStatus }): Promise<RecipientResult[]> {
      const range = recipientRange(broadcastId);
      const filter: Record<string, unknown> = {
        _id: query.after !== undefined ? { $gt: `${broadcastId}:${query.after}`, $lt: range.$lt } : range,
        ...(query.status ? { status: query.status } : {}),
      };
      const docs = await Recipients.find(filter).sort({ _id: 1 }).limit(query.limit).lean<RecipientDocument[]>();
      return docs.map(({ _id, ...result }) => ({ ...result, channel: result.channel ?? null, reason: result.reason ?? null }));
    },
  };
}

export type BroadcastRepository = ReturnType<typeof createBroadcastRepository>;
