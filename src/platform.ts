import type { Express } from 'express';
import { channelOff } from './channels/channel-off';
import { LineClient } from './channels/line/line-client';
import { identityKeyOf } from './channels/channel';
import { linePushChannel } from './channels/line/line-push';
import { messengerPushChannel } from './channels/messenger/messenger-push';
import { createMessengerChannel } from './channels/messenger/messenger-webhook';
import { createLineWebhookRouter } from './channels/line/line-webhook';
import { createWebChatRouter } from './channels/web/web-chat';
import type { Config } from './config';
import { actionOutcomes, createFlowActions } from './conversation/flow-actions';
import type { FlowCatalog } from './conversation/flow-catalog';
import { loadCatalogFromFiles } from './conversation/flow-files';
import { createFlowRunner } from './conversation/flow-runner';
import { createChatRateLimiter } from './conversation/chat-rate-limit';
import { createInbox, type Inbox } from './conversation/inbox';
import { notifyMember, type NotifyDeps } from './conversation/notify-member';
import { initModels, pingMongo, type Connection } from './database/mongo-connection';
import { createAdminApi, type AdminRoute } from './http/admin/admin-api';
import type { AdminToken } from './http/admin/admin-auth';
import { createLedgerRouter, createMembersRouter } from './http/admin/members-router';
import { createRedemptionsRouter } from './http/admin/redemptions-router';
import { createRewardsRouter } from './http/admin/rewards-router';
import { createMissionsRouter } from './http/admin/missions-router';
import { createPointCodesRouter } from './http/admin/point-codes-router';
import { createJobsRouter } from './http/admin/jobs-router';
import { createTierRulesRouter } from './http/admin/tier-rules-router';
import { recalculateTiers, type RecalculationOptions, type RecalculationResult } from './loyalty/tiers/recalculate-tiers';
import { recoverPointCodeClaims } from './loyalty/point-codes/collect-points';
import { createApp } from './http/app';
import { createHealthRouter } from './http/health-router';
import { perIpRateLimit } from './http/rate-limit';
import { seedDefaults } from './loyalty/demo-data';
import { awardBirthdayBonuses } from './loyalty/members/birthday-bonus';
import { expirePoints, type ExpiryRun } from './loyalty/points/expire-points';
import { programmeRulesFrom } from './loyalty/programme';
import { recoverRedemptions, type RecoveryRun } from './loyalty/rewards/redeem-reward';
import { releaseReservations } from './loyalty/rewards/release-reservations';
import { createRepositories, modelsOf, type Repositories } from './repositories';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import { createMetrics } from './shared/metrics';

export interface Platform {
  app: Express;
  inbox: Inbox;
  catalog: FlowCatalog;
  repositories: Repositories;
  /** The scheduled use cases; main.ts maps cron expressions to them, tests call them with a fixed clock. */
  jobs: {
    /** Finishes ledger entries a crash left pending (docs/ledger.md). */
    recoverLedger(): Promise<number>;
    expirePoints(): Promise<ExpiryRun>;
    awardBirthdayBonuses(): Promise<{ awarded: number }>;
    /** Finishes or reverses redemptions a crash left half done (src/loyalty/rewards/redeem-reward.ts). */
    recoverRedemptions(): Promise<RecoveryRun>;
    /** Releases vouchers staff have not fulfilled within REDEMPTION_HOLD_HOURS: refund, stock back. */
    releaseReservations(): Promise<{ released: number; points: number }>;
    /** Moves members between tiers by the published rules (src/loyalty/tiers/recalculate-tiers.ts). */
    recalculateTiers(
      options?: Partial<Pick<RecalculationOptions, 'dryRun' | 'rules' | 'onProgress' | 'batchSize' | 'owner'>>,
    ): Promise<RecalculationResult>;
  };
}

/** Wires the whole platform on an open connection: what main.ts serves and what tests drive. */
export async function createPlatform(deps: {
  config: Config;
  /** Who may call /admin/api; main.ts makes a one-off admin token when ADMIN_TOKENS is unset. */
  adminTokens: AdminToken[];
  connection: Connection;
  logger: Logger;
  clock: Clock;
}): Promise<Platform> {
  const { config, connection, logger, clock, adminTokens } = deps;
  const catalog = loadCatalogFromFiles({
    flowsDir: config.FLOWS_DIR,
    templatesDir: config.TEMPLATES_DIR,
    actions: actionOutcomes,
    defaultLocale: config.DEFAULT_LOCALE,
  });

  const repositories = createRepositories(connection);
  await initModels(modelsOf(repositories));
  await seedDefaults(repositories, { sampleRewards: config.DEMO_DATA, now: clock.now().toJSDate() });

  const metrics = createMetrics();
  const rules = programmeRulesFrom(config);
  const runner = createFlowRunner({
    catalog: () => catalog,
    sessions: repositories.sessions,
    identities: repositories.identities,
    actions: createFlowActions({ repositories, rules }),
    clock,
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    defaultLocale: config.DEFAULT_LOCALE,
    programmeVariables: { termsVersion: config.TERMS_VERSION },
    notices: {
      take: async (memberId) =>
        (await repositories.members.takeNotices(memberId)).map((notice) => ({ template: notice.template, variables: notice.variables })),
    },
    logger,
  });
  const inbox = createInbox({
    runner,
    databaseUp: () => connection.readyState === 1,
    chatLimit: {
      limiter: createChatRateLimiter({ events: config.CHAT_RATE_LIMIT_EVENTS, windowMs: config.CHAT_RATE_LIMIT_WINDOW_SECONDS * 1000 }),
      slowDown: (event) => runner.slowDown(event),
    },
    inboundEvents: repositories.inboundEvents,
    clock,
    logger,
    onTurn: (event, seconds) => {
      metrics.events.inc({ channel: event.channel, kind: event.kind });
      metrics.turnSeconds.observe({ channel: event.channel }, seconds);
    },
  });

  const lineClient = config.lineEnabled ? new LineClient({ config, logger }) : undefined;
  const messenger = config.messengerEnabled ? createMessengerChannel({ config, inbox, logger, clock }) : undefined;
  const notifyDeps: NotifyDeps = {
    ...repositories,
    catalog: () => catalog,
    pushChannels: {
      ...(lineClient ? { line: { channel: linePushChannel(lineClient), monthlyBudget: config.LINE_MONTHLY_PUSH_BUDGET } } : {}),
      ...(messenger
        ? {
            messenger: {
              channel: messengerPushChannel({
                client: messenger.messengerClient,
                lastInboundAt: async (channelUserId) =>
                  (await repositories.identities.find(identityKeyOf({ channel: 'messenger', channelUserId })))?.lastInboundAt ?? null,
                clock,
                logger,
              }),
              // Messenger has no monthly push quota; its limit is the 24-hour window, checked in the channel.
              monthlyBudget: Number.MAX_SAFE_INTEGER,
            },
          }
        : {}),
    },
    defaultLocale: config.DEFAULT_LOCALE,
    zone: rules.zone,
    logger,
  };

  const webhooks = [
    {
      path: '/webhooks/line',
      router: lineClient
        ? createLineWebhookRouter({ config, inbox, logger, clock, lineClient })
        : channelOff('LINE', 'LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN'),
    },
    {
      path: '/webhooks/messenger',
      router: messenger
        ? messenger.router
        : channelOff('Messenger', 'MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN and MESSENGER_VERIFY_TOKEN'),
    },
  ];
  // botbuilder takes half a second to load: only when the endpoint is on.
  const botFrameworkEndpoint = () => {
    if (!config.botFrameworkEnabled) {
      return channelOff('The Bot Framework endpoint', 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD');
    }
    const endpoint: typeof import('./channels/botframework/botframework-endpoint') = require('./channels/botframework/botframework-endpoint');
    const warning = endpoint.unauthenticatedWarning(config);
    if (warning !== undefined) logger.warn(warning);
    return endpoint.createBotFrameworkRouter({ config, inbox, logger, clock });
  };

  const runTierRecalculation: Platform['jobs']['recalculateTiers'] = (options = {}) =>
    recalculateTiers(repositories, {
      ...options,
      now: clock.now(),
      zone: rules.zone,
      leaseClock: () => clock.now().toJSDate(),
    });

  const adminRoutes: AdminRoute[] = [
    { path: '/members', area: 'staff', router: createMembersRouter({ repositories, rules, clock }) },
    { path: '/ledger', area: 'staff', router: createLedgerRouter({ repositories }) },
    { path: '/point-codes', area: 'programme', router: createPointCodesRouter({ repositories, clock, config }) },
    { path: '/rewards', area: 'programme', router: createRewardsRouter({ repositories, clock }) },
    { path: '/missions', area: 'programme', router: createMissionsRouter({ repositories, clock }) },
    { path: '/redemptions', area: 'staff', router: createRedemptionsRouter({ repositories, rules, clock }) },
    { path: '/tier-rules', area: 'programme', router: createTierRulesRouter({ repositories, clock }) },
    { path: '/jobs', area: 'staff', router: createJobsRouter({ recalculateTiers: runTierRecalculation }) },
  ];
  const app = createApp(
    {
      health: createHealthRouter({ ping: () => pingMongo(connection), metrics }),
      webhooks,
      webChat: createWebChatRouter({ inbox, logger, defaultLocale: config.DEFAULT_LOCALE, clock }),
      botFramework: botFrameworkEndpoint(),
      adminApi: createAdminApi(adminTokens, adminRoutes),
    },
    logger,
    {
      webChat: perIpRateLimit({ limit: config.WEB_CHAT_RATE_LIMIT, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, what: 'the web chat' }),
      adminApi: perIpRateLimit({ limit: config.ADMIN_API_RATE_LIMIT, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, what: 'the admin API' }),
    },
  );

  return {
    app,
    inbox,
    catalog,
    repositories,
    jobs: {
      recoverLedger: async () => {
        const before = new Date(clock.now().toMillis() - 60_000);
        // Point-code claims first: finishing one writes a ledger entry that the ledger pass then applies.
        const claims = await recoverPointCodeClaims({ ...repositories, earning: rules.earning }, before);
        return claims + (await repositories.ledger.recoverPending(before, clock.now()));
      },
      expirePoints: () =>
        expirePoints(
          { ...repositories, offer: (memberId, notice) => notifyMember(notifyDeps, memberId, notice, clock.now()) },
          { now: clock.now(), reminderDays: rules.expiryReminderDays, zone: rules.zone },
        ),
      awardBirthdayBonuses: () =>
        awardBirthdayBonuses({ ...repositories, earning: rules.earning }, { now: clock.now(), points: rules.birthdayBonus }),
      recoverRedemptions: () => recoverRedemptions({ ...repositories, rules }, clock.now()),
      releaseReservations: () => releaseReservations({ ...repositories, rules }, clock.now()),
      recalculateTiers: runTierRecalculation,
    },
  };
}
