import type { DateTime } from 'luxon';
import { identityKeyOf } from '../channels/channel';
import type { ProgrammeRules } from '../loyalty/programme';
import { undoRedeemed } from '../loyalty/rewards/redemption-reversal';
import type { Repositories } from '../repositories';
import type { MemberId } from '../shared/ids';

export type ErasureDeps = Pick<
  Repositories,
  'members' | 'identities' | 'sessions' | 'inboundEvents' | 'transcripts' | 'linkCodes' | 'ledger' | 'redemptions' | 'rewards' | 'tiers' | 'referrals'
> & { rules: Pick<ProgrammeRules, 'earning' | 'redemptionHoldHours'> };

export type ErasureOutcome =
  | { kind: 'erased'; vouchersCancelled: number; pointsForfeited: number }
  | { kind: 'alreadyErased'; deletedAt: Date }
  | { kind: 'notFound' };

/** Who cancelled the vouchers, as the redemption records it. */
const erasureActor = 'member-erasure';

/**
 * Erases a member (docs/privacy.md). Each step only removes or settles what is still there, so
 * running the whole thing again — a retry, the recovery job after a crash — finishes the job and
 * changes nothing already done:
 * 1. personal fields go and the signup key is freed; `erasingSince` marks the unfinished erasure;
 * 2. unused vouchers are cancelled (stock and limit slots return);
 * 3. the content of acknowledged events not handled yet goes and they can no longer be run (a recovery sweep
 *    would otherwise run them after the erasure); then sessions, channel identities and pending invites go
 *    (the person becomes a stranger, so no chat can earn now);
 * 4. the balance is forfeited with a ledger entry: points die with the account; then transcripts and link codes go;
 * 5. the member document becomes a tombstone; ledger and redemption rows keep its opaque id.
 */
export async function eraseMember(deps: ErasureDeps, memberId: MemberId, now: DateTime): Promise<ErasureOutcome> {
  const state = await deps.members.erasureState(memberId);
  if (state === null) return { kind: 'notFound' };
  if (state.kind === 'erased') return { kind: 'alreadyErased', deletedAt: state.deletedAt };

  await deps.members.beginErasure(memberId, now.toJSDate());
  const vouchersCancelled = await cancelUnusedVouchers(deps, memberId, now);

  // The person becomes a stranger before the balance is forfeited, so no new chat can earn points in between.
  const linked = await deps.identities.ofMember(memberId);
  const identityKeys = new Set([...state.identities.map(identityKeyOf), ...linked.map((identity) => identity.key)]);
  // Before the identities go: a recovery sweep in between would run a kept event as a stranger's first message.
  await deps.inboundEvents.forgetEventsOf([...identityKeys], now.toJSDate());
  for (const key of identityKeys) {
    await deps.sessions.clear(key);
    await deps.identities.removeOfMember(key, memberId);
    await deps.referrals.forgetInvitation(key);
  }
  const pointsForfeited = await forfeitBalance(deps, memberId, now);
  await deps.transcripts.deleteOfMember(memberId);
  await deps.linkCodes.removeOfMember(memberId);

  await deps.members.finishErasure(memberId, now.toJSDate());
  return { kind: 'erased', vouchersCancelled, pointsForfeited };
}

/** What the member is told before confirming: what they would lose. */
export async function erasureConsequences(
  deps: Pick<ErasureDeps, 'members' | 'redemptions'>,
  memberId: MemberId,
): Promise<{ points: number; unusedVouchers: number }> {
  const balance = await deps.members.balanceState(memberId);
  const unused = await deps.redemptions.list({ memberId, status: 'redeemed', limit: 200 });
  return { points: balance?.points ?? 0, unusedVouchers: unused.redemptions.length };
}

/** Finishes erasures a crash interrupted: the steps are safe to run again. */
export async function finishInterruptedErasures(deps: ErasureDeps, now: DateTime): Promise<{ finished: number }> {
  let finished = 0;
  for await (const memberId of deps.members.streamUnfinishedErasures(now.minus({ minutes: 1 }).toJSDate())) {
    if ((await eraseMember(deps, memberId, now)).kind === 'erased') finished += 1;
  }
  return { finished };
}

async function cancelUnusedVouchers(deps: ErasureDeps, memberId: MemberId, now: DateTime): Promise<number> {
  let cancelled = 0;
  for (const status of ['redeemed', 'cancelling', 'releasing'] as const) {
    const { redemptions } = await deps.redemptions.list({ memberId, status, limit: 1000 });
    for (const redemption of redemptions) {
      const undone = await undoRedeemed(deps, redemption, status === 'releasing' ? 'release' : 'cancel', now, erasureActor);
      if (undone !== null) cancelled += 1;
    }
  }
  return cancelled;
}

/**
 * Spends whatever is left. The key carries the balance revision it was planned on, so a re-run
 * after a crash neither spends twice nor misses points that arrived in between (a voucher refund).
 */
async function forfeitBalance(deps: ErasureDeps, memberId: MemberId, now: DateTime): Promise<number> {
  let forfeited = 0;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const balance = await deps.members.balanceState(memberId);
    if (balance === null || balance.points <= 0) break;
    const spent = await deps.ledger.spend({
      key: `erasure:${memberId}:${balance.revision}`,
      memberId,
      points: balance.points,
      reason: 'erasure',
      note: null,
      now,
    });
    if (spent.kind === 'recorded') forfeited += balance.points;
  }
  return forfeited;
}
