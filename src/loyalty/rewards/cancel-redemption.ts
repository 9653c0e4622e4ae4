import type { DateTime } from 'luxon';
import { normaliseVoucherCode, refundKeyOf, type Redemption, type RedemptionStatus } from './redemption';
import { undoRedeemed, type RedemptionDeps } from './redemption-reversal';

export type CancelOutcome =
  | { kind: 'cancelled'; redemption: Redemption; refunded: number; replayed: boolean }
  | { kind: 'notFound' }
  | { kind: 'notCancellable'; status: RedemptionStatus };

/**
 * Staff cancel a voucher that has not been used: the points come back as a new lot
 * (`refund:<id>`), the stock unit and the member's limit slot return. Cancelling again answers
 * with the first cancellation and changes nothing.
 */
export async function cancelRedemption(
  deps: RedemptionDeps,
  request: { redemptionId: string; now: DateTime; handledBy: string },
): Promise<CancelOutcome> {
  const redemption = await deps.redemptions.findById(normaliseVoucherCode(request.redemptionId));
  if (redemption === null) return { kind: 'notFound' };
  if (redemption.status === 'cancelled') return replayed(deps, redemption);
  const undone = await undoRedeemed(deps, redemption, 'cancel', request.now, request.handledBy);
  if (undone !== null) return { kind: 'cancelled', ...undone, replayed: false };
  const current = (await deps.redemptions.findById(redemption.id)) ?? redemption;
  return current.status === 'cancelled' ? replayed(deps, current) : { kind: 'notCancellable', status: current.status };
}

async function replayed(deps: RedemptionDeps, redemption: Redemption): Promise<CancelOutcome> {
  const refund = await deps.ledger.find(refundKeyOf(redemption.id));
  return { kind: 'cancelled', redemption, refunded: refund?.status === 'applied' ? refund.points : 0, replayed: true };
}
