import { loadConfig } from '../../../src/config';
import { programmeRulesFrom } from '../../../src/loyalty/programme';
import {
  overridesAfter,
  programmeSettingFields,
  programmeSettingKeys,
  rulesWith,
  settingsView,
  storedOverrides,
} from '../../../src/loyalty/programme-settings/programme-settings';

const defaults = programmeRulesFrom(loadConfig({ LOG_LEVEL: 'silent', CHECKIN_POINTS: '10', CHECKIN_STREAK_DAYS: '7', SIGNUP_BONUS_POINTS: '50' }));

describe('rulesWith', () => {
  it('puts the console numbers where use cases read them and leaves everything else as configured', () => {
    const rules = rulesWith(defaults, { checkInPoints: 25, checkInStreakDays: 5, referralBonusPoints: 30, redemptionHoldHours: 24 });

    expect(rules.checkIn).toEqual({ ...defaults.checkIn, points: 25, streakDays: 5 });
    expect(rules.referrals).toEqual({ ...defaults.referrals, bonusPoints: 30 });
    expect(rules.redemptionHoldHours).toBe(24);
    expect(rules.signupBonus).toBe(50);
    expect(rules.earning).toBe(defaults.earning);
    expect(rules.zone).toBe(defaults.zone);
  });

  it('gives back the env rules when the console set nothing', () => {
    expect(rulesWith(defaults, {})).toEqual(defaults);
  });
});

describe('storedOverrides', () => {
  it.each([
    ['a number within bounds', { checkInPoints: 25 }, { checkInPoints: 25 }],
    ['below the minimum', { checkInStreakDays: 1 }, {}],
    ['above the maximum', { expiryReminderDays: 91 }, {}],
    ['a fraction', { checkInPoints: 2.5 }, {}],
    ['text', { checkInPoints: '25' }, {}],
    ['a field this release does not know', { tierBoost: 3 }, {}],
  ])('keeps only valid fields: %s', (_, stored, expected) => {
    expect(storedOverrides(stored)).toEqual(expected);
  });
});

describe('overridesAfter', () => {
  it('sets numbers, drops nulls and keeps what the change leaves out', () => {
    expect(overridesAfter({ checkInPoints: 25, signupBonusPoints: 80 }, { checkInPoints: null, birthdayBonusPoints: 0 })).toEqual({
      signupBonusPoints: 80,
      birthdayBonusPoints: 0,
    });
  });
});

describe('settingsView', () => {
  it('marks each number console or default and names its env variable and bounds', () => {
    const view = settingsView(defaults, { checkInPoints: 25 });

    expect(view.checkInPoints).toEqual({ value: 25, source: 'console', default: 10, env: 'CHECKIN_POINTS', min: 0, max: 100_000 });
    expect(view.checkInStreakDays).toEqual({ value: 7, source: 'default', default: 7, env: 'CHECKIN_STREAK_DAYS', min: 2, max: 365 });
  });

  it.each(programmeSettingKeys)('bounds %s exactly as its env variable is bounded, so a default always fits the form', (key) => {
    const { env, min, max } = programmeSettingFields[key];
    const load = (value: number) => () => loadConfig({ LOG_LEVEL: 'silent', [env]: String(value) });

    expect(load(min)).not.toThrow();
    expect(load(max)).not.toThrow();
    expect(load(min - 1)).toThrow(env);
    expect(load(max + 1)).toThrow(env);
  });
});
