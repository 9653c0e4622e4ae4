import { DateTime } from 'luxon';
import {
  activeMemberDefinition,
  computeDailyStats,
  daysBetween,
  factsNeededSince,
  type DailyStats,
  type MemberFact,
  type StatsFacts,
} from './daily-stats';
import type { DailyStatsRepository } from './daily-stats-repository';
import { dayIn, type ProgrammeFactsRepository } from './programme-facts-repository';
import { zoneNamed } from '../shared/zones';

export interface DashboardDeps {
  programmeFacts: ProgrammeFactsRepository;
  dailyStats: DailyStatsRepository;
}

export interface Dashboard {
  from: string;
  to: string;
  timezone: string;
  definitions: { activeMember: string; checkInRate: string };
  /** One entry per day, oldest first; `stored` days come from the nightly job, the others were computed now. */
  days: (DailyStats & { stored: boolean })[];
}

/** How many finished days the nightly job fills in when it finds them missing. */
export const dailyStatsBackfillDays = 40;

/**
 * The dashboard for a range of loyalty days: stored days from `daily_stats`, the rest (today,
 * or days before the job ran) computed from one pass over each collection.
 */
export async function getDashboard(deps: DashboardDeps, range: { from: string; to: string }, now: DateTime, zone: string): Promise<Dashboard> {
  const today = now.setZone(zoneNamed(zone)).toISODate()!;
  const to = range.to > today ? today : range.to;
  const days = range.from > to ? [] : daysBetween(range.from, to);
  const stored = await deps.dailyStats.findDays(days);
  const missing = days.filter((day) => !stored.has(day));
  const computed = new Map((await computeDays(deps, missing, zone)).map((stats) => [stats.day, stats]));
  return {
    from: range.from,
    to,
    timezone: zone,
    definitions: {
      activeMember: activeMemberDefinition,
      checkInRate: 'members who checked in that day ÷ active members that day (null when nobody was active)',
    },
    days: days.map((day) => (stored.has(day) ? { ...stored.get(day)!, stored: true } : { ...computed.get(day)!, stored: false })),
  };
}

/** The nightly job: stores every finished day of the last weeks that is not stored yet. */
export async function recordDailyStats(deps: DashboardDeps, now: DateTime, zone: string): Promise<{ stored: number }> {
  const yesterday = now.setZone(zoneNamed(zone)).minus({ days: 1 });
  const days = daysBetween(yesterday.minus({ days: dailyStatsBackfillDays - 1 }).toISODate()!, yesterday.toISODate()!);
  const existing = await deps.dailyStats.findDays(days);
  const missing = days.filter((day) => !existing.has(day));
  const stats = await computeDays(deps, missing, zone);
  return { stored: await deps.dailyStats.storeMissing(stats, now.toJSDate()) };
}

export async function computeDays(deps: DashboardDeps, days: string[], zone: string): Promise<DailyStats[]> {
  if (days.length === 0) return [];
  const since = DateTime.fromISO(factsNeededSince(days), { zone }).startOf('day').toJSDate();
  return computeDailyStats(await loadFacts(deps.programmeFacts, since, zone), days);
}

async function loadFacts(programmeFacts: ProgrammeFactsRepository, since: Date, zone: string): Promise<StatsFacts> {
  const lastInbound = await programmeFacts.lastInboundByMember();
  const members: MemberFact[] = [];
  for await (const member of programmeFacts.streamMembers()) {
    if (member.sandbox) continue;
    const chattedAt = lastInbound.get(member.memberId);
    members.push({
      memberId: member.memberId,
      joinedDay: dayIn(member.createdAt, zone),
      tier: member.tier,
      channels: [...new Set(member.identities.map((identity) => identity.channel))],
      lastChatDay: chattedAt ? dayIn(chattedAt, zone) : null,
    });
  }
  const [ledger, tierChanges, redemptions] = await Promise.all([
    programmeFacts.ledgerByDay(since, zone),
    programmeFacts.tierChanges(since, zone),
    programmeFacts.redemptionsByDay(since, zone),
  ]);
  return { members, ledger, tierChanges, redemptions };
}
