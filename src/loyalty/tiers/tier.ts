import type { Locale } from '../../conversation/flow-schema';

export interface Tier {
  id: string;
  name: Record<Locale, string>;
  /** Points earned that qualify a member for this tier. */
  threshold: number;
  order: number;
}

export interface TierProgress {
  current: Tier;
  next: Tier | null;
  pointsToNext: number;
  /** 0..1 of the way from the current tier's threshold to the next one's. */
  ratio: number;
}

export function tierProgress(tiers: Tier[], currentId: string, earned: number): TierProgress {
  const ordered = [...tiers].sort((a, b) => a.order - b.order);
  const current = ordered.find((tier) => tier.id === currentId) ?? ordered[0];
  if (current === undefined) throw new Error('No tiers are defined: seed the default tiers first');
  const next = ordered.find((tier) => tier.order > current.order) ?? null;
  if (next === null) return { current, next, pointsToNext: 0, ratio: 1 };
  const span = Math.max(1, next.threshold - current.threshold);
  return {
    current,
    next,
    pointsToNext: Math.max(0, next.threshold - earned),
    ratio: Math.min(1, Math.max(0, (earned - current.threshold) / span)),
  };
}
