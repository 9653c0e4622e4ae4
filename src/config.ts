import { IANAZone } from 'luxon';
import cron from 'node-cron';
import { z } from 'zod';
import type { ExpiryPolicy } from './loyalty/points/ledger';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const url = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((value) => /^https?:\/\/[^\s]+$/.test(value), 'an http(s) URL such as https://api.line.me')
    .transform((value) => value.replace(/\/+$/, ''));

const adminRole = z.enum(['admin', 'marketer', 'viewer']);

const cronExpression = (fallback: string) =>
  z.string().trim().default(fallback).refine((expression) => cron.validate(expression), 'a cron expression such as 0 3 * * *');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MONGODB_URI: optionalString.refine(
    (value) => value === undefined || /^mongodb(\+srv)?:\/\//.test(value),
    'a connection string starting with mongodb:// or mongodb+srv://',
  ),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  LOYALTY_TIMEZONE: z
    .string()
    .trim()
    .default('Asia/Taipei')
    .refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone such as Asia/Taipei'),
  DEFAULT_LOCALE: z.enum(['zh-TW', 'en']).default('zh-TW'),

  LINE_CHANNEL_SECRET: optionalString,
  LINE_CHANNEL_ACCESS_TOKEN: optionalString,
  LINE_API_BASE_URL: url('https://api.line.me'),
  LINE_BASIC_ID: optionalString,
  LINE_MONTHLY_PUSH_BUDGET: z.coerce.number().int().min(0).max(10_000_000).default(0),

  MESSENGER_APP_SECRET: optionalString,
  MESSENGER_PAGE_ACCESS_TOKEN: optionalString,
  MESSENGER_VERIFY_TOKEN: optionalString,
  MESSENGER_API_BASE_URL: url('https://graph.facebook.com'),
  MESSENGER_API_VERSION: z.string().trim().regex(/^v\d+\.\d+$/, 'a Graph API version such as v25.0').default('v25.0'),
  MESSENGER_PAGE_USERNAME: optionalString,

  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  MICROSOFT_APP_TENANT_ID: optionalString,
  BOTFRAMEWORK_ALLOW_UNAUTHENTICATED: booleanFlag,

  ADMIN_TOKENS: optionalString.refine(
    (value) =>
      value === undefined ||
      value.split(',').every((pair) => {
        const [role, token] = pair.trim().split(':');
        return adminRole.safeParse(role).success && token !== undefined && token.length >= 16;
      }),
    'comma-separated role:token pairs, roles admin|marketer|viewer, tokens of 16 characters or more',
  ),
  FLOWS_DIR: z.string().trim().min(1).default('./flows'),
  TEMPLATES_DIR: z.string().trim().min(1).default('./templates'),
  CATALOG_REFRESH_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  TIER_RECALC_CRON: cronExpression('0 3 * * *'),
  POINTS_EXPIRY_CRON: cronExpression('30 3 * * *'),
  BIRTHDAY_BONUS_CRON: cronExpression('5 0 * * *'),
  RESERVATION_RELEASE_CRON: cronExpression('*/15 * * * *'),
  LEADERBOARD_SNAPSHOT_CRON: cronExpression('*/10 * * * *'),
  DAILY_STATS_CRON: cronExpression('10 0 * * *'),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(30),
  CHECKIN_POINTS: z.coerce.number().int().min(0).max(100_000).default(10),
  CHECKIN_STREAK_DAYS: z.coerce.number().int().min(2).max(365).default(7),
  CHECKIN_STREAK_BONUS: z.coerce.number().int().min(0).max(100_000).default(50),
  TERMS_VERSION: z.string().trim().min(1).default('2026-11'),
  SIGNUP_BONUS_POINTS: z.coerce.number().int().min(0).max(100_000).default(50),
  BIRTHDAY_BONUS_POINTS: z.coerce.number().int().min(0).max(100_000).default(100),
  REFERRAL_BONUS_POINTS: z.coerce.number().int().min(0).max(100_000).default(0),
  POINTS_EXPIRY_POLICY: z.enum(['never', 'months-after-earning', 'end-of-month-after']).default('end-of-month-after'),
  POINTS_EXPIRY_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  EXPIRY_REMINDER_DAYS: z.coerce.number().int().min(0).max(90).default(14),
  REDEMPTION_HOLD_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(72),
  PUBLIC_BASE_URL: optionalString.refine(
    (value) => value === undefined || /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value),
    'the public origin of this server, e.g. https://loyalty.example.com',
  ),
  DEMO_DATA: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  PRIVACY_LINK_SECRET: optionalString.refine(
    (value) => value === undefined || value.length >= 32,
    'a random secret of 32 characters or more (e.g. openssl rand -base64 32), or empty to let the server keep one in the database',
  ),
  TRANSCRIPT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  TRANSCRIPT_SWEEP_CRON: cronExpression('45 3 * * *'),
  // Longer than a live server retries a turn while the database is away (5 minutes), so a sweep never runs an event twice.
  RECOVER_UNHANDLED_AFTER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),

  CHAT_RATE_LIMIT_EVENTS: z.coerce.number().int().min(1).max(10_000).default(20),
  CHAT_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  WEB_CHAT_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(120),
  ADMIN_API_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the server reads. */
export const configVariableNames = Object.keys(envSchema.shape);
export type AdminRole = z.infer<typeof adminRole>;

export interface Config extends Env {
  expiryPolicy: ExpiryPolicy;
  lineEnabled: boolean;
  messengerEnabled: boolean;
  botFrameworkEnabled: boolean;
  adminTokens: { role: AdminRole; token: string }[];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: expected ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${problems.join('\n')}`);
  }
  const values = parsed.data;
  requireTogether(values, ['LINE_CHANNEL_SECRET', 'LINE_CHANNEL_ACCESS_TOKEN']);
  requireTogether(values, ['MESSENGER_APP_SECRET', 'MESSENGER_PAGE_ACCESS_TOKEN', 'MESSENGER_VERIFY_TOKEN']);
  requireTogether(values, ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD']);
  return {
    ...values,
    expiryPolicy:
      values.POINTS_EXPIRY_POLICY === 'never'
        ? { kind: 'never' }
        : values.POINTS_EXPIRY_POLICY === 'months-after-earning'
          ? { kind: 'monthsAfterEarning', months: values.POINTS_EXPIRY_MONTHS }
          : { kind: 'endOfMonthAfter', months: values.POINTS_EXPIRY_MONTHS },
    lineEnabled: values.LINE_CHANNEL_SECRET !== undefined,
    messengerEnabled: values.MESSENGER_APP_SECRET !== undefined,
    botFrameworkEnabled: values.MICROSOFT_APP_ID !== undefined || values.BOTFRAMEWORK_ALLOW_UNAUTHENTICATED,
    adminTokens: (values.ADMIN_TOKENS ?? '')
      .split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => {
        const [role, token] = pair.trim().split(':') as [AdminRole, string];
        return { role, token };
      }),
  };
}

function requireTogether(values: Env, names: (keyof Env)[]): void {
  const set = names.filter((name) => values[name] !== undefined);
  if (set.length > 0 && set.length < names.length) {
    const missing = names.filter((name) => values[name] === undefined);
    throw new ConfigError(
      `Invalid configuration (see .env.example):\n  ${missing.join(', ')}: expected a value, because ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set (a channel needs all of its credentials, or none to stay off)`,
    );
  }
}
