/**
 * Redeeming a reward, exactly once, without transactions (DATABASE.md).
 *
 * Every step is one atomic single-document update that carries the redemption id as its marker,
 * so a step run twice does nothing the second time and a hand-back returns only what this
 * redemption holds:
 *
 *  1. The reward is on offer to this member (active, inside its window, tier high enough). Pure;
 *     nothing is recorded for a reward that is not on offer.
 *  2. Record the redemption `pending` under its unique key `redeem:<memberId>:<flowRunId>`. A
 *     duplicate key means the same confirmation is being (or was) handled already: wait for that
 *     redemption to settle and answer with its outcome. Ten taps of one question, one redemption.
 *  3. Points forecast: a member who cannot afford it fails here, before taking anything others want.
 *  4. Per-member limit: join the reward×member slots document (`$push`, guarded by its length).
 *  5. Stock: `$inc: -1` guarded by `stock > 0` and by the redemption not holding a unit yet (its marker on the
 *     reward, which leaves once step 8 has landed: from then on the redemption's status says it holds the unit).
 *  6. Coupon code: claim one free code of the pool (a guarded update on that code's document).
 *  7. Points: ledger.spend under `redemption:<id>`; the point of no return.
 *  8. `pending → redeemed`, guarded: the voucher is the member's, held for REDEMPTION_HOLD_HOURS.
 *
 * When step 3–7 fails, the redemption moves to `reversing` with the reason, hands back what steps
 * 4–6 took (handBackEverything) and ends `failed`; its duplicates read the same reason.
 *
 * Crash recovery, recoverRedemptions(now), at startup and every minute: a redemption still
 * `pending` after the lease was abandoned by its process. If its spend was applied, steps 4–6 had
 * all succeeded, so it is finished: `redeemed`, found by staff in the admin API, released after the
 * hold like any other voucher. If its spend was never written or was rejected, it is reversed: the
 * member was never told it succeeded. A spend still pending is left for the ledger's own recovery
 * to settle first (it rejects spends nobody confirmed). Redemptions left `reversing`, `cancelling`
 * or `releasing` are driven to their end. A process slower than the lease whose step 8 does not
 * land finds its redemption taken over: finished (it answers `redeemed`) or being reversed (it
 * refunds its own late spend and answers `interrupted`). Should it crash before that refund,
 * recovery sweeps `interrupted` failures of the last day once more and refunds a spend it finds.
 */
import { DateTime } from 'luxon';
import type { Locale } from '../../conversation/flow-schema';
import type { MemberId } from '../../shared/ids';
import type { Tier } from '../tiers/tier';
import {
  newRedemptionId,
  redemptionKeyOf,
  spendKeyOf,
  type Redemption,
  type RedemptionFailure,
} from './redemption';
import { holdUntilOf, offerTo, spendableBalance } from './redemption-policy';
import { handBackEverything, undoRedeemed, type RedemptionDeps } from './redemption-reversal';
import type { Reward } from './reward';

export type { RedemptionDeps } from './redemption-reversal';

export interface RedeemRequest {
  memberId: MemberId;
  rewardId: string;
  /** The event that started the flow run whose confirmation this is. */
  flowRunId: string;
  /** The member's language: the ledger note names the reward in it. */
  locale: Locale;
  now: DateTime;
}

export type RedeemOutcome =
  | { kind: 'redeemed'; reward: Reward; redemption: Redemption; balance: number }
  | { kind: 'unknownReward' }
  | { kind: 'notAvailable'; reward: Reward }
  | { kind: 'tierTooLow'; reward: Reward; requiredTier: Tier }
  | { kind: 'notEnoughPoints'; reward: Reward; shortBy: number; balance: number }
  | { kind: 'overLimit'; reward: Reward; limit: number }
  | { kind: 'outOfStock'; reward: Reward }
  | { kind: 'poolEmpty'; reward: Reward }
  /** A crash or a stall broke this redemption off; nothing was kept from it. */
  | { kind: 'interrupted'; reward: Reward };

/** How long a recorded redemption may stay `pending` before recovery takes it for abandoned. */
export const redemptionLeaseMs = 2 * 60_000;
const settlePollMs = 25;
const settlePolls = 200;
const maxIdDraws = 5;

export async function redeemReward(deps: RedemptionDeps, request: RedeemRequest): Promise<RedeemOutcome> {
  const key = redemptionKeyOf(request.memberId, request.flowRunId);
  const earlier = await deps.redemptions.findByKey(key);
  if (earlier !== null) return replay(deps, earlier);

  const reward = await deps.rewards.findById(request.rewardId);
  if (reward === null) return { kind: 'unknownReward' };
  // The turn's own read of the member: it also answers the turn's notices take (member-repository.ts).
  const balance = (await deps.members.findWithBalanceState(request.memberId))?.balance ?? null;
  if (balance === null) throw new Error(`Member ${request.memberId} does not exist: the redeem flow must set requiresMember`);
  const offer = offerTo(reward, balance.tier, await deps.tiers.all(), request.now);
  if (offer.kind !== 'onOffer') return { ...offer, reward };

  const recorded = await record(deps, key, reward, request);
  if (recorded.kind === 'duplicate') return replay(deps, recorded.existing);
  const redemption = recorded.redemption;
  const { now } = request;

  const points = spendableBalance(balance.lots, now);
  if (points < reward.cost) return fail(deps, redemption, reward, 'notEnoughPoints', now, reward.cost - points);

  if (redemption.perMemberLimit !== null) {
    const slot = await deps.redemptions.claimLimitSlot(reward.id, request.memberId, redemption.id, redemption.perMemberLimit);
    if (slot.kind === 'full') return fail(deps, redemption, reward, 'overLimit', now);
  }

  if (redemption.takesStock) {
    const stock = await deps.rewards.takeStock(reward.id, redemption.id);
    if (stock.kind === 'outOfStock') return fail(deps, redemption, reward, 'outOfStock', now);
  }

  let couponCode: string | null = null;
  if (redemption.usesCouponPool) {
    const claim = await deps.rewards.claimCouponCode(reward.id, redemption.id, now.toJSDate());
    if (claim.kind === 'poolEmpty') return fail(deps, redemption, reward, 'poolEmpty', now);
    couponCode = claim.code;
  }

  const spend = await deps.ledger.spend({
    key: spendKeyOf(redemption.id),
    memberId: request.memberId,
    points: reward.cost,
    reason: 'redemption',
    note: redemption.note,
    now,
    readBefore: balance,
  });
  if (spend.kind === 'notEnoughPoints') return fail(deps, redemption, reward, 'notEnoughPoints', now, spend.shortBy);
  if (spend.kind === 'noMember' || (spend.kind === 'duplicate' && spend.entry.status !== 'applied')) {
    return fail(deps, redemption, reward, 'interrupted', now);
  }
  const balanceAfter = spend.kind === 'recorded' ? spend.balance : ((await deps.members.balanceState(request.memberId))?.points ?? 0);

  const redeemed = {
    couponCode,
    balanceAfter,
    redeemedAt: now.toJSDate(),
    holdUntil: holdUntilOf(now, deps.rules.redemptionHoldHours),
    updatedAt: now.toJSDate(),
  };
  if (await deps.redemptions.transition(redemption.id, ['pending'], 'redeemed', redeemed)) {
    if (redemption.takesStock) await deps.rewards.settleStock(reward.id, redemption.id);
    return { kind: 'redeemed', reward, redemption: { ...redemption, ...redeemed, status: 'redeemed' }, balance: balanceAfter };
  }
  // This process stalled past the lease and recovery took the redemption over: it finished it if
  // it saw the spend, else it is reversing it, and the spend that landed after its check is ours to refund.
  const current = await deps.redemptions.findById(redemption.id);
  if (current !== null && current.status !== 'reversing' && current.status !== 'failed') return replay(deps, current);
  await handBackEverything(deps, redemption, now);
  return { kind: 'interrupted', reward };
}

async function record(
  deps: RedemptionDeps,
  key: string,
  reward: Reward,
  request: RedeemRequest,
): Promise<{ kind: 'recorded'; redemption: Redemption } | { kind: 'duplicate'; existing: Redemption }> {
  const at = request.now.toJSDate();
  for (let draw = 0; draw < maxIdDraws; draw += 1) {
    const redemption: Redemption = {
      id: newRedemptionId(),
      key,
      memberId: request.memberId,
      rewardId: reward.id,
      rewardName: reward.name,
      note: reward.name[request.locale],
      cost: reward.cost,
      takesStock: reward.stock !== null,
      perMemberLimit: reward.perMemberLimit,
      usesCouponPool: reward.usesCouponPool,
      couponCode: null,
      status: 'pending',
      failure: null,
      shortBy: null,
      balanceAfter: null,
      createdAt: at,
      updatedAt: at,
      redeemedAt: null,
      holdUntil: null,
      fulfilledAt: null,
      cancelledAt: null,
      releasedAt: null,
      handledBy: null,
    };
    const inserted = await deps.redemptions.insert(redemption);
    if (inserted.kind === 'inserted') return { kind: 'recorded', redemption };
    if (inserted.kind === 'duplicate') return { kind: 'duplicate', existing: inserted.existing };
  }
  throw new Error(`Drew ${maxIdDraws} voucher codes that were all taken: is the redemptions collection full?`);
}

async function fail(
  deps: RedemptionDeps,
  redemption: Redemption,
  reward: Reward,
  failure: RedemptionFailure,
  now: DateTime,
  shortBy: number | null = null,
): Promise<RedeemOutcome> {
  const updatedAt = now.toJSDate();
  await deps.redemptions.transition(redemption.id, ['pending'], 'reversing', { failure, shortBy, updatedAt });
  await handBackEverything(deps, redemption, now);
  await deps.redemptions.transition(redemption.id, ['reversing'], 'failed', { updatedAt });
  return failureOutcome({ ...redemption, failure, shortBy }, reward);
}

/** The outcome of a redemption recorded earlier under the same key, once it has settled. */
async function replay(deps: RedemptionDeps, earlier: Redemption): Promise<RedeemOutcome> {
  let redemption = earlier;
  for (let poll = 0; redemption.status === 'pending' || redemption.status === 'reversing'; poll += 1) {
    if (poll === settlePolls) {
      throw new Error(
        `Redemption ${redemption.id} is still ${redemption.status} after ${(settlePolls * settlePollMs) / 1000} s: ` +
          'its process may have stopped; recoverRedemptions settles it once the lease has passed',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, settlePollMs));
    redemption = (await deps.redemptions.findById(redemption.id)) ?? redemption;
  }
  const reward = (await deps.rewards.findById(redemption.rewardId)) ?? rewardSnapshotOf(redemption);
  if (redemption.status === 'failed') return failureOutcome(redemption, reward);
  const balance = redemption.balanceAfter ?? (await deps.members.balanceState(redemption.memberId))?.points ?? 0;
  return { kind: 'redeemed', reward, redemption, balance };
}

function failureOutcome(redemption: Redemption, reward: Reward): RedeemOutcome {
  switch (redemption.failure) {
    case 'notEnoughPoints':
      return { kind: 'notEnoughPoints', reward, shortBy: redemption.shortBy ?? redemption.cost, balance: redemption.cost - (redemption.shortBy ?? redemption.cost) };
    case 'overLimit':
      return { kind: 'overLimit', reward, limit: redemption.perMemberLimit ?? 0 };
    case 'outOfStock':
      return { kind: 'outOfStock', reward };
    case 'poolEmpty':
      return { kind: 'poolEmpty', reward };
    case 'interrupted':
    case null:
      return { kind: 'interrupted', reward };
  }
}

/** A reward that has since been removed, as the redemption remembers it. */
function rewardSnapshotOf(redemption: Redemption): Reward {
  return {
    id: redemption.rewardId,
    name: redemption.rewardName,
    description: { 'zh-TW': '', en: '' },
    imageUrl: null,
    cost: redemption.cost,
    stock: null,
    startsAt: null,
    endsAt: null,
    perMemberLimit: redemption.perMemberLimit,
    minimumTier: null,
    usesCouponPool: redemption.usesCouponPool,
    active: false,
  };
}

export interface RecoveryRun {
  /** Abandoned after the spend: now redeemed. */
  finished: number;
  /** Abandoned before the spend: handed back. */
  reversed: number;
  /** Reversals, cancellations and releases a crash interrupted, now complete. */
  completed: number;
  /** Abandoned with the spend still pending: left for the next run, after the ledger's recovery. */
  waiting: number;
}

/** Finishes or reverses what a crash left half done (see the top of this file). */
export async function recoverRedemptions(deps: RedemptionDeps, now: DateTime, leaseMs = redemptionLeaseMs): Promise<RecoveryRun> {
  const run: RecoveryRun = { finished: 0, reversed: 0, completed: 0, waiting: 0 };
  const updatedAt = now.toJSDate();
  const unsettled = deps.redemptions.streamUnsettled(new Date(now.toMillis() - leaseMs), now.minus({ days: 1 }).toJSDate());
  for await (const redemption of unsettled) {
    switch (redemption.status) {
      case 'pending': {
        const spend = await deps.ledger.find(spendKeyOf(redemption.id));
        if (spend?.status === 'pending') {
          run.waiting += 1;
        } else if (spend?.status === 'applied') {
          const couponCode = redemption.usesCouponPool ? await deps.rewards.heldCouponCode(redemption.rewardId, redemption.id) : null;
          const finished = await deps.redemptions.transition(redemption.id, ['pending'], 'redeemed', {
            couponCode,
            redeemedAt: spend.createdAt,
            holdUntil: holdUntilOf(DateTime.fromJSDate(spend.createdAt), deps.rules.redemptionHoldHours),
            updatedAt,
          });
          if (finished && redemption.takesStock) await deps.rewards.settleStock(redemption.rewardId, redemption.id);
          if (finished) run.finished += 1;
        } else if (await deps.redemptions.transition(redemption.id, ['pending'], 'reversing', { failure: 'interrupted', updatedAt })) {
          await handBackEverything(deps, redemption, now);
          await deps.redemptions.transition(redemption.id, ['reversing'], 'failed', { updatedAt });
          run.reversed += 1;
        }
        break;
      }
      case 'reversing':
        await handBackEverything(deps, redemption, now);
        if (await deps.redemptions.transition(redemption.id, ['reversing'], 'failed', { updatedAt })) run.completed += 1;
        break;
      case 'failed':
        await handBackEverything(deps, redemption, now);
        break;
      case 'cancelling':
      case 'releasing':
        if (await undoRedeemed(deps, redemption, redemption.status === 'cancelling' ? 'cancel' : 'release', now, null)) {
          run.completed += 1;
        }
        break;
      default:
        break;
    }
  }
  return run;
}
