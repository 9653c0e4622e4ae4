import type { Model } from 'mongoose';
import { createInboundEventRepository } from './conversation/inbound-event-repository';
import { createPushBudgetRepository } from './conversation/push-budget-repository';
import { createSessionRepository } from './conversation/session-repository';
import type { Connection } from './database/mongo-connection';
import { createIdentityRepository } from './loyalty/members/identity-repository';
import { createLinkCodeRepository } from './loyalty/members/link-code-repository';
import { createMemberRepository } from './loyalty/members/member-repository';
import { createPointCodeRepository } from './loyalty/point-codes/point-code-repository';
import { createLedgerRepository } from './loyalty/points/ledger-repository';
import { createRedemptionRepository } from './loyalty/rewards/redemption-repository';
import { createRewardRepository } from './loyalty/rewards/reward-repository';
import { createTierRepository } from './loyalty/tiers/tier-repository';

/** Every repository on one connection; the only objects that touch mongoose. */
export function createRepositories(connection: Connection) {
  const members = createMemberRepository(connection);
  return {
    members,
    identities: createIdentityRepository(connection),
    linkCodes: createLinkCodeRepository(connection),
    ledger: createLedgerRepository(connection, members),
    tiers: createTierRepository(connection),
    rewards: createRewardRepository(connection),
    redemptions: createRedemptionRepository(connection),
    pointCodes: createPointCodeRepository(connection),
    sessions: createSessionRepository(connection),
    inboundEvents: createInboundEventRepository(connection),
    pushBudget: createPushBudgetRepository(connection),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** Every model, to initialise before the first write (DATABASE.md). */
export function modelsOf(repositories: Repositories): Model<any>[] {
  return Object.values(repositories).flatMap((repository) =>
    'models' in repository ? repository.models : [repository.model],
  );
}
