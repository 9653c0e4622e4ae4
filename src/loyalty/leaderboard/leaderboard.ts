import { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

/** How a member appears on the leaderboard: their masked name, a nickname they chose, or nobody in particular. */
export type LeaderboardDisplay = { kind: 'masked' } | { kind: 'nickname'; nickname: string } | { kind: 'hidden' };

/** A member's leaderboard choices; opted-out members are neither listed nor counted. */
export interface LeaderboardSettings {
  display: LeaderboardDisplay;
  optedOut: boolean;
}

export const defaultLeaderboardSettings: LeaderboardSettings = { display: { kind: 'masked' }, optedOut: false };

export interface LeaderboardCandidate {
  memberId: MemberId;
  name: string;
  earned: number;
  display: LeaderboardDisplay;
}

/** How a row reads on the board, fixed when the snapshot is taken: a masked name or nickname, or null for anonymous. */
export type ShownName = string | null;

export interface SnapshotRow {
  rank: number;
  memberId: MemberId;
  earned: number;
  shownName: ShownName;
}

/** How many ranked members earned exactly `earned` points: one entry per distinct monthly score. */
export interface ScoreCount {
  earned: number;
  members: number;
}

/**
 * The month's board as one pass over the members found it: the top rows and, for everyone's own
 * place, the histogram of scores (highest first). Opted-out members and members who earned
 * nothing are in neither.
 */
export interface LeaderboardSnapshot {
  month: string;
  takenAt: Date;
  top: SnapshotRow[];
  /** Ranked members: earned points this month and did not opt out. */
  ranked: number;
  histogram: ScoreCount[];
}

/** The loyalty month whose earnedByMonth bucket the leaderboard ranks, as awardPoints names it. */
export function leaderboardMonthOf(now: DateTime, zone: string): string {
  return now.setZone(zoneNamed(zone)).toFormat('yyyy-MM');
}

/** 王小明 → 王*明, 王明 → 王*, Amy → A*y: enough to recognise yourself, not enough to find someone. */
export function maskName(name: string): string {
  const characters = Array.from(name.trim());
  if (characters.length <= 1) return characters.length === 1 ? '*' : '';
  if (characters.length === 2) return `${characters[0]}*`;
  return `${characters[0]}${'*'.repeat(characters.length - 2)}${characters[characters.length - 1]}`;
}

/**
 * Builds a snapshot from members streamed one at a time, keeping only the top `size` and a count
 * per distinct score in memory. Ranks are competition ranks (1, 2, 2, 4): equal points share a
 * place; the top list breaks ties by member id so the order is stable between snapshots.
 */
export function createSnapshotBuilder(size: number) {
  const top: LeaderboardCandidate[] = [];
  const counts = new Map<number, number>();
  let ranked = 0;

  const before = (a: LeaderboardCandidate, b: LeaderboardCandidate) =>
    a.earned !== b.earned ? a.earned > b.earned : a.memberId < b.memberId;

  return {
    add(candidate: LeaderboardCandidate): void {
      if (!(candidate.earned > 0)) return;
      ranked += 1;
      counts.set(candidate.earned, (counts.get(candidate.earned) ?? 0) + 1);
      let at = top.length;
      while (at > 0 && before(candidate, top[at - 1]!)) at -= 1;
      if (at < size) {
        top.splice(at, 0, candidate);
        if (top.length > size) top.pop();
      }
    },

    result(month: string, takenAt: Date): LeaderboardSnapshot {
      const histogram = [...counts].map(([earned, members]) => ({ earned, members })).sort((a, b) => b.earned - a.earned);
      return {
        month,
        takenAt,
        ranked,
        histogram,
        top: top.map((candidate) => ({
          rank: rankAmong(histogram, candidate.earned),
          memberId: candidate.memberId,
          earned: candidate.earned,
          shownName: shownNameOf(candidate),
        })),
      };
    },
  };
}

/** 1 + the members with strictly more points: the competition rank of a score. */
export function rankAmong(histogram: readonly ScoreCount[], earned: number): number {
  let higher = 0;
  for (const score of histogram) {
    if (score.earned <= earned) break;
    higher += score.members;
  }
  return higher + 1;
}

/**
 * The asking member's place: their points now, ranked among the members of the snapshot. Monthly
 * points only grow, so their own older score in the snapshot never counts as higher; when they
 * have not earned since the snapshot, this is exactly their rank as of the snapshot. Null when
 * they earned nothing this month yet.
 */
export function placeIn(snapshot: Pick<LeaderboardSnapshot, 'histogram' | 'ranked'>, earnedNow: number): { rank: number; earned: number; ranked: number } | null {
  if (!(earnedNow > 0)) return null;
  const rank = rankAmong(snapshot.histogram, earnedNow);
  // A member who first earned after the snapshot is not among its `ranked` yet.
  return { rank, earned: earnedNow, ranked: Math.max(snapshot.ranked, rank) };
}

/** What the board shows for a member: their masked name, their nickname, or null (anonymous). */
export function shownNameOf(candidate: Pick<LeaderboardCandidate, 'name' | 'display'>): ShownName {
  switch (candidate.display.kind) {
    case 'masked':
      return maskName(candidate.name) || null;
    case 'nickname':
      return candidate.display.nickname;
    case 'hidden':
      return null;
  }
}

/** "14:20" for a snapshot of today in the loyalty time zone, "11/30 23:50" for an older one. */
export function snapshotTimeLabel(takenAt: Date, now: DateTime, zone: string): string {
  const taken = DateTime.fromJSDate(takenAt, { zone });
  return taken.hasSame(now.setZone(zoneNamed(zone)), 'day') ? taken.toFormat('HH:mm') : taken.toFormat('MM/dd HH:mm');
}

const words: Record<'zh-TW' | 'en', { anonymous: string; points: (formatted: string) => string }> = {
  'zh-TW': { anonymous: '匿名會員', points: (formatted) => `${formatted} 點` },
  en: { anonymous: 'A member', points: (formatted) => `${formatted} pts` },
};

/** "1. 王*明 1,230 點", one line per row; the asking member's own row is marked with 👉. */
export function leaderboardLines(top: readonly SnapshotRow[], askingMember: MemberId, locale: 'zh-TW' | 'en'): string[] {
  const number = numberFormat(locale);
  const { anonymous, points } = words[locale];
  return top.map((row) => {
    const marker = row.memberId === askingMember ? '👉 ' : '';
    return `${marker}${row.rank}. ${row.shownName ?? anonymous} ${points(number.format(row.earned))}`;
  });
}
