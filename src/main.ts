import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { CatalogError } from './conversation/flow-validation';
import { defaultRetryWhileDatabaseAwayMs } from './conversation/inbox';
import { startEmbeddedMongo, type EmbeddedMongo } from './database/embedded-mongo';
import { connectMongo, type Connection } from './database/mongo-connection';
import { startScheduler } from './jobs/scheduler';
import { createPlatform, type Platform } from './platform';
import { systemClock } from './shared/clock';
import type { AdminToken } from './http/admin/admin-auth';
import { createLogger, type Logger } from './shared/logger';

/** A lease shorter than a turn's retries while the database is away can lapse under a live turn. */
const shortestSafeEventLeaseSeconds = defaultRetryWhileDatabaseAwayMs / 1000;

/** A second signal within this long of the first is the same request to stop, passed on by a wrapper. */
const repeatedSignalWithinMs = 1000;

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const startedAt = performance.now();
  if (config.RECOVER_UNHANDLED_AFTER_SECONDS < shortestSafeEventLeaseSeconds) {
    logger.warn(
      { RECOVER_UNHANDLED_AFTER_SECONDS: config.RECOVER_UNHANDLED_AFTER_SECONDS },
      `RECOVER_UNHANDLED_AFTER_SECONDS is below ${shortestSafeEventLeaseSeconds}: it is how long an acknowledged event's lease lasts ` +
        `without a renewal, so a turn slower than that while its server cannot renew (a turn is retried for up to ${shortestSafeEventLeaseSeconds / 60} minutes while ` +
        `the database is away) can be taken over by another server's recovery sweep and run twice. ` +
        `Set it to ${shortestSafeEventLeaseSeconds} or more (600 by default).`,
    );
  }

  let embedded: EmbeddedMongo | undefined;
  let uri = config.MONGODB_URI;
  if (uri === undefined) {
    embedded = await startEmbeddedMongo({ backend: 'h2', dataDir: config.DATA_DIR });
    uri = embedded.uri;
    logger.info({ dataDir: config.DATA_DIR, port: embedded.port }, 'embedded database started (mongo-java-server, H2 file)');
  }
  let connection: Connection | undefined;
  let server: Server | undefined;
  let stopScheduler: (() => Promise<void>) | undefined;
  let platform: Platform | undefined;
  /** What starts after listen and runs on its own (the demo seed, the recovery of unfinished events): shutdown lets it end. */
  const startupWork: Promise<unknown>[] = [];

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down: no new requests, finishing events in flight');
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await stopScheduler?.();
    platform?.liveCatalog.stop();
    platform?.liveProgramme.stop();
    await Promise.allSettled(startupWork);
    await platform?.inbox.drain();
    // A "run now" from the console ends and records how within the grace period most orchestrators give (30 s);
    // one that does not resumes from its checkpoint at the next start.
    const runs = await platform?.backgroundRuns.drain(20_000);
    if (runs && runs.stillRunning > 0) logger.warn({ stillRunning: runs.stillRunning }, 'stopping with a background tier recalculation still running');
    await connection?.close();
    await embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  let shutdownStartedAt: number | undefined;
  const onSignal = (signal: string) => {
    if (shutdownStartedAt === undefined) {
      shutdownStartedAt = performance.now();
      void shutdown(signal);
      return;
    }
    // `npm start` and tsx pass a signal on to this process as well, so one Ctrl-C or one SIGTERM to the process group
    // arrives twice at once: that is one request to stop. Asked again later, a person wants it to stop now.
    if (performance.now() - shutdownStartedAt < repeatedSignalWithinMs) return;
    logger.warn({ signal }, 'asked again while shutting down: stopping at once');
    process.exit(1);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  connection = await connectMongo(uri);
  const adminTokens = config.adminTokens.length > 0 ? config.adminTokens : [oneOffAdminToken(logger)];
  platform = await createPlatform({ config, connection, logger, clock: systemClock, adminTokens });
  const recovered = await platform.jobs.recoverLedger();
  if (recovered > 0) logger.warn({ recovered }, 'finished ledger entries a previous crash left unapplied');
  const redemptions = await platform.jobs.recoverRedemptions();
  if (redemptions.finished + redemptions.reversed + redemptions.completed > 0) {
    logger.warn({ redemptions }, 'settled redemptions a previous crash left half done');
  }
  stopScheduler = startScheduler(
    [
      { name: 'ledger-recovery', cron: '* * * * *', run: () => platform!.jobs.recoverLedger() },
      { name: 'points-expiry', cron: config.POINTS_EXPIRY_CRON, run: () => platform!.jobs.expirePoints() },
      { name: 'birthday-bonus', cron: config.BIRTHDAY_BONUS_CRON, run: () => platform!.jobs.awardBirthdayBonuses() },
      { name: 'redemption-recovery', cron: '* * * * *', run: () => platform!.jobs.recoverRedemptions() },
      { name: 'reservation-release', cron: config.RESERVATION_RELEASE_CRON, run: () => platform!.jobs.releaseReservations() },
      { name: 'tier-recalculation', cron: config.TIER_RECALC_CRON, run: () => platform!.jobs.recalculateTiers() },
      { name: 'transcript-sweep', cron: config.TRANSCRIPT_SWEEP_CRON, run: () => platform!.jobs.sweepTranscripts() },
      { name: 'erasure-recovery', cron: '*/5 * * * *', run: () => platform!.jobs.finishErasures() },
      { name: 'leaderboard-snapshot', cron: config.LEADERBOARD_SNAPSHOT_CRON, run: () => platform!.jobs.snapshotLeaderboard() },
      { name: 'daily-stats', cron: config.DAILY_STATS_CRON, run: () => platform!.jobs.recordDailyStats() },
      { name: 'broadcast-dispatch', cron: '* * * * *', run: () => platform!.jobs.dispatchBroadcasts() },
      { name: 'event-recovery', cron: '* * * * *', run: () => platform!.jobs.recoverUnhandledEvents() },
      { name: 'inbound-event-pruning', cron: '30 4 * * *', run: () => platform!.jobs.pruneInboundEvents() },
      { name: 'link-code-cleanup', cron: '40 4 * * *', run: () => platform!.jobs.deleteOldLinkCodes() },
      { name: 'previous-sessions-retirement', cron: '*/10 * * * *', run: () => platform!.jobs.retirePreviousSessions() },
      { name: 'welcome-recovery', cron: '*/5 * * * *', run: () => platform!.jobs.recoverWelcomes() },
      { name: 'idle-session-cleanup', cron: '7,37 * * * *', run: () => platform!.jobs.forgetIdleSessions() },
    ],
    config.LOYALTY_TIMEZONE,
    logger,
  ).stop;

  server = platform.app.listen(config.PORT);
  // Longer than load balancers' usual 60-s idle timeout: a connection must never be closed by us just as the
  // balancer (or a platform's keep-alive pool) sends the next webhook on it, which it sees as a failed delivery.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => server!.once('listening', resolve).once('error', reject));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info(
    {
      channels: {
        web: true,
        line: config.lineEnabled,
        messenger: config.messengerEnabled,
        botFramework: config.botFrameworkEnabled,
      },
      startupMs: Math.round(performance.now() - startedAt),
    },
    `bot server listening on port ${port}; chat as a customer at http://localhost:${port}/chat`,
  );
  logger.info(
    config.adminTokens.length > 0
      ? `marketers' console: http://localhost:${port}/admin/ (sign in with a token from ADMIN_TOKENS)`
      : `marketers' console: http://localhost:${port}/admin/ (sign in with the one-off admin token printed above)`,
  );
  if (config.DEMO_DATA) {
    // After listen: seeding an empty database takes a few seconds and must not delay startup.
    startupWork.push(
      platform.jobs
        .seedDemoHistory()
        .then((seed) => seed.kind === 'seeded' && logger.info(seed, 'demo programme history seeded (DEMO_DATA=true)'))
        .catch((error: unknown) => logger.error({ err: error }, 'seeding the demo history failed')),
    );
  }
  if (config.lineEnabled) logger.info(`LINE webhook URL: <your public https origin>/webhooks/line`);
  // After listen, like the demo seed: events a killed predecessor acknowledged but never ran.
  startupWork.push(
    platform.jobs
      .recoverUnhandledEvents()
      .then((recovered) => recovered > 0 && logger.warn({ recovered }, 'running events a previous process acknowledged but never finished'))
      .catch((error: unknown) => logger.error({ err: error }, 'recovering unfinished events failed')),
  );
}

function oneOffAdminToken(logger: Logger): AdminToken {
  const token = randomBytes(24).toString('base64url');
  logger.warn(
    `ADMIN_TOKENS is unset: this run's admin token is ${token} (Authorization: Bearer …). Set ADMIN_TOKENS to keep one.`,
  );
  return { role: 'admin', token };
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CatalogError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
