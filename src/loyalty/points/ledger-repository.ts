import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import type { LedgerEntry, RecordResult } from './ledger';

interface LedgerDocument extends Omit<LedgerEntry, 'key' | 'memberId'> {
  _id: string;
  memberId: string;
}

const ledgerSchema = new Schema<LedgerDocument>(
  {
    _id: String,
    memberId: { type: String, required: true },
    kind: String,
    points: Number,
    reason: String,
    note: { type: String, default: null },
    createdAt: Date,
    expiresAt: { type: Date, default: null },
    remaining: Number,
    applied: Boolean,
    effects: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'ledger', versionKey: false },
);
ledgerSchema.index({ memberId: 1, createdAt: -1 });
ledgerSchema.index({ applied: 1, createdAt: 1 });

/**
 * The write protocol (docs/ledger.md): 1. insert the entry, unapplied, under its unique key —
 * a duplicate key means the change already happened; 2. apply it to the member with a guarded
 * atomic update that also records the key; 3. mark the entry applied. A crash between the steps
 * leaves an unapplied entry that `applyPending` finishes; step 2 is a no-op the second time.
 */
export function createLedgerRepository(connection: Connection, members: MemberRepository) {
  const Ledger = connection.model<LedgerDocument>('LedgerEntry', ledgerSchema);

  async function apply(entry: LedgerEntry): Promise<number | null> {
    const applied = await members.applyEntry({
      key: entry.key,
      memberId: entry.memberId,
      points: entry.points,
      earned: entry.kind === 'earn' ? entry.points : 0,
      ...(entry.effects?.checkIn
        ? { set: { 'checkIn.lastDay': entry.effects.checkIn.lastDay, 'checkIn.streak': entry.effects.checkIn.streak } }
        : {}),
    });
    await Ledger.updateOne({ _id: entry.key }, { $set: { applied: true } });
    return applied?.balance ?? null;
  }

  return {
    model: Ledger,

    async record(entry: Omit<LedgerEntry, 'applied' | 'remaining'>): Promise<RecordResult> {
      const full: LedgerEntry = { ...entry, remaining: entry.points, applied: false };
      try {
        const { key, ...fields } = full;
        await Ledger.create({ ...fields, _id: key });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const existing = await Ledger.findById(entry.key).lean();
        return { kind: 'duplicate', entry: toEntry(existing!) };
      }
      const balance = await apply(full);
      return { kind: 'recorded', entry: { ...full, applied: true }, balance: balance ?? 0 };
    },

    async recent(memberId: MemberId, limit: number): Promise<LedgerEntry[]> {
      const docs = await Ledger.find({ memberId }).sort({ createdAt: -1 }).limit(limit).lean();
      return docs.map(toEntry);
    },

    /** The recovery sweep: finishes entries a crash left unapplied. Returns how many it finished. */
    async applyPending(olderThan: Date): Promise<number> {
      const pending = await Ledger.find({ applied: false, createdAt: { $lt: olderThan } }).lean();
      for (const doc of pending) await apply(toEntry(doc));
      return pending.length;
    },
  };
}

export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

function toEntry(doc: LedgerDocument): LedgerEntry {
  return {
    key: doc._id,
    memberId: doc.memberId as MemberId,
    kind: doc.kind,
    points: doc.points,
    reason: doc.reason,
    note: doc.note ?? null,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    remaining: doc.remaining,
    applied: doc.applied,
    effects: doc.effects ?? null,
  };
}
