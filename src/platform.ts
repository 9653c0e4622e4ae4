import type { Express } from 'express';
import { channelOff } from './channels/channel-off';
import { LineClient } from './channels/line/line-client';
import { createLineWebhookRouter } from './channels/line/line-webhook';
import { createWebChatRouter } from './channels/web/web-chat';
import type { Config } from './config';
import { createFlowActions, actionOutcomes } from './conversation/flow-actions';
import type { FlowCatalog } from './conversation/flow-catalog';
import { loadCatalogFromFiles } from './conversation/flow-files';
import { createFlowRunner } from './conversation/flow-runner';
import { createInboundEventRepository } from './conversation/inbound-event-repository';
import { createInbox, type Inbox } from './conversation/inbox';
import { createSessionRepository } from './conversation/session-repository';
import { initModels, pingMongo, type Connection } from './database/mongo-connection';
import { createApp } from './http/app';
import { createHealthRouter } from './http/health-router';
import { seedDefaults } from './loyalty/demo-data';
import { createIdentityRepository } from './loyalty/members/identity-repository';
import { createMemberRepository } from './loyalty/members/member-repository';
import { createLedgerRepository } from './loyalty/points/ledger-repository';
import { createRewardRepository } from './loyalty/rewards/reward-repository';
import { createTierRepository } from './loyalty/tiers/tier-repository';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import { createMetrics } from './shared/metrics';

export interface Platform {
  app: Express;
  inbox: Inbox;
  catalog: FlowCatalog;
  repositories: ReturnType<typeof createRepositories>;
  /** Finishes ledger entries a crash left unapplied (docs/ledger.md). */
  recover(): Promise<number>;
}

export function createRepositories(connection: Connection) {
  const members = createMemberRepository(connection);
  return {
    members,
    identities: createIdentityRepository(connection),
    ledger: createLedgerRepository(connection, members),
    tiers: createTierRepository(connection),
    rewards: createRewardRepository(connection),
    sessions: createSessionRepository(connection),
    inboundEvents: createInboundEventRepository(connection),
  };
}

/** Wires the whole platform on an open connection: what main.ts serves and what tests drive. */
export async function createPlatform(deps: {
  config: Config;
  connection: Connection;
  logger: Logger;
  clock: Clock;
}): Promise<Platform> {
  const { config, connection, logger, clock } = deps;
  const catalog = loadCatalogFromFiles({
    flowsDir: config.FLOWS_DIR,
    templatesDir: config.TEMPLATES_DIR,
    actions: actionOutcomes,
    defaultLocale: config.DEFAULT_LOCALE,
  });

  const repositories = createRepositories(connection);
  await initModels(Object.values(repositories).map((repository) => repository.model));
  await seedDefaults(repositories, { sampleRewards: config.DEMO_DATA });

  const metrics = createMetrics();
  const earning = { expiry: config.expiryPolicy, zone: config.LOYALTY_TIMEZONE };
  const runner = createFlowRunner({
    catalog: () => catalog,
    sessions: repositories.sessions,
    identities: repositories.identities,
    actions: createFlowActions({
      members: repositories.members,
      identities: repositories.identities,
      ledger: repositories.ledger,
      tiers: repositories.tiers,
      checkInRules: {
        points: config.CHECKIN_POINTS,
        streakDays: config.CHECKIN_STREAK_DAYS,
        streakBonus: config.CHECKIN_STREAK_BONUS,
        zone: config.LOYALTY_TIMEZONE,
      },
      earning,
      termsVersion: config.TERMS_VERSION,
    }),
    clock,
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    defaultLocale: config.DEFAULT_LOCALE,
    programmeVariables: { termsVersion: config.TERMS_VERSION },
    logger,
  });
  const inbox = createInbox({
    runner,
    inboundEvents: repositories.inboundEvents,
    clock,
    logger,
    onTurn: (event, seconds) => {
      metrics.events.inc({ channel: event.channel, kind: event.kind });
      metrics.turnSeconds.observe({ channel: event.channel }, seconds);
    },
  });

  const webhooks = [
    {
      path: '/webhooks/line',
      router: config.lineEnabled
        ? createLineWebhookRouter({ config, inbox, logger, clock, lineClient: new LineClient({ config, logger }) })
        : channelOff('LINE', 'LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN'),
    },
    {
      path: '/webhooks/messenger',
      router: channelOff('Messenger', 'MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN and MESSENGER_VERIFY_TOKEN'),
    },
  ];
  const app = createApp(
    {
      health: createHealthRouter({ ping: () => pingMongo(connection), metrics }),
      webhooks,
      webChat: createWebChatRouter({ inbox, logger, defaultLocale: config.DEFAULT_LOCALE, clock }),
      botFramework: channelOff('The Bot Framework endpoint', 'MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD'),
    },
    logger,
  );

  return {
    app,
    inbox,
    catalog,
    repositories,
    recover: () => repositories.ledger.recoverPending(new Date(clock.now().toMillis() - 60_000), clock.now()),
  };
}
