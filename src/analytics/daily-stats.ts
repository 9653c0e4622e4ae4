import type { ChannelName } from '../channels/channel';

/**
 * The dashboard's figures for one loyalty day (yyyy-MM-dd in LOYALTY_TIMEZONE), as of the end of
 * that day. Sandbox members are left out of every figure.
 */
export interface DailyStats {
  day: string;
  /** Members who had joined by the end of the day. */
  totalMembers: number;
  newSignups: number;
  /** Members active in the 30 days ending this day: see `activeMemberDefinition`. */
  activeMembers: number;
  /** Members who checked in this day. */
  checkedIn: number;
  /** checkedIn ÷ activeMembers, 0..1; null when nobody was active. */
  checkInRate: number | null;
  points: {
    /** Earned by members (check-ins, codes, bonuses, missions, staff credits); refunds not included. */
    issued: number;
    /** Spent on rewards. */
    redeemed: number;
    /** Given back when a redemption was cancelled, released or failed. */
    refunded: number;
    expired: number;
  };
  /** Rewards redeemed this day, by reward id. */
  redemptionsByReward: Record<string, number>;
  /** Members by tier id at the end of the day. */
  tierMix: Record<string, number>;
  /**
   * Members by linked channel; a member on two channels counts in both, a member with none
   * (imported from a CRM) counts under `none`. Channel links are today's (links are not dated).
   */
  channelMix: Partial<Record<ChannelName | 'none', number>>;
}

export const activeWindowDays = 30;

export const activeMemberDefinition =
  `A member is active on a day when, in the ${activeWindowDays} loyalty days ending that day, they checked in, ` +
  'collected points with a code, completed a mission, joined, redeemed a reward, or wrote to the bot on any channel ' +
  '(their latest message counts; older messages are not kept). Bonuses the platform gives on its own (birthday), staff ' +
  'adjustments, refunds and expiry do not make a member active.';

/** Ledger reasons that are something the member did. */
const memberActions = new Set(['checkin', 'pointCode', 'mission', 'signupBonus', 'redemption']);

export interface MemberFact {
  memberId: string;
  /** The loyalty day the member joined. */
  joinedDay: string;
  tier: string;
  channels: ChannelName[];
  /** The loyalty day of the member's latest inbound message on any channel. */
  lastChatDay: string | null;
}

/** Applied ledger entries of one member, one day, one kind and reason. */
export interface LedgerDayRow {
  memberId: string;
  day: string;
  kind: 'earn' | 'spend' | 'expire';
  reason: string;
  points: number;
  entries: number;
}

export interface TierChangeFact {
  memberId: string;
  day: string;
  at: Date;
  from: string;
  to: string;
}

export interface RedemptionDayRow {
  memberId: string;
  day: string;
  rewardId: string;
}

export interface StatsFacts {
  members: MemberFact[];
  ledger: LedgerDayRow[];
  tierChanges: TierChangeFact[];
  redemptions: RedemptionDayRow[];
}

const dayMs = 86_400_000;

/** yyyy-MM-dd → whole days since 1970-01-01: cheap day arithmetic for the counting loops. */
export function dayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / dayMs);
}

export function dayOfNumber(number: number): string {
  return new Date(number * dayMs).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let number = dayNumber(from); number <= dayNumber(to); number += 1) days.push(dayOfNumber(number));
  return days;
}

/** The first day whose facts `computeDailyStats` needs for `days`: activity looks back 30 days. */
export function factsNeededSince(days: string[]): string {
  const first = Math.min(...days.map(dayNumber));
  return dayOfNumber(first - (activeWindowDays - 1));
}

/**
 * Computes the figures of the given days from facts: the members as they are now, dated ledger
 * activity, tier changes (to roll today's tiers back to each day) and redemptions. Rows of members
 * not in `facts.members` (sandbox members) are ignored.
 */
export function computeDailyStats(facts: StatsFacts, days: string[]): DailyStats[] {
  const wanted = days.map(dayNumber);
  const first = Math.min(...wanted);
  const last = Math.max(...wanted);
  const members = new Map(facts.members.map((member) => [member.memberId, member]));

  // For each member, the days they were active, as numbers; covered later by a sliding window.
  const activeDays = new Map<string, number[]>();
  const addActivity = (memberId: string, day: string | null) => {
    if (day === null) return;
    const list = activeDays.get(memberId) ?? [];
    list.push(dayNumber(day));
    activeDays.set(memberId, list);
  };
  for (const member of facts.members) addActivity(member.memberId, member.lastChatDay);

  const perDay = new Map<number, Omit<DailyStats, 'day' | 'totalMembers' | 'newSignups' | 'activeMembers' | 'checkInRate' | 'tierMix' | 'channelMix'>>();
  const figuresOf = (number: number) => {
    let figures = perDay.get(number);
    if (figures === undefined) {
      figures = { checkedIn: 0, points: { issued: 0, redeemed: 0, refunded: 0, expired: 0 }, redemptionsByReward: {} };
      perDay.set(number, figures);
    }
    return figures;
  };

  for (const row of facts.ledger) {
    if (!members.has(row.memberId)) continue;
    if (memberActions.has(row.reason)) addActivity(row.memberId, row.day);
    const number = dayNumber(row.day);
    if (number < first || number > last) continue;
    const figures = figuresOf(number);
    if (row.kind === 'earn' && row.reason === 'refund') figures.points.refunded += row.points;
    else if (row.kind === 'earn') figures.points.issued += row.points;
    else if (row.kind === 'expire') figures.points.expired += -row.points;
    else if (row.reason === 'redemption') figures.points.redeemed += -row.points;
    // The check-in key is one per member per day, so entries count members.
    if (row.kind === 'earn' && row.reason === 'checkin') figures.checkedIn += row.entries;
  }
  for (const row of facts.redemptions) {
    if (!members.has(row.memberId)) continue;
    const number = dayNumber(row.day);
    if (number < first || number > last) continue;
    const byReward = figuresOf(number).redemptionsByReward;
    byReward[row.rewardId] = (byReward[row.rewardId] ?? 0) + 1;
  }

  const activeCount = new Map<number, number>();
  for (const [memberId, list] of activeDays) {
    const joined = dayNumber(members.get(memberId)!.joinedDay);
    const covered = new Set<number>();
    for (const active of list) {
      for (let number = Math.max(active, first, joined); number < active + activeWindowDays && number <= last; number += 1) covered.add(number);
    }
    for (const number of covered) activeCount.set(number, (activeCount.get(number) ?? 0) + 1);
  }

  const changesByMember = new Map<string, TierChangeFact[]>();
  for (const change of [...facts.tierChanges].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const list = changesByMember.get(change.memberId) ?? [];
    list.push(change);
    changesByMember.set(change.memberId, list);
  }
  const tierAtEndOf = (member: MemberFact, number: number): string => {
    const later = changesByMember.get(member.memberId)?.find((change) => dayNumber(change.day) > number);
    return later?.from ?? member.tier;
  };

  return wanted.map((number) => {
    const figures = perDay.get(number) ?? figuresOf(number);
    let totalMembers = 0;
    let newSignups = 0;
    const tierMix: Record<string, number> = {};
    const channelMix: DailyStats['channelMix'] = {};
    for (const member of facts.members) {
      const joined = dayNumber(member.joinedDay);
      if (joined > number) continue;
      totalMembers += 1;
      if (joined === number) newSignups += 1;
      const tier = tierAtEndOf(member, number);
      tierMix[tier] = (tierMix[tier] ?? 0) + 1;
      for (const channel of member.channels.length > 0 ? member.channels : (['none'] as const)) {
        channelMix[channel] = (channelMix[channel] ?? 0) + 1;
      }
    }
    const activeMembers = activeCount.get(number) ?? 0;
    return {
      day: dayOfNumber(number),
      totalMembers,
      newSignups,
      activeMembers,
      checkedIn: figures.checkedIn,
      checkInRate: activeMembers === 0 ? null : Math.round((figures.checkedIn / activeMembers) * 10_000) / 10_000,
      points: figures.points,
      redemptionsByReward: figures.redemptionsByReward,
      tierMix,
      channelMix,
    };
  });
}
