import pino from 'pino';
import type { Logger } from '../../src/shared/logger';
import { loadConfig, type Config } from '../../src/config';
import { createPlatform, type Platform } from '../../src/platform';
import { fixedClock } from '../../src/shared/clock';
import { openTestDatabase } from './mongo';

export const testLineSecret = 'test-line-channel-secret';
export const testAdminTokens = {
  admin: 'test-admin-token-0000000001',
  marketer: 'test-marketer-token-00000001',
  viewer: 'test-viewer-token-0000000001',
};

const unlimited = { CHAT_RATE_LIMIT_EVENTS: '10000', WEB_CHAT_RATE_LIMIT: '0', ADMIN_API_RATE_LIMIT: '0' };

export interface TestPlatform extends Platform {
  config: Config;
  clock: ReturnType<typeof fixedClock>;
  close(): Promise<void>;
}

/** The real platform on its own database, with a settable clock and the given env on top of the defaults. */
export async function startTestPlatform(
  env: Record<string, string> = {},
  now = '2026-11-23T10:00:00+08:00',
  logger: Logger = pino({ level: 'silent' }),
): Promise<TestPlatform> {
  const connection = await openTestDatabase();
  // Tests drive one chat user or one admin client far faster than a person: the limits are off unless a test sets them.
  const config = loadConfig({ LOG_LEVEL: 'silent', ...unlimited, ...env });
  const clock = fixedClock(now);
  const adminTokens = Object.entries(testAdminTokens).map(([role, token]) => ({ role: role as 'admin', token }));
  const platform = await createPlatform({ config, connection, logger, clock, adminTokens });
  // Object.assign keeps the platform's getters (catalog follows publishes).
  return Object.assign(platform, {
    config,
    clock,
    async close() {
      platform.liveCatalog.stop();
      platform.liveProgramme.stop();
      await platform.inbox.drain();
      await connection.dropAndClose();
    },
  });
}
