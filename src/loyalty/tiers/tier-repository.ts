import { Schema, type Connection } from 'mongoose';
import { ignoreDuplicateKeys } from '../../database/mongo-connection';
import type { Tier } from './tier';
import { shortLivedCache } from '../../shared/short-lived-cache';

interface TierDocument {
  _id: string;
  name: Tier['name'];
  threshold: number;
  order: number;
}

const tierSchema = new Schema<TierDocument>(
  { _id: String, name: { type: Schema.Types.Mixed, required: true }, threshold: Number, order: Number },
  { collection: 'tiers', versionKey: false },
);

export function createTierRepository(connection: Connection) {
  const Tiers = connection.model<TierDocument>('Tier', tierSchema);
  // Tier definitions change rarely; a few seconds of caching keeps them off every card's path.
  const ordered = shortLivedCache(5000, async (): Promise<Tier[]> => {
    const docs = await Tiers.find().sort({ order: 1 }).lean();
    return docs.map((doc) => ({ id: doc._id, name: doc.name, threshold: doc.threshold, order: doc.order }));
  });

  return {
    model: Tiers,

    all: ordered.get,

    async count(): Promise<number> {
      return Tiers.countDocuments();
    },

    /** Makes the collection exactly `tiers` (after tier rules are published), upserting each by id. */
    async replaceAll(tiers: Tier[]): Promise<void> {
      await Tiers.bulkWrite(
        tiers.map(({ id, ...rest }) => ({ replaceOne: { filter: { _id: id }, replacement: { _id: id, ...rest }, upsert: true } })),
      );
      await Tiers.deleteMany({ _id: { $nin: tiers.map((tier) => tier.id) } });
      ordered.clear();
    },

    /** Inserts the tiers that do not exist yet: two servers seeding one empty database both succeed. */
    async insertMissing(tiers: Tier[]): Promise<void> {
      await Tiers.insertMany(
        tiers.map(({ id, ...rest }) => ({ _id: id, ...rest })),
        { ordered: false },
      ).catch(ignoreDuplicateKeys);
      ordered.clear();
    },
  };
}

export type TierRepository = ReturnType<typeof createTierRepository>;
