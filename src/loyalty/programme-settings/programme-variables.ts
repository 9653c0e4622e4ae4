import type { Locale } from '../../conversation/flow-schema';
import type { ProgrammeRules } from '../programme';
import { numberFormat } from '../../shared/number-format';

/**
 * The programme numbers as template variables, so any message (help, signup, card) can quote them
 * and says what the console set: `{checkInPoints}`, `{streakDays}`, `{streakBonus}`, `{signupBonus}`,
 * `{birthdayBonus}`, `{referralBonus}`.
 */
export function programmeVariables(rules: ProgrammeRules, locale: Locale): Record<string, string> {
  const number = numberFormat(locale);
  return {
    checkInPoints: number.format(rules.checkIn.points),
    streakDays: String(rules.checkIn.streakDays),
    streakBonus: number.format(rules.checkIn.streakBonus),
    signupBonus: number.format(rules.signupBonus),
    birthdayBonus: number.format(rules.birthdayBonus),
    referralBonus: number.format(rules.referrals.bonusPoints),
  };
}
