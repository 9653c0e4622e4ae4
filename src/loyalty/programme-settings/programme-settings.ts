import { z } from 'zod';
import type { ProgrammeRules } from '../programme';

/**
 * The programme numbers marketers may change in the console. Each starts at its env variable (the
 * default) and the console overrides it field by field; the bounds are the env variables' own.
 */
export const programmeSettingFields = {
  checkInPoints: { env: 'CHECKIN_POINTS', min: 0, max: 100_000 },
  checkInStreakDays: { env: 'CHECKIN_STREAK_DAYS', min: 2, max: 365 },
  checkInStreakBonus: { env: 'CHECKIN_STREAK_BONUS', min: 0, max: 100_000 },
  signupBonusPoints: { env: 'SIGNUP_BONUS_POINTS', min: 0, max: 100_000 },
  birthdayBonusPoints: { env: 'BIRTHDAY_BONUS_POINTS', min: 0, max: 100_000 },
  referralBonusPoints: { env: 'REFERRAL_BONUS_POINTS', min: 0, max: 100_000 },
  expiryReminderDays: { env: 'EXPIRY_REMINDER_DAYS', min: 0, max: 90 },
  redemptionHoldHours: { env: 'REDEMPTION_HOLD_HOURS', min: 1, max: 24 * 90 },
} as const;

export type ProgrammeSettingKey = keyof typeof programmeSettingFields;
export const programmeSettingKeys = Object.keys(programmeSettingFields) as ProgrammeSettingKey[];

export type ProgrammeSettings = Record<ProgrammeSettingKey, number>;
/** What the console stored: only the fields it overrides. */
export type ProgrammeOverrides = Partial<ProgrammeSettings>;
/** A change: a number sets the field, null returns it to its env default, an absent field stays as it is. */
export type ProgrammeSettingsChange = Partial<Record<ProgrammeSettingKey, number | null>>;

function settingSchema(key: ProgrammeSettingKey) {
  const { min, max } = programmeSettingFields[key];
  const range = `a whole number from ${min} to ${max}`;
  return z.int({ error: `Enter ${range}` }).min(min, { error: `Enter ${range}` }).max(max, { error: `Enter ${range}` });
}

function changeSchema() {
  const shape = {} as Record<ProgrammeSettingKey, z.ZodOptional<z.ZodNullable<ReturnType<typeof settingSchema>>>>;
  for (const key of programmeSettingKeys) shape[key] = settingSchema(key).nullable().optional();
  return z.strictObject(shape);
}

/** `PUT /admin/api/programme`: unknown fields are refused, so a typo never silently does nothing. */
export const programmeSettingsChangeSchema = changeSchema();

/** The env defaults, as the numbers the console shows next to each field. */
export function settingsOf(rules: ProgrammeRules): ProgrammeSettings {
  return {
    checkInPoints: rules.checkIn.points,
    checkInStreakDays: rules.checkIn.streakDays,
    checkInStreakBonus: rules.checkIn.streakBonus,
    signupBonusPoints: rules.signupBonus,
    birthdayBonusPoints: rules.birthdayBonus,
    referralBonusPoints: rules.referrals.bonusPoints,
    expiryReminderDays: rules.expiryReminderDays,
    redemptionHoldHours: rules.redemptionHoldHours,
  };
}

/** The rules with the console's numbers in place of the env defaults; everything else is left as configured. */
export function rulesWith(defaults: ProgrammeRules, overrides: ProgrammeOverrides): ProgrammeRules {
  const settings = { ...settingsOf(defaults), ...storedOverrides(overrides) };
  return {
    ...defaults,
    checkIn: { ...defaults.checkIn, points: settings.checkInPoints, streakDays: settings.checkInStreakDays, streakBonus: settings.checkInStreakBonus },
    signupBonus: settings.signupBonusPoints,
    birthdayBonus: settings.birthdayBonusPoints,
    referrals: { ...defaults.referrals, bonusPoints: settings.referralBonusPoints },
    expiryReminderDays: settings.expiryReminderDays,
    redemptionHoldHours: settings.redemptionHoldHours,
  };
}

export function overridesAfter(overrides: ProgrammeOverrides, change: ProgrammeSettingsChange): ProgrammeOverrides {
  const next: ProgrammeOverrides = { ...overrides };
  for (const key of programmeSettingKeys) {
    const value = change[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

/**
 * Only known fields within their bounds: a stored value a newer release no longer accepts falls
 * back to the env default instead of running the programme on it.
 */
export function storedOverrides(stored: Record<string, unknown>): ProgrammeOverrides {
  const overrides: ProgrammeOverrides = {};
  for (const key of programmeSettingKeys) {
    if (settingSchema(key).safeParse(stored[key]).success) overrides[key] = stored[key] as number;
  }
  return overrides;
}

export interface ProgrammeSettingView {
  value: number;
  /** `console` when a marketer set it, `default` when it follows its env variable. */
  source: 'console' | 'default';
  default: number;
  env: string;
  min: number;
  max: number;
}

/** What `GET /admin/api/programme` shows: each number in effect, and where it comes from. */
export function settingsView(defaults: ProgrammeRules, overrides: ProgrammeOverrides): Record<ProgrammeSettingKey, ProgrammeSettingView> {
  const defaultSettings = settingsOf(defaults);
  const valid = storedOverrides(overrides);
  const view = {} as Record<ProgrammeSettingKey, ProgrammeSettingView>;
  for (const key of programmeSettingKeys) {
    const override = valid[key];
    view[key] = {
      value: override ?? defaultSettings[key],
      source: override === undefined ? 'default' : 'console',
      default: defaultSettings[key],
      ...programmeSettingFields[key],
    };
  }
  return view;
}
