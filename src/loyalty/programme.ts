import type { Config } from '../config';
import type { CheckInRules } from './check-in/check-in-policy';
import type { EarningRules } from './points/award-points';

/** The brand's programme settings every use case reads, derived once from config. */
export interface ProgrammeRules {
  checkIn: CheckInRules;
  earning: EarningRules;
  termsVersion: string;
  signupBonus: number;
  birthdayBonus: number;
  expiryReminderDays: number;
  redemptionHoldHours: number;
  zone: string;
}

export function programmeRulesFrom(config: Config): ProgrammeRules {
  return {
    checkIn: {
      points: config.CHECKIN_POINTS,
      streakDays: config.CHECKIN_STREAK_DAYS,
      streakBonus: config.CHECKIN_STREAK_BONUS,
      zone: config.LOYALTY_TIMEZONE,
    },
    earning: { expiry: config.expiryPolicy, zone: config.LOYALTY_TIMEZONE },
    termsVersion: config.TERMS_VERSION,
    signupBonus: config.SIGNUP_BONUS_POINTS,
    birthdayBonus: config.BIRTHDAY_BONUS_POINTS,
    expiryReminderDays: config.EXPIRY_REMINDER_DAYS,
    redemptionHoldHours: config.REDEMPTION_HOLD_HOURS,
    zone: config.LOYALTY_TIMEZONE,
  };
}
