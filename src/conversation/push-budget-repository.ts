import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';

interface PushCountDocument {
  /** channel and month, e.g. `line:2026-11`. */
  _id: string;
  sent: number;
}

const pushCountSchema = new Schema<PushCountDocument>({ _id: String, sent: Number }, { collection: 'push_counts', versionKey: false });

export function createPushBudgetRepository(connection: Connection) {
  const PushCounts = connection.model<PushCountDocument>('PushCount', pushCountSchema);

  return {
    model: PushCounts,

    /**
     * Takes one push from the month's budget, atomically: when the month's count has reached the
     * budget the filter misses and the upsert collides with the existing document (E11000): refused.
     */
    async claim(channelMonth: string, budget: number): Promise<boolean> {
      if (budget <= 0) return false;
      try {
        await PushCounts.updateOne({ _id: channelMonth, sent: { $lt: budget } }, { $inc: { sent: 1 } }, { upsert: true });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },

    /** Pushes taken from a month's budget so far. */
    async sentIn(channelMonth: string): Promise<number> {
      const doc = await PushCounts.findById(channelMonth, { sent: 1 }).lean();
      return doc?.sent ?? 0;
    },

    async release(channelMonth: string): Promise<void> {
      await PushCounts.updateOne({ _id: channelMonth, sent: { $gt: 0 } }, { $inc: { sent: -1 } });
    },
  };
}

export type PushBudgetRepository = ReturnType<typeof createPushBudgetRepository>;
