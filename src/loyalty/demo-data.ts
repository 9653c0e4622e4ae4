import type { RewardRepository } from './rewards/reward-repository';
import type { Reward, RewardId } from './rewards/reward';
import type { TierRepository } from './tiers/tier-repository';
import type { Tier } from './tiers/tier';

export const defaultTiers: Tier[] = [
  { id: 'member', name: { 'zh-TW': '一般會員', en: 'Member' }, threshold: 0, order: 0 },
  { id: 'silver', name: { 'zh-TW': '銀卡會員', en: 'Silver' }, threshold: 500, order: 1 },
  { id: 'gold', name: { 'zh-TW': '金卡會員', en: 'Gold' }, threshold: 2000, order: 2 },
];

const onOfferAlways = { startsAt: null, endsAt: null, perMemberLimit: null, minimumTier: null, usesCouponPool: false, active: true };

export const sampleRewards: Reward[] = [
  {
    ...onOfferAlways,
    id: 'coffee' as RewardId,
    name: { 'zh-TW': '中杯美式咖啡', en: 'Americano (medium)' },
    description: { 'zh-TW': '全門市適用', en: 'At any of our stores' },
    imageUrl: null,
    cost: 100,
    stock: null,
  },
  {
    ...onOfferAlways,
    id: 'tote-bag' as RewardId,
    name: { 'zh-TW': '品牌帆布袋', en: 'Canvas tote bag' },
    description: { 'zh-TW': '限量 50 個，每人限換 1 個', en: 'Limited to 50, one per member' },
    imageUrl: null,
    cost: 500,
    stock: 50,
    perMemberLimit: 1,
  },
  {
    ...onOfferAlways,
    id: 'voucher-200' as RewardId,
    name: { 'zh-TW': '200 元折價券', en: 'NT$200 voucher' },
    description: { 'zh-TW': '銀卡以上會員限定，消費滿 1000 元可用', en: 'Silver members and up, on purchases of NT$1,000 or more' },
    imageUrl: null,
    cost: 800,
    stock: 200,
    minimumTier: 'silver',
  },
];

/** Tiers always exist (the card needs them); sample rewards only go into an empty database. */
export async function seedDefaults(
  repositories: { tiers: TierRepository; rewards: RewardRepository },
  options: { sampleRewards: boolean; now: Date },
): Promise<{ tiers: boolean; rewards: boolean }> {
  const seeded = { tiers: false, rewards: false };
  if ((await repositories.tiers.count()) === 0) {
    await repositories.tiers.insertMissing(defaultTiers);
    seeded.tiers = true;
  }
  if (options.sampleRewards && (await repositories.rewards.count()) === 0) {
    await repositories.rewards.insertMissing(sampleRewards, options.now);
    seeded.rewards = true;
  }
  return seeded;
}
