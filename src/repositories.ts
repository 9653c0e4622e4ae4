import type { Model } from 'mongoose';
import { createContentVersionRepository } from './conversation/content-version-repository';
import { createDailyStatsRepository } from './analytics/daily-stats-repository';
import { createProgrammeFactsRepository } from './analytics/programme-facts-repository';
import { createBroadcastRepository } from './broadcasts/broadcast-repository';
import { createInboundEventRepository } from './conversation/inbound-event-repository';
import { createPushBudgetRepository } from './conversation/push-budget-repository';
import { createSessionRepository } from './conversation/session-repository';
import { createTranscriptRepository } from './conversation/transcript-repository';
import type { Connection } from './database/mongo-connection';
import { createAuditRepository } from './http/admin/audit-repository';
import { createIdentityRepository } from './loyalty/members/identity-repository';
import { createLinkCodeRepository } from './loyalty/members/link-code-repository';
import { createMissionRepository } from './loyalty/missions/mission-repository';
import { createLeaderboardSnapshotRepository } from './loyalty/leaderboard/leaderboard-snapshot-repository';
import { createMemberRepository } from './loyalty/members/member-repository';
import { createPointCodeRepository } from './loyalty/point-codes/point-code-repository';
import { createReferralRepository } from './loyalty/referrals/referral-repository';
import { createLedgerRepository } from './loyalty/points/ledger-repository';
import { createRedemptionRepository } from './loyalty/rewards/redemption-repository';
import { createRewardRepository } from './loyalty/rewards/reward-repository';
import { createJobCheckpointRepository } from './loyalty/tiers/job-checkpoint-repository';
import { createJobLeaseRepository } from './loyalty/tiers/job-lease-repository';
import { createJobRunRepository } from './loyalty/tiers/job-run-repository';
import { createMemberTierRepository } from './loyalty/tiers/member-tier-repository';
import { createTierHistoryRepository } from './loyalty/tiers/tier-history-repository';
import { createTierRepository } from './loyalty/tiers/tier-repository';
import { createTierRulesRepository } from './loyalty/tiers/tier-rules-repository';
import { createLinkSecretRepository } from './privacy/link-secret-repository';
import { createDemoHistoryRepository } from './loyalty/demo-history-repository';
import { createPurchaseRepository } from './segments/purchase-repository';
import { createSegmentRepository } from './segments/segment-repository';
import { createProgrammeSettingsRepository } from './loyalty/programme-settings/programme-settings-repository';

/** Every repository on one connection; the only objects that touch mongoose. */
export function createRepositories(connection: Connection) {
  const members = createMemberRepository(connection);
  return {
    members,
    identities: createIdentityRepository(connection),
    linkCodes: createLinkCodeRepository(connection),
    ledger: createLedgerRepository(connection, members),
    tiers: createTierRepository(connection),
    tierRules: createTierRulesRepository(connection),
    tierHistory: createTierHistoryRepository(connection),
    memberTiers: createMemberTierRepository(connection),
    jobLeases: createJobLeaseRepository(connection),
    jobCheckpoints: createJobCheckpointRepository(connection),
    jobRuns: createJobRunRepository(connection),
    rewards: createRewardRepository(connection),
    redemptions: createRedemptionRepository(connection),
    pointCodes: createPointCodeRepository(connection),
    missions: createMissionRepository(connection),
    referrals: createReferralRepository(connection),
    leaderboardSnapshots: createLeaderboardSnapshotRepository(connection),
    sessions: createSessionRepository(connection),
    inboundEvents: createInboundEventRepository(connection),
    pushBudget: createPushBudgetRepository(connection),
    audit: createAuditRepository(connection),
    contentVersions: createContentVersionRepository(connection),
    transcripts: createTranscriptRepository(connection),
    linkSecrets: createLinkSecretRepository(connection),
    programmeFacts: createProgrammeFactsRepository(connection),
    dailyStats: createDailyStatsRepository(connection),
    segments: createSegmentRepository(connection),
    purchases: createPurchaseRepository(connection),
    broadcasts: createBroadcastRepository(connection),
    demoHistory: createDemoHistoryRepository(connection),
    programmeSettings: createProgrammeSettingsRepository(connection),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** Every model, to initialise before the first write (DATABASE.md). */
export function modelsOf(repositories: Repositories): Model<any>[] {
  return Object.values(repositories).flatMap((repository) =>
    'models' in repository ? repository.models : [repository.model],
  );
}
