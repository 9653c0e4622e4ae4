import type { ProgrammeFactsRepository } from '../analytics/programme-facts-repository';
import type { FlowCatalog } from '../conversation/flow-catalog';
import type { Locale } from '../conversation/flow-schema';
import type { NotifyDeps } from '../conversation/notify-member';
import type { PushBudgetRepository } from '../conversation/push-budget-repository';
import type { PurchaseRepository } from '../segments/purchase-repository';
import type { SegmentRepository } from '../segments/segment-repository';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { BroadcastRepository } from './broadcast-repository';

export interface BroadcastDeps {
  broadcasts: BroadcastRepository;
  segments: SegmentRepository;
  purchases: PurchaseRepository;
  programmeFacts: ProgrammeFactsRepository;
  pushBudget: PushBudgetRepository;
  /** The same push channels and LINE budget as notices (platform.ts `notifyDeps`). */
  pushChannels: NotifyDeps['pushChannels'];
  catalog: () => FlowCatalog;
  defaultLocale: Locale;
  zone: string;
  clock: Clock;
  logger: Logger;
}
