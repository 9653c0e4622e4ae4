import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';
import type { PurchaseSummary } from './rfm';

/** A purchase a member made in a store or online, as staff or an integration reported it. */
export interface Purchase {
  /** The caller's idempotency key: reporting the same purchase twice records it once. */
  key: string;
  memberId: string;
  /** In the programme's currency, e.g. NT$. */
  amount: number;
  occurredAt: Date;
  recordedAt: Date;
}

interface PurchaseDocument extends Omit<Purchase, 'key'> {
  _id: string;
}

const purchaseSchema = new Schema<PurchaseDocument>(
  { _id: String, memberId: { type: String, required: true }, amount: Number, occurredAt: Date, recordedAt: Date },
  { collection: 'purchases', versionKey: false },
);
// For real MongoDB; the embedded server scans (DATABASE.md). Only the RFM pass reads by date.
purchaseSchema.index({ occurredAt: 1 });

export function createPurchaseRepository(connection: Connection) {
  const Purchases = connection.model<PurchaseDocument>('Purchase', purchaseSchema);
  const toPurchase = ({ _id, ...purchase }: PurchaseDocument): Purchase => ({ key: _id, ...purchase });
  return {
    model: Purchases,

    async record(purchase: Purchase): Promise<{ kind: 'recorded'; purchase: Purchase } | { kind: 'duplicate'; purchase: Purchase }> {
      const { key, ...fields } = purchase;
      try {
        await Purchases.create({ _id: key, ...fields });
        return { kind: 'recorded', purchase };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const existing = await Purchases.findById(key).lean<PurchaseDocument>();
        return { kind: 'duplicate', purchase: toPurchase(existing!) };
      }
    },

    /** Per member: last purchase, count and total since `since`, in one `$group`. */
    async summariesSince(since: Date): Promise<PurchaseSummary[]> {
      const rows = await Purchases.aggregate<{ _id: string; lastPurchaseAt: Date; purchases: number; amount: number }>([
        { $match: { occurredAt: { $gte: since } } },
        { $group: { _id: '$memberId', lastPurchaseAt: { $max: '$occurredAt' }, purchases: { $sum: 1 }, amount: { $sum: '$amount' } } },
      ]);
      return rows.map((row) => ({ memberId: row._id, lastPurchaseAt: row.lastPurchaseAt, purchases: row.purchases, amount: row.amount }));
    },
  };
}

export type PurchaseRepository = ReturnType<typeof createPurchaseRepository>;
