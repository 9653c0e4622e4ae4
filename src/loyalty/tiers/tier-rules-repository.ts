import { Schema, type Connection } from 'mongoose';
import { defaultTierRules, withRuleDefaults, type TierRules } from './tier-rules';
import { shortLivedCache } from '../../shared/short-lived-cache';

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
  // Check-ins and point codes read the rules for the earn multiplier: a few seconds of caching keeps them cheap.
  const published = shortLivedCache(5000, async (): Promise<TierRules> => {
    const doc = await Rules.findById('current').lean();
    return doc === null ? structuredClone(defaultTierRules) : withRuleDefaults({ tiers: doc.tiers, basis: doc.basis, downgrade: doc.downgrade });
  });
  return {
    model: Rules,

    current: published.get,

    async publish(rules: TierRules, now: Date): Promise<void> {
      await Rules.updateOne({ _id: 'current' }, { $set: { ...rules, updatedAt: now } }, { upsert: true });
      published.clear();
    },
  };
}

export type TierRulesRepository = ReturnType<typeof createTierRulesRepository>;
