import { Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { getDashboard, type DashboardDeps } from '../../analytics/dashboard';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';
import { zoneNamed } from '../../shared/zones';

const maxRangeDays = 366;
const defaultRangeDays = 30;

const loyaltyDay = z.iso.date({ error: 'a date as YYYY-MM-DD (a day in LOYALTY_TIMEZONE)' });

/** `GET /admin/api/analytics/dashboard` query; both ends included, default the last 30 days. */
export const dashboardQuerySchema = z.strictObject({ from: loyaltyDay.optional(), to: loyaltyDay.optional() });

const pointsSchema = z.object({ issued: z.number(), redeemed: z.number(), refunded: z.number(), expired: z.number() });

/** The dashboard response (see src/analytics/daily-stats.ts for the meaning of each figure). */
export const dashboardResponseSchema = z.object({
  from: loyaltyDay,
  to: loyaltyDay,
  timezone: z.string(),
  definitions: z.object({ activeMember: z.string(), checkInRate: z.string() }),
  days: z.array(
    z.object({
      day: loyaltyDay,
      totalMembers: z.int(),
      newSignups: z.int(),
      activeMembers: z.int(),
      checkedIn: z.int(),
      checkInRate: z.number().nullable(),
      points: pointsSchema,
      redemptionsByReward: z.record(z.string(), z.int()),
      tierMix: z.record(z.string(), z.int()),
      channelMix: z.record(z.string(), z.int()),
      stored: z.boolean(),
    }),
  ),
});

export const analyticsOperations: AdminOperation[] = [
  {
    method: 'get',
    path: '/dashboard',
    summary: 'Per loyalty day: members, signups, active members, check-in rate, points, redemptions, tier and channel mix',
    query: dashboardQuerySchema,
    response: ok('The days of the range', dashboardResponseSchema),
  },
];

export function createAnalyticsRouter(deps: DashboardDeps & { clock: Clock; zone: string }): Router {
  const router = Router();

  router.get('/dashboard', async (req, res) => {
    const query = parseInput(dashboardQuerySchema, req.query);
    const today = deps.clock.now().setZone(zoneNamed(deps.zone));
    const to = query.to ?? today.toISODate()!;
    const from = query.from ?? DateTime.fromISO(to, { zone: deps.zone }).minus({ days: defaultRangeDays - 1 }).toISODate()!;
    if (from > to) throw new HttpError(400, 'invalid_range', `from (${from}) must not be after to (${to})`);
    const span = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days + 1;
    if (span > maxRangeDays) {
      throw new HttpError(400, 'range_too_long', `Ask for at most ${maxRangeDays} days at a time (asked ${span}); split the range`);
    }
    res.json(await getDashboard(deps, { from, to }, deps.clock.now(), deps.zone));
  });

  return router;
}
