import { z } from 'zod';
import type { Locale } from '../../conversation/flow-schema';
import type { Tier } from './tier';

/** What counts toward a tier: points earned in the loyalty months of a window ending now. */
export type QualificationBasis = 'rolling12Months' | 'calendarYear' | 'lifetime';

/** How a member below their tier's retain threshold moves down (Open Loyalty's LevelDowngradeMode). */
export type DowngradeMode = 'never' | 'oneTierAtATime' | 'toQualifiedTier';

export interface TierRule {
  id: string;
  name: Record<Locale, string>;
  /** Qualifying points that lift a member into this tier. */
  entryThreshold: number;
  /** Qualifying points a member in this tier needs to keep it; at most `entryThreshold`. */
  retainThreshold: number;
  /**
   * Benefit: points from activity (check-ins, point codes) are multiplied by this while the member
   * holds the tier, rounded down; bonuses, refunds and staff adjustments are not. Reward access by
   * tier is the other benefit; it lives on each reward (`minimumTier`).
   */
  earnMultiplier: number;
}

export interface TierRules {
  /** Lowest first; the first tier starts at 0 points. */
  tiers: TierRule[];
  basis: QualificationBasis;
  downgrade: {
    mode: DowngradeMode;
    /** Days after `tierSince` during which a member below the retain threshold keeps the tier. */
    graceDays: number;
  };
}

export const defaultTierRules: TierRules = {
  tiers: [
    { id: 'member', name: { 'zh-TW': '一般會員', en: 'Member' }, entryThreshold: 0, retainThreshold: 0, earnMultiplier: 1 },
    { id: 'silver', name: { 'zh-TW': '銀卡會員', en: 'Silver' }, entryThreshold: 500, retainThreshold: 400, earnMultiplier: 1.2 },
    { id: 'gold', name: { 'zh-TW': '金卡會員', en: 'Gold' }, entryThreshold: 2000, retainThreshold: 1600, earnMultiplier: 1.5 },
  ],
  basis: 'rolling12Months',
  downgrade: { mode: 'oneTierAtATime', graceDays: 0 },
};

const tierName = z.string().trim().min(1).max(40);
const points = z.int().min(0).max(1_000_000_000);

/** The admin API's tier rules: tiers lowest first, thresholds non-decreasing, retain ≤ entry. */
export const tierRulesSchema = z
  .strictObject({
    tiers: z
      .array(
        z
          .strictObject({
            id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, e.g. gold'),
            name: z.strictObject({ 'zh-TW': tierName, en: tierName }),
            entryThreshold: points,
            retainThreshold: points,
            earnMultiplier: z
              .number()
              .min(1)
              .max(10)
              .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-9, 'at most two decimals, e.g. 1.25')
              .default(1),
          })
          .refine((tier) => tier.retainThreshold <= tier.entryThreshold, {
            message: 'retainThreshold must be at most entryThreshold',
            path: ['retainThreshold'],
          }),
      )
      .min(1)
      .max(20),
    basis: z.enum(['rolling12Months', 'calendarYear', 'lifetime']),
    downgrade: z.strictObject({
      mode: z.enum(['never', 'oneTierAtATime', 'toQualifiedTier']),
      graceDays: z.int().min(0).max(3660).default(0),
    }),
  })
  .superRefine((rules, context) => {
    const first = rules.tiers[0];
    if (first && (first.entryThreshold !== 0 || first.retainThreshold !== 0)) {
      context.addIssue({ code: 'custom', path: ['tiers', 0, 'entryThreshold'], message: 'the first tier starts at 0 points (entry and retain)' });
    }
    const seen = new Set<string>();
    rules.tiers.forEach((tier, index) => {
      if (seen.has(tier.id)) context.addIssue({ code: 'custom', path: ['tiers', index, 'id'], message: `tier id ${tier.id} is used twice` });
      seen.add(tier.id);
      const previous = rules.tiers[index - 1];
      if (previous === undefined) return;
      if (tier.entryThreshold <= previous.entryThreshold) {
        context.addIssue({
          code: 'custom',
          path: ['tiers', index, 'entryThreshold'],
          message: `must be above ${previous.id}'s entryThreshold (${previous.entryThreshold}): list tiers lowest first`,
        });
      }
      if (tier.retainThreshold < previous.retainThreshold) {
        context.addIssue({
          code: 'custom',
          path: ['tiers', index, 'retainThreshold'],
          message: `must be at least ${previous.id}'s retainThreshold (${previous.retainThreshold})`,
        });
      }
    });
  });

/** Rules stored before a field existed read as if published with its default. */
export function withRuleDefaults(rules: TierRules): TierRules {
  return { ...rules, tiers: rules.tiers.map((tier) => ({ ...tier, earnMultiplier: tier.earnMultiplier ?? 1 })) };
}

/** Points an activity earns for a member on `tier`: the multiplier of that tier, rounded down. */
export function multipliedPoints(points: number, rules: TierRules, tier: string): number {
  const multiplier = rules.tiers.find((rule) => rule.id === tier)?.earnMultiplier ?? 1;
  return Math.floor(points * multiplier + 1e-9);
}

/** The card's view of the rules: names, order and the entry threshold. */
export function tiersOf(rules: TierRules): Tier[] {
  return rules.tiers.map((tier, order) => ({ id: tier.id, name: tier.name, threshold: tier.entryThreshold, order }));
}
