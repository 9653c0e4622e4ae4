import type { DateTime } from 'luxon';
import { normaliseVoucherCode, type Redemption, type RedemptionStatus } from './redemption';
import type { RedemptionDeps } from './redemption-reversal';

export type FulfilOutcome =
  | { kind: 'fulfilled'; redemption: Redemption; replayed: boolean }
  | { kind: 'notFound' }
  | { kind: 'notFulfillable'; status: RedemptionStatus };

/**
 * Staff hand the reward over against the voucher code. A voucher is honoured until the release
 * job has actually released it, even a little past its hold. Fulfilling again changes nothing.
 */
export async function fulfilRedemption(
  deps: Pick<RedemptionDeps, 'redemptions' | 'rewards'>,
  request: { redemptionId: string; now: DateTime; handledBy: string },
): Promise<FulfilOutcome> {
  const redemption = await deps.redemptions.findById(normaliseVoucherCode(request.redemptionId));
  if (redemption === null) return { kind: 'notFound' };
  if (redemption.status === 'fulfilled') return { kind: 'fulfilled', redemption, replayed: true };
  const at = request.now.toJSDate();
  const fulfilled = await deps.redemptions.transition(redemption.id, ['redeemed'], 'fulfilled', {
    fulfilledAt: at,
    updatedAt: at,
    handledBy: request.handledBy,
  });
  const current = (await deps.redemptions.findById(redemption.id)) ?? redemption;
  if (current.status !== 'fulfilled') return { kind: 'notFulfillable', status: current.status };
  if (redemption.takesStock) await deps.rewards.settleStock(redemption.rewardId, redemption.id);
  return { kind: 'fulfilled', redemption: current, replayed: !fulfilled };
}
