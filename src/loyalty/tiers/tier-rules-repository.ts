import { Schema, type Connection } from 'mongoose';
import { defaultTierRules, type TierRules } from './tier-rules';

interface TierRulesDocument {
  _id: 'current';
  tiers: TierRules['tiers'];
  basis: TierRules['basis'];
  downgrade: TierRules['downgrade'];
  updatedAt: Date;
}

const tierRulesSchema = new Schema<TierRulesDocument>(
  { _id: String, tiers: Schema.Types.Mixed, basis: String, downgrade: Schema.Types.Mixed, updatedAt: Date },
  { collection: 'tier_rules', versionKey: false },
);

/** One document, `_id: 'current'`; until a marketer publishes rules, the shipped defaults apply. */
export function createTierRulesRepository(connection: Connection) {
  const Rules = connection.model<TierRulesDocument>('TierRules', tierRulesSchema);
  return {
    model: Rules,

    async current(): Promise<TierRules> {
      const doc = await Rules.findById('current').lean();
      if (doc === null) return structuredClone(defaultTierRules);
      return { tiers: doc.tiers, basis: doc.basis, downgrade: doc.downgrade };
    },

    async publish(rules: TierRules, now: Date): Promise<void> {
      await Rules.updateOne({ _id: 'current' }, { $set: { ...rules, updatedAt: now } }, { upsert: true });
    },
  };
}

export type TierRulesRepository = ReturnType<typeof createTierRulesRepository>;
