import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import { expiryOf, type ExpiryPolicy, type LedgerReason } from './ledger';
import type { EarnResult, LedgerRepository } from './ledger-repository';

export interface EarningRules {
  expiry: ExpiryPolicy;
  zone: string;
}

export interface AwardRequest {
  /** The idempotency key: the same key never awards twice. */
  key: string;
  memberId: MemberId;
  points: number;
  reason: LedgerReason;
  note?: string | null;
  now: DateTime;
  set?: Record<string, unknown>;
}

/** Every way of earning points ends here: a lot with its expiry, on the ledger, once per key. */
export function awardPoints(deps: { ledger: LedgerRepository; rules: EarningRules }, request: AwardRequest): Promise<EarnResult> {
  return deps.ledger.earn({ ...request, expiresAt: expiryOf(deps.rules.expiry, request.now, deps.rules.zone) });
}
