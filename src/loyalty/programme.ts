import type { Config } from '../config';
import type { CheckInRules } from './check-in/check-in-policy';
import type { EarningRules } from './points/award-points';
import type { InviteLinkTargets } from './referrals/referral';

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
  /** Points for the referrer per friend who joins, and where invite links point. */
  referrals: { bonusPoints: number; links: InviteLinkTargets };
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
    referrals: {
      bonusPoints: config.REFERRAL_BONUS_POINTS,
      links: { lineBasicId: config.LINE_BASIC_ID, messengerPage: config.MESSENGER_PAGE_USERNAME, webBaseUrl: config.PUBLIC_BASE_URL },
    },
  };
}
