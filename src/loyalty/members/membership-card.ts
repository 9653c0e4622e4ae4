import type { Locale } from '../../conversation/flow-schema';
import { tierProgress, type Tier } from '../tiers/tier';
import { memberNumberOf, type Member } from './member';

/** The variables the card templates show; all strings, formatted for the member's locale. */
export function membershipCardVariables(member: Member, tiers: Tier[], locale: Locale): Record<string, string> {
  const progress = tierProgress(tiers, member.tier, member.earnedTotal);
  const number = new Intl.NumberFormat(locale);
  return {
    name: member.name,
    memberNumber: memberNumberOf(member.id),
    points: number.format(member.points),
    tierName: progress.current.name[locale],
    streak: String(member.checkIn.streak),
    nextTierName: progress.next?.name[locale] ?? '',
    pointsToNextTier: progress.next ? number.format(progress.pointsToNext) : '',
    tierProgress: progress.next ? progress.ratio.toFixed(3) : '',
    memberSince: member.createdAt.toISOString().slice(0, 10),
  };
}
