import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import { awardPoints, type EarningRules } from './award-points';
import type { LedgerEntry } from './ledger';
import type { LedgerRepository } from './ledger-repository';

export type AdjustmentOutcome =
  | { kind: 'applied' | 'replayed'; entry: LedgerEntry; balance: number }
  | { kind: 'notEnoughPoints'; balance: number; shortBy: number }
  | { kind: 'keyReused' }
  | { kind: 'noMember' };

/**
 * A staff correction: positive points become a lot like any award, negative ones a FIFO spend.
 * The staff's idempotency key makes a retried request replay the first answer; the same key with
 * other points or another member is refused rather than silently answered.
 */
export async function adjustPoints(
  deps: { members: MemberRepository; ledger: LedgerRepository; earning: EarningRules },
  request: { memberId: MemberId; points: number; reason: string; idempotencyKey: string; now: DateTime },
): Promise<AdjustmentOutcome> {
  if ((await deps.members.balanceState(request.memberId)) === null) return { kind: 'noMember' };
  const key = `adjustment:${request.idempotencyKey}`;
  const change = { key, memberId: request.memberId, reason: 'adjustment' as const, note: request.reason, now: request.now };
  const result =
    request.points > 0
      ? await awardPoints({ ledger: deps.ledger, rules: deps.earning }, { ...change, points: request.points })
      : await deps.ledger.spend({ ...change, points: -request.points });
  if (result.kind === 'notEnoughPoints' || result.kind === 'noMember') return result;
  const entry = (await deps.ledger.find(key))!;
  if (entry.memberId !== request.memberId || entry.points !== request.points) return { kind: 'keyReused' };
  if (entry.status === 'rejected') return { kind: 'notEnoughPoints', balance: 0, shortBy: 0 };
  const balance = (await deps.members.balanceState(request.memberId))?.points ?? 0;
  return { kind: result.kind === 'duplicate' ? 'replayed' : 'applied', entry, balance };
}
