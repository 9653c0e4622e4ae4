import type { DateTime } from 'luxon';
import type { MemberRepository } from '../members/member-repository';
import { createSnapshotBuilder, leaderboardMonthOf, type LeaderboardSnapshot } from './leaderboard';
import type { LeaderboardSnapshotRepository } from './leaderboard-snapshot-repository';

export interface SnapshotDeps {
  members: MemberRepository;
  leaderboardSnapshots: LeaderboardSnapshotRepository;
}

/** Rows on the board. */
export const leaderboardTopSize = 10;

/**
 * Ranks the loyalty month in one pass over the members and stores the result: what every
 * leaderboard reply reads until the next run, so a reply costs one read, not a pass over everyone.
 * Name and opt-out changes show from the next run.
 */
export async function snapshotLeaderboard(deps: SnapshotDeps, options: { now: DateTime; zone: string }): Promise<LeaderboardSnapshot> {
  const month = leaderboardMonthOf(options.now, options.zone);
  const builder = createSnapshotBuilder(leaderboardTopSize);
  for await (const candidate of deps.members.streamLeaderboard(month)) builder.add(candidate);
  const snapshot = builder.result(month, options.now.toJSDate());
  await deps.leaderboardSnapshots.save(snapshot);
  return snapshot;
}

/**
 * This month's snapshot, taken now when there is none yet (the first request of a new month
 * before the job ran, a fresh install). Concurrent first requests in this process share one pass.
 */
export function createSnapshotReader(deps: SnapshotDeps, zone: string) {
  const taking = new Map<string, Promise<LeaderboardSnapshot>>();
  return async (now: DateTime): Promise<LeaderboardSnapshot> => {
    const month = leaderboardMonthOf(now, zone);
    const stored = await deps.leaderboardSnapshots.find(month);
    if (stored !== null) return stored;
    let pending = taking.get(month);
    if (pending === undefined) {
      pending = snapshotLeaderboard(deps, { now, zone }).finally(() => taking.delete(month));
      taking.set(month, pending);
    }
    return pending;
  };
}
