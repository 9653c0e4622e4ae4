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
import { buildCatalog, readShippedSources } from './conversation/flow-files';
import { createFlowRunner, type FlowRunnerDeps } from './conversation/flow-runner';
import type { ContentDeps } from './conversation/content-publishing';
import { createLiveCatalog, type LiveCatalog } from './conversation/live-catalog';
import { createChatRateLimiter } from './conversation/chat-rate-limit';
import { createInbox, type Inbox } from './conversation/inbox';
import { notifyMember, type NotifyDeps } from './conversation/notify-member';
import { initModels, pingMongo, type Connection } from './database/mongo-connection';
import { createAdminApi, type AdminRoute } from './http/admin/admin-api';
import type { AdminToken } from './http/admin/admin-auth';
import { createAuditRouter, auditOperations } from './http/admin/audit-router';
import {
  createLedgerRouter,
  createMemberMarketingRouter,
  createMembersRouter,
  ledgerOperations,
  memberMarketingOperations,
  memberOperations,
} from './http/admin/members-router';
import { createRedemptionsRouter, redemptionOperations } from './http/admin/redemptions-router';
import { createRewardsRouter, rewardOperations } from './http/admin/rewards-router';
import { createMissionsRouter, missionOperations } from './http/admin/missions-router';
import { createPointCodesRouter, pointCodeOperations } from './http/admin/point-codes-router';
import { createJobsRouter, jobOperations } from './http/admin/jobs-router';
import { createTierRulesRouter, tierRuleOperations } from './http/admin/tier-rules-router';
import { createFlowsRouter, createTemplatesRouter, flowOperations, templateOperations } from './http/admin/flows-router';
import { createPreviewRouter, previewOperations } from './http/admin/preview-router';
import { createPrivacyAdminRouter, privacyOperations } from './http/admin/privacy-router';
import { createPrivacyRouter } from './http/privacy-router';
import { sweepTranscripts } from './conversation/transcripts';
import { createExportLinks } from './privacy/export-link';
import { finishInterruptedErasures } from './privacy/erase-member';
import { backgroundRecalculation, type BackgroundRecalculation } from './loyalty/tiers/background-recalculation';
import { recalculateTiers, type RecalculationOptions, type RecalculationResult } from './loyalty/tiers/recalculate-tiers';
import { offerTierNotices } from './loyalty/tiers/tier-notices';
import { recoverPointCodeClaims } from './loyalty/point-codes/collect-points';
import { createApp } from './http/app';
import { analyticsOperations, createAnalyticsRouter } from './http/admin/analytics-router';
import { broadcastOperations, createBroadcastsRouter } from './http/admin/broadcasts-router';
import { createPurchasesRouter, purchaseOperations } from './http/admin/purchases-router';
import { createSegmentsRouter, segmentOperations } from './http/admin/segments-router';
import { recordDailyStats } from './analytics/dashboard';
import type { BroadcastDeps } from './broadcasts/broadcast-deps';
import { createBroadcastDispatcher } from './broadcasts/send-broadcast';
import { seedDemoHistory, type DemoHistorySeed } from './loyalty/demo-history';
import { createHealthRouter } from './http/health-router';
import { perIpRateLimit } from './http/rate-limit';
import { seedDefaults } from './loyalty/demo-data';
import { awardBirthdayBonuses } from './loyalty/members/birthday-bonus';
import { deleteOldLinkCodes } from './loyalty/members/link-identity';
import { welcomeMissedNewMembers } from './loyalty/members/welcome-new-member';
import type { LeaderboardSnapshot } from './loyalty/leaderboard/leaderboard';
import { snapshotLeaderboard } from './loyalty/leaderboard/snapshot-leaderboard';
import { expirePoints, type ExpiryRun } from './loyalty/points/expire-points';
import { programmeRulesFrom } from './loyalty/programme';
import { createLiveProgramme, type LiveProgramme } from './loyalty/programme-settings/live-programme';
import { programmeVariables } from './loyalty/programme-settings/programme-variables';
import { createProgrammeRouter, programmeOperations } from './http/admin/programme-router';
import { recoverRedemptions, type RecoveryRun } from './loyalty/rewards/redeem-reward';
import { releaseReservations } from './loyalty/rewards/release-reservations';
import { createRepositories, modelsOf, type Repositories } from './repositories';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import { createMetrics } from './shared/metrics';
import { stableUuid } from './shared/ids';

export interface Platform {
  app: Express;
  /** What /admin/api mounts: its routers and their documented operations. */
  adminRoutes: AdminRoute[];
  inbox: Inbox;
  /** The console's "run now" runs going on after their answer; shutdown drains them (main.ts). */
  backgroundRuns: Pick<BackgroundRecalculation, 'drain'>;
  /** The catalog chats run on right now (it changes when flows or templates are published). */
  readonly catalog: FlowCatalog;
  /** Shipped files overlaid with published versions; `stop()` ends its revision polling on shutdown. */
  liveCatalog: LiveCatalog;
  /** The env's programme numbers with the console's changes on top; `stop()` ends its revision polling on shutdown. */
  liveProgramme: LiveProgramme;
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
      options?: Partial<Pick<RecalculationOptions, 'dryRun' | 'rules' | 'onStarted' | 'onProgress' | 'batchSize' | 'owner'>>,
    ): Promise<RecalculationResult>;
    /** Deletes chat transcripts older than TRANSCRIPT_RETENTION_DAYS. */
    sweepTranscripts(): Promise<{ deleted: number }>;
    /** Finishes member erasures a crash interrupted (src/privacy/erase-member.ts). */
    finishErasures(): Promise<{ finished: number }>;
    /** Ranks this month's leaderboard in one pass over the members and stores it for the leaderboard replies. */
    snapshotLeaderboard(): Promise<LeaderboardSnapshot>;
    /** Stores the dashboard figures of finished days not stored yet (src/analytics/dashboard.ts). */
    recordDailyStats(): Promise<{ stored: number }>;
    /** Sends broadcasts that are due, and resumes ones a crashed run left (src/broadcasts/send-broadcast.ts). */
    dispatchBroadcasts(): Promise<{ finished: string[] }>;
    /** DEMO_DATA: five weeks of demo members and history, once per database (src/loyalty/demo-history.ts). */
    seedDemoHistory(): Promise<DemoHistorySeed>;
    /**
     * Runs acknowledged LINE/Messenger events whose turns a killed process never finished, once they are
     * RECOVER_UNHANDLED_AFTER_SECONDS old; their replies go out by push (src/conversation/inbox.ts).
     */
    recoverUnhandledEvents(): Promise<number>;
    /**
     * Forgets event ids older than a week, which keeps the recovery sweep's scan short, with the content of
     * acknowledged events that never ran (docs/privacy.md).
     */
    pruneInboundEvents(): Promise<{ handled: number; neverHandled: number }>;
    /**
     * Deletes the sessions servers of an earlier version kept in their own collection once nobody can continue them,
     * then the collection (session-repository.ts). It keeps running after that: an older server still serving
     * during a rolling upgrade can make the collection again.
     */
    retirePreviousSessions(): Promise<'retired' | 'stillInUse'>;
    /** Deletes link codes expired or used more than a day ago (src/loyalty/members/link-identity.ts). */
    deleteOldLinkCodes(): Promise<{ deleted: number }>;
    /**
     * Pays the welcome bonus and the referrer's credit that a signup turn which failed after making the member left
     * unpaid, for members who never wrote again (src/loyalty/members/welcome-new-member.ts).
     */
    recoverWelcomes(): Promise<{ bonuses: number; referrals: number }>;
    /** Forgets the answers of conversations people left: idle sessions and old flow endings (session-repository.ts). */
    forgetIdleSessions(): Promise<{ sessions: number; endings: number }>;
  };
}

/** How long event ids are remembered against redeliveries (LINE redelivers within hours, Messenger within a day), and unrun events kept. */
const inboundEventMemoryDays = 7;

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
  const catalogOptions = { actions: actionOutcomes, defaultLocale: config.DEFAULT_LOCALE };
  const shipped = readShippedSources({ flowsDir: config.FLOWS_DIR, templatesDir: config.TEMPLATES_DIR });
  // The shipped files must pass on their own: a typo in them stops startup, as before.
  const shippedCatalog = buildCatalog(shipped, catalogOptions);

  const repositories = createRepositories(connection);
  await initModels(modelsOf(repositories));
  const retirePreviousSessions = () => repositories.sessions.retirePreviousStorage(clock.now().toJSDate(), config.SESSION_IDLE_MINUTES);
  await retirePreviousSessions();
  await seedDefaults(repositories, { sampleRewards: config.DEMO_DATA, now: clock.now().toJSDate() });
  const liveCatalog = await createLiveCatalog({
    shipped,
    shippedCatalog,
    contentVersions: repositories.contentVersions,
    options: catalogOptions,
    logger,
  });
  liveCatalog.startPolling(config.CATALOG_REFRESH_SECONDS);
  const catalog = () => liveCatalog.current();
  const content: ContentDeps = { contentVersions: repositories.contentVersions, live: liveCatalog, shipped, options: catalogOptions };

  const metrics = createMetrics();
  const liveProgramme = await createLiveProgramme({ defaults: programmeRulesFrom(config), settings: repositories.programmeSettings, logger });
  liveProgramme.startPolling(config.CATALOG_REFRESH_SECONDS);
  const rules = liveProgramme.rules;
  const exportLinks = createExportLinks({
    secret: async () => config.PRIVACY_LINK_SECRET ?? repositories.linkSecrets.exportLinkSecret(clock.now().toJSDate()),
    publicBaseUrl: config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`,
    validHours: 24,
  });
  const runnerDeps: Omit<FlowRunnerDeps, 'catalog'> = {
    sessions: repositories.sessions,
    identities: repositories.identities,
    actions: createFlowActions({ repositories, rules, exportLinks }),
    clock,
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    defaultLocale: config.DEFAULT_LOCALE,
    programmeVariables: (locale) => ({
      termsVersion: config.TERMS_VERSION,
      transcriptDays: String(config.TRANSCRIPT_RETENTION_DAYS),
      ...programmeVariables(rules(), locale),
    }),
    notices: {
      take: async (memberId) =>
        (await repositories.members.takeNotices(memberId)).map((notice) => ({ template: notice.template, variables: notice.variables })),
    },
    ...(config.TRANSCRIPT_RETENTION_DAYS > 0 ? { transcripts: repositories.transcripts } : {}),
    logger,
  };
  const runner = createFlowRunner({ ...runnerDeps, catalog });
  const inbox = createInbox({
    runner,
    databaseUp: () => connection.readyState === 1,
    chatLimit: {
      limiter: createChatRateLimiter({ events: config.CHAT_RATE_LIMIT_EVENTS, windowMs: config.CHAT_RATE_LIMIT_WINDOW_SECONDS * 1000 }),
      slowDown: (event) => runner.slowDown(event),
    },
    inboundEvents: repositories.inboundEvents,
    // The sweep's wait doubles as the lease: an event is taken elsewhere once its server gave no sign for that long.
    leaseMs: config.RECOVER_UNHANDLED_AFTER_SECONDS * 1000,
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
    catalog,
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
    zone: rules().zone,
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

  const runTierRecalculation: Platform['jobs']['recalculateTiers'] = async (options = {}) => {
    const result = await recalculateTiers(repositories, {
      ...options,
      now: clock.now(),
      zone: rules().zone,
      leaseClock: () => clock.now().toJSDate(),
    });
    if (result.kind === 'completed' && !result.dryRun && result.upgrades + result.downgrades > 0) {
      // The notices are queued already (they ride on the next reply); this offers each by push.
      await offerTierNotices(
        { tierHistory: repositories.tierHistory, offer: (memberId, notice) => notifyMember(notifyDeps, memberId, notice, clock.now()) },
        result.runId,
        await repositories.tierRules.current(),
      );
    }
    return result;
  };

  // The console's "run now": the same run, going on after the answer, its progress in job_runs.
  const tierRecalculationInBackground = backgroundRecalculation({ jobRuns: repositories.jobRuns, recalculate: runTierRecalculation, clock, logger });

  const runLeaderboardSnapshot = () => snapshotLeaderboard(repositories, { now: clock.now(), zone: rules().zone });

  const broadcastDeps: BroadcastDeps = {
    ...repositories,
    pushChannels: notifyDeps.pushChannels,
    catalog,
    defaultLocale: config.DEFAULT_LOCALE,
    zone: config.LOYALTY_TIMEZONE,
    clock,
    logger,
  };
  const broadcastDispatcher = createBroadcastDispatcher(broadcastDeps);

  const adminRoutes: AdminRoute[] = [
    // Before the staff area's /members: a marketer's PUT here must not meet that area's refusal first.
    {
      path: '/members/:id/marketing',
      area: 'programme',
      router: createMemberMarketingRouter({ repositories, rules, clock }),
      operations: memberMarketingOperations,
    },
    { path: '/members', area: 'staff', router: createMembersRouter({ repositories, rules, clock }), operations: memberOperations },
    { path: '/members', area: 'staff', router: createPrivacyAdminRouter({ repositories, rules, clock }), operations: privacyOperations },
    { path: '/ledger', area: 'staff', router: createLedgerRouter({ repositories }), operations: ledgerOperations },
    { path: '/point-codes', area: 'programme', router: createPointCodesRouter({ repositories, clock, config }), operations: pointCodeOperations },
    { path: '/rewards', area: 'programme', router: createRewardsRouter({ repositories, clock }), operations: rewardOperations },
    { path: '/missions', area: 'programme', router: createMissionsRouter({ repositories, clock }), operations: missionOperations },
    { path: '/redemptions', area: 'staff', router: createRedemptionsRouter({ repositories, rules, clock }), operations: redemptionOperations },
    {
      path: '/programme',
      area: 'programme',
      router: createProgrammeRouter({
        programmeSettings: repositories.programmeSettings,
        audit: repositories.audit,
        live: liveProgramme,
        clock,
        refreshSeconds: config.CATALOG_REFRESH_SECONDS,
      }),
      operations: programmeOperations,
    },
    {
      path: '/tier-rules',
      area: 'programme',
      router: createTierRulesRouter({ repositories, clock, recalculateTiers: runTierRecalculation, backgroundRecalculation: tierRecalculationInBackground }),
      operations: tierRuleOperations,
    },
    {
      path: '/jobs',
      area: 'staff',
      router: createJobsRouter({
        recalculateTiers: runTierRecalculation,
        backgroundRecalculation: tierRecalculationInBackground,
        snapshotLeaderboard: runLeaderboardSnapshot,
        audit: repositories.audit,
        clock,
      }),
      operations: jobOperations,
    },
    { path: '/audit', area: 'staff', router: createAuditRouter({ repositories }), operations: auditOperations },
    { path: '/flows', area: 'programme', router: createFlowsRouter({ content, audit: repositories.audit, clock }), operations: flowOperations },
    { path: '/templates', area: 'programme', router: createTemplatesRouter({ content, audit: repositories.audit, clock }), operations: templateOperations },
    {
      path: '/preview',
      area: 'programme',
      router: createPreviewRouter({ content, runner: runnerDeps, ...repositories, clock, audit: repositories.audit }),
      operations: previewOperations,
    },
    { path: '/analytics', area: 'programme', router: createAnalyticsRouter({ ...repositories, clock, zone: config.LOYALTY_TIMEZONE }), operations: analyticsOperations },
    { path: '/segments', area: 'programme', router: createSegmentsRouter({ ...repositories, clock, zone: config.LOYALTY_TIMEZONE }), operations: segmentOperations },
    { path: '/purchases', area: 'staff', router: createPurchasesRouter({ ...repositories, clock }), operations: purchaseOperations },
    {
      path: '/broadcasts',
      area: 'programme',
      router: createBroadcastsRouter({ ...broadcastDeps, audit: repositories.audit, dispatcher: broadcastDispatcher }),
      operations: broadcastOperations,
    },
  ];
  const app = createApp(
    {
      health: createHealthRouter({ ping: () => pingMongo(connection), metrics }),
      webhooks,
      webChat: createWebChatRouter({ inbox, logger, defaultLocale: config.DEFAULT_LOCALE, clock }),
      botFramework: botFrameworkEndpoint(),
      adminApi: createAdminApi(adminTokens, adminRoutes, { logger }),
      privacy: createPrivacyRouter({ exportLinks, repositories, clock }),
    },
    logger,
    {
      webChat: perIpRateLimit({ limit: config.WEB_CHAT_RATE_LIMIT, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, what: 'the web chat' }),
      adminApi: perIpRateLimit({ limit: config.ADMIN_API_RATE_LIMIT, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, what: 'the admin API' }),
      privacyDownloads: perIpRateLimit({ limit: config.WEB_CHAT_RATE_LIMIT, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS, what: 'data export downloads' }),
    },
  );

  return {
    app,
    adminRoutes,
    inbox,
    backgroundRuns: tierRecalculationInBackground,
    get catalog() {
      return liveCatalog.current();
    },
    liveCatalog,
    liveProgramme,
    repositories,
    jobs: {
      recoverLedger: async () => {
        const before = new Date(clock.now().toMillis() - 60_000);
        // Point-code claims first: finishing one writes a ledger entry that the ledger pass then applies.
        const claims = await recoverPointCodeClaims({ ...repositories, earning: rules().earning }, before);
        return claims + (await repositories.ledger.recoverPending(before, clock.now()));
      },
      expirePoints: () =>
        expirePoints(
          { ...repositories, offer: (memberId, notice) => notifyMember(notifyDeps, memberId, notice, clock.now()) },
          { now: clock.now(), reminderDays: rules().expiryReminderDays, zone: rules().zone },
        ),
      awardBirthdayBonuses: () => {
        const { earning, birthdayBonus } = rules();
        return awardBirthdayBonuses({ ...repositories, earning }, { now: clock.now(), points: birthdayBonus });
      },
      recoverRedemptions: () => recoverRedemptions({ ...repositories, rules: rules() }, clock.now()),
      releaseReservations: () => releaseReservations({ ...repositories, rules: rules() }, clock.now()),
      recalculateTiers: runTierRecalculation,
      sweepTranscripts: () => sweepTranscripts(repositories.transcripts, { days: config.TRANSCRIPT_RETENTION_DAYS }, clock.now()),
      finishErasures: () => finishInterruptedErasures({ ...repositories, rules: rules() }, clock.now()),
      snapshotLeaderboard: runLeaderboardSnapshot,
      recordDailyStats: () => recordDailyStats(repositories, clock.now(), config.LOYALTY_TIMEZONE),
      dispatchBroadcasts: () => broadcastDispatcher.runDue(),
      seedDemoHistory: () => seedDemoHistory(repositories, { now: clock.now(), zone: config.LOYALTY_TIMEZONE, rules: rules() }),
      recoverUnhandledEvents: () =>
        inbox.recoverUnhandled(new Date(clock.now().toMillis() - config.RECOVER_UNHANDLED_AFTER_SECONDS * 1000), async (event, messages) => {
          const push = notifyDeps.pushChannels[event.channel];
          // The live path's fallback push uses the same retry key: if it went out before the crash, LINE takes it once.
          const pushed = push !== undefined && (await push.channel.push(event.channelUserId, messages, stableUuid(event.eventId)));
          if (!pushed) logger.warn({ channel: event.channel, eventId: event.eventId }, 'the reply to a recovered event could not be pushed');
        }),
      pruneInboundEvents: async () => {
        const pruned = await repositories.inboundEvents.pruneBefore(new Date(clock.now().toMillis() - inboundEventMemoryDays * 86_400_000));
        if (pruned.neverHandled > 0) {
          logger.warn({ neverHandled: pruned.neverHandled, days: inboundEventMemoryDays }, 'deleted acknowledged events whose turns never ran');
        }
        return pruned;
      },
      retirePreviousSessions,
      deleteOldLinkCodes: () => deleteOldLinkCodes(repositories, clock.now()),
      forgetIdleSessions: () => repositories.sessions.forgetIdle(clock.now().toJSDate(), config.SESSION_IDLE_MINUTES),
      recoverWelcomes: async () => {
        const paid = await welcomeMissedNewMembers({ ...repositories, earning: rules().earning }, clock.now());
        if (paid.bonuses + paid.referrals > 0) logger.warn(paid, 'paid welcome bonuses and referral credits that failed signup turns left unpaid');
        return paid;
      },
    },
  };
}
