import { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { TierRulesRepository } from '../tiers/tier-rules-repository';
import { multipliedPoints } from '../tiers/tier-rules';
import type { BalanceState, MemberRepository } from '../members/member-repository';
import { awardPoints, type EarningRules } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import { decideClaim, ledgerKeyOf, normaliseCode, requestKeyOf } from './point-code';
import type { PointCodeRepository, PointCodeUse } from './point-code-repository';

/*
 * Collecting points with a code, without multi-document transactions (DATABASE.md): three
 * documents change, each by one atomic write, in this order.
 *
 * 1. Reserve: insert the use `<code>:<member>:<slot>` as `reserved`, in the member's first free
 *    slot 1..perMemberLimit. Slot ids are unique, so a member never holds more than the limit;
 *    the use's request key (code, member, flow run) is unique too, so a redelivered or racing
 *    copy of the same request finds its use instead of taking another slot.
 * 2. Count: increment the code's `uses` only while it is below maxUses and only if the use's id is
 *    not among the code's counted markers, adding the marker in the same update. Counting a use
 *    twice is impossible and whether it happened can be read back. Used up: delete the reserved
 *    use (the slot is free again) and say so.
 * 3. Award: earn `point-code:<use>` through awardPoints (idempotent by that key), then mark the
 *    use `awarded`. (There is no write between counting and awarding: a use still `reserved`
 *    after a crash is counted again, which the markers make harmless. Uses written by earlier
 *    versions may be `counted`; they are finished the same way.)
 *
 * The member hears "collected" only after step 3 has a ledger entry, and the ledger finishes a
 * pending entry itself (recoverPending), so an acknowledged claim is never lost; the ledger key
 * keeps it from being paid twice. A crash after step 1 or 2 leaves a `reserved` (or `counted`) use:
 * `recoverPointCodeClaims` (and a replay of the same request) finishes it forward, because
 * repeating steps 2 and 3 is harmless; it is released if the code filled up meanwhile. The counted
 * markers are a window of the latest uses (countedUseWindow), so the sweep must run before that
 * many newer uses of one code are counted; past it, a recovered use could count twice, which
 * only ever costs a use, never pays extra.
 */

export interface CollectPointsDeps {
  pointCodes: PointCodeRepository;
  ledger: LedgerRepository;
  members: MemberRepository;
  earning: EarningRules;
  /** The member's tier multiplies a code's points; the multiplied points are fixed when the use is reserved. */
  tierRules: Pick<TierRulesRepository, 'current'>;
}

export interface CollectRequest {
  /** What the member typed after COLLECT / 集點, or the code from a button. */
  typedCode: string;
  memberId: MemberId;
  /** The chat request (flow run) id: the same id never claims twice. */
  requestId: string;
  /** When the claim is recorded. */
  now: DateTime;
  /** When the member typed the code, if earlier (a turn run late): the code's validity is judged then. */
  actedAt?: DateTime;
}

export type CollectOutcome =
  | { kind: 'collected'; points: number; balance: number; storeLabel: string | null }
  | { kind: 'unknownCode' }
  | { kind: 'notStarted'; startsAt: Date }
  | { kind: 'expired'; expiredAt: Date }
  | { kind: 'usedUp' }
  | { kind: 'alreadyCollected'; perMemberLimit: number };

export async function collectPoints(deps: CollectPointsDeps, request: CollectRequest): Promise<CollectOutcome> {
  const code = normaliseCode(request.typedCode);
  if (code === null) return { kind: 'unknownCode' };
  const pointCode = await deps.pointCodes.find(code);
  if (pointCode === null) return { kind: 'unknownCode' };

  const requestKey = requestKeyOf(code, request.memberId, request.requestId);
  const firstSlots = await deps.pointCodes.firstSlotUses(code, request.memberId, pointCode.perMemberLimit, requestKey);
  if (firstSlots.byRequest) return finishUse(deps, firstSlots.byRequest, 'mayBeAwarded');

  const decision = decideClaim(pointCode, request.actedAt ?? request.now);
  if (decision.kind !== 'open') return decision;

  const found = await deps.members.findWithBalanceState(request.memberId);
  const points = found === null ? pointCode.points : multipliedPoints(pointCode.points, await deps.tierRules.current(), found.member.tier);
  const reserved = await deps.pointCodes.reserveUse({
    code,
    memberId: request.memberId,
    perMemberLimit: pointCode.perMemberLimit,
    requestKey,
    points,
    storeLabel: pointCode.storeLabel,
    claimedAt: request.now.toJSDate(),
    firstSlots,
  });
  if (reserved.kind === 'limitReached') return { kind: 'alreadyCollected', perMemberLimit: pointCode.perMemberLimit };
  return finishUse(deps, reserved.use, reserved.kind === 'reserved' ? 'justReserved' : 'mayBeAwarded', found?.balance);
}

/** Finishes the claims a crash left half done; returns how many it looked at. */
export async function recoverPointCodeClaims(deps: CollectPointsDeps, claimedBefore: Date): Promise<number> {
  const unfinished = await deps.pointCodes.unfinishedUses(claimedBefore);
  for (const use of unfinished) await finishUse(deps, use, 'mayBeAwarded');
  return unfinished.length;
}

/**
 * Steps 2 and 3 for a use in any state: each is idempotent, so finishing twice changes nothing. A use found again
 * (a replay, the recovery sweep) that is still `reserved` may have been counted and awarded before a crash, its
 * marker since pushed out of the window: an award on the ledger means it was counted, so it is neither counted
 * again nor released. A use this request has just reserved cannot have one, so it skips that read.
 */
async function finishUse(
  deps: CollectPointsDeps,
  use: PointCodeUse,
  history: 'justReserved' | 'mayBeAwarded',
  readBefore?: BalanceState,
): Promise<CollectOutcome> {
  const awardedBefore = use.status === 'reserved' && history === 'mayBeAwarded' && (await deps.ledger.find(ledgerKeyOf(use.id))) !== null;
  if (use.status === 'reserved' && !awardedBefore && (await deps.pointCodes.countUse(use)) === 'usedUp') {
    await deps.pointCodes.releaseUse(use.id);
    return { kind: 'usedUp' };
  }
  const award = await awardPoints(
    { ledger: deps.ledger, rules: deps.earning },
    {
      key: ledgerKeyOf(use.id),
      memberId: use.memberId,
      points: use.points,
      reason: 'pointCode',
      note: use.storeLabel,
      now: DateTime.fromJSDate(use.claimedAt),
      ...(readBefore ? { readBefore } : {}),
    },
  );
  if (award.kind === 'noMember') throw new Error(`Point code use ${use.id} belongs to no member: collect must run for members only`);
  if (use.status !== 'awarded') await deps.pointCodes.setUseStatus(use.id, use.status, 'awarded');
  const balance = award.kind === 'recorded' ? award.balance : ((await deps.members.findById(use.memberId))?.points ?? 0);
  return { kind: 'collected', points: use.points, balance, storeLabel: use.storeLabel };
}
