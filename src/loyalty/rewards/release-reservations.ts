import type { DateTime } from 'luxon';
import { undoRedeemed, type RedemptionDeps } from './redemption-reversal';

/**
 * The release job: a voucher staff have not fulfilled within REDEMPTION_HOLD_HOURS of redeeming it
 * is an unconfirmed reservation, so it is released: points refunded as a new lot, stock and limit
 * slot returned. One pass over the expired holds; a re-run, or a run racing staff, takes each once.
 */
export async function releaseReservations(deps: RedemptionDeps, now: DateTime): Promise<{ released: number; points: number }> {
  const run = { released: 0, points: 0 };
  for await (const redemption of deps.redemptions.streamExpiredHolds(now.toJSDate())) {
    const released = await undoRedeemed(deps, redemption, 'release', now, null);
    if (released === null) continue;
    run.released += 1;
    run.points += released.refunded;
  }
  return run;
}
