import type { Locale } from '../../conversation/flow-schema';
import { memberNumberOf, type Member } from './member';
import { numberFormat } from '../../shared/number-format';

/** The card's member variables (tier lines come from the tier outlook); strings formatted for the locale. */
export function membershipCardVariables(member: Member, locale: Locale): Record<string, string> {
  const number = numberFormat(locale);
  return {
    name: member.name,
    memberNumber: memberNumberOf(member.id),
    points: number.format(member.points),
    streak: String(member.checkIn.streak),
    memberSince: member.createdAt.toISOString().slice(0, 10),
  };
}
