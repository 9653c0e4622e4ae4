import type { Locale } from '../../conversation/flow-schema';
import type { Branded } from '../../shared/ids';

/** A catalog slug chosen by the marketer or derived from the English name, e.g. `coffee`. */
export type RewardId = Branded<string, 'RewardId'>;

export interface Reward {
  id: RewardId;
  name: Record<Locale, string>;
  description: Record<Locale, string>;
  imageUrl: string | null;
  /** Points a redemption spends. */
  cost: number;
  /** Units still available to redeem; null: unlimited. */
  stock: number | null;
  /** On offer from this instant (inclusive); null: from the start. */
  startsAt: Date | null;
  /** On offer until this instant (exclusive); null: no end. */
  endsAt: Date | null;
  /** Redemptions one member may hold of this reward (cancelled and released ones do not count); null: no limit. */
  perMemberLimit: number | null;
  /** The lowest tier (by tier order) that may redeem; null: every member. */
  minimumTier: string | null;
  /** Each redeemer gets one distinct code from the codes the marketer uploaded. */
  usesCouponPool: boolean;
  active: boolean;
}

export const rewardIdPattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** A readable id from the English name ("NT$200 voucher" → "nt-200-voucher"); empty when the name has no latin letters or digits. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}
