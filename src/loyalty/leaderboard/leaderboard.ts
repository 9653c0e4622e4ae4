import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';

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

export interface LeaderboardRow {
  rank: number;
  memberId: MemberId;
  earned: number;
  display: LeaderboardDisplay;
  name: string;
}

export interface Leaderboard {
  top: LeaderboardRow[];
  /** Ranked members: those who earned points this month and did not opt out. */
  ranked: number;
  /** The asking member's place; null when they earned nothing this month yet. */
  own: { rank: number; earned: number } | null;
}

/** The loyalty month whose earnedByMonth bucket the leaderboard ranks, as awardPoints names it. */
export function leaderboardMonthOf(now: DateTime, zone: string): string {
  return now.setZone(zone).toFormat('yyyy-MM');
}

/** 王小明 → 王*明, 王明 → 王*, Amy → A*y: enough to recognise yourself, not enough to find someone. */
export function maskName(name: string): string {
  const characters = Array.from(name.trim());
  if (characters.length <= 1) return characters.length === 1 ? '*' : '';
  if (characters.length === 2) return `${characters[0]}*`;
  return `${characters[0]}${'*'.repeat(characters.length - 2)}${characters[characters.length - 1]}`;
}

/**
 * Ranks members streamed one at a time, keeping only the top `size` in memory. Ranks are
 * competition ranks (1, 2, 2, 4): equal points share a place; the top list breaks ties by member id
 * so the order is stable between requests. Members who earned nothing are not ranked.
 */
export function createRanking(askingMember: MemberId, size: number) {
  const top: LeaderboardCandidate[] = [];
  const earnedOfAll: number[] = [];
  let own: LeaderboardCandidate | null = null;
  let ranked = 0;

  const before = (a: LeaderboardCandidate, b: LeaderboardCandidate) =>
    a.earned !== b.earned ? a.earned > b.earned : a.memberId < b.memberId;

  return {
    add(candidate: LeaderboardCandidate): void {
      if (!(candidate.earned > 0)) return;
      ranked += 1;
      earnedOfAll.push(candidate.earned);
      if (candidate.memberId === askingMember) own = candidate;
      let at = top.length;
      while (at > 0 && before(candidate, top[at - 1]!)) at -= 1;
      if (at < size) {
        top.splice(at, 0, candidate);
        if (top.length > size) top.pop();
      }
    },

    result(): Leaderboard {
      const rankOf = (earned: number) => earnedOfAll.filter((other) => other > earned).length + 1;
      const ownCandidate = own as LeaderboardCandidate | null;
      return {
        top: top.map((candidate) => ({ rank: rankOf(candidate.earned), ...candidate })),
        ranked,
        own: ownCandidate === null ? null : { rank: rankOf(ownCandidate.earned), earned: ownCandidate.earned },
      };
    },
  };
}

/** What the chat shows for a row; `anonymous` is the locale's word for a hidden member. */
export function displayNameOf(row: Pick<LeaderboardRow, 'name' | 'display'>, anonymous: string): string {
  switch (row.display.kind) {
    case 'masked':
      return maskName(row.name) || anonymous;
    case 'nickname':
      return row.display.nickname;
    case 'hidden':
      return anonymous;
  }
}

const words: Record<'zh-TW' | 'en', { anonymous: string; points: (formatted: string) => string }> = {
  'zh-TW': { anonymous: '匿名會員', points: (formatted) => `${formatted} 點` },
  en: { anonymous: 'A member', points: (formatted) => `${formatted} pts` },
};

/** "1. 王*明 1,230 點", one line per row; the asking member's own row is marked with 👉. */
export function leaderboardLines(board: Leaderboard, askingMember: MemberId, locale: 'zh-TW' | 'en'): string[] {
  const number = new Intl.NumberFormat(locale);
  const { anonymous, points } = words[locale];
  return board.top.map((row) => {
    const marker = row.memberId === askingMember ? '👉 ' : '';
    return `${marker}${row.rank}. ${displayNameOf(row, anonymous)} ${points(number.format(row.earned))}`;
  });
}
