import type { RewardRepository } from './rewards/reward-repository';
import type { Reward } from './rewards/reward';
import type { TierRepository } from './tiers/tier-repository';
import type { Tier } from './tiers/tier';

export const defaultTiers: Tier[] = [
  { id: 'member', name: { 'zh-TW': '一般會員', en: 'Member' }, threshold: 0, order: 0 },
  { id: 'silver', name: { 'zh-TW': '銀卡會員', en: 'Silver' }, threshold: 500, order: 1 },
  { id: 'gold', name: { 'zh-TW': '金卡會員', en: 'Gold' }, threshold: 2000, order: 2 },
];

export const sampleRewards: Reward[] = [
  {
    id: 'coffee',
    name: { 'zh-TW': '中杯美式咖啡', en: 'Americano (medium)' },
    description: { 'zh-TW': '全門市適用', en: 'At any of our stores' },
    imageUrl: null,
    cost: 100,
    stock: null,
    active: true,
  },
  {
    id: 'tote-bag',
    name: { 'zh-TW': '品牌帆布袋', en: 'Canvas tote bag' },
    description: { 'zh-TW': '限量 50 個', en: 'Limited to 50' },
    imageUrl: null,
    cost: 500,
    stock: 50,
    active: true,
  },
  {
    id: 'voucher-200',
    name: { 'zh-TW': '200 元折價券', en: 'NT$200 voucher' },
    description: { 'zh-TW': '消費滿 1000 元可用', en: 'On purchases of NT$1,000 or more' },
    imageUrl: null,
    cost: 800,
    stock: 200,
    active: true,
  },
];

/** Tiers always exist (the card needs them); sample rewards only go into an empty database. */
export async function seedDefaults(
  repositories: { tiers: TierRepository; rewards: RewardRepository },
  options: { sampleRewards: boolean },
): Promise<{ tiers: boolean; rewards: boolean }> {
  const seeded = { tiers: false, rewards: false };
  if ((await repositories.tiers.count()) === 0) {
    await repositories.tiers.insertMany(defaultTiers);
    seeded.tiers = true;
  }
  if (options.sampleRewards && (await repositories.rewards.count()) === 0) {
    await repositories.rewards.insertMany(sampleRewards);
    seeded.rewards = true;
  }
  return seeded;
}
