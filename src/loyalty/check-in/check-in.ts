import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import { awardPoints, type EarningRules } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import type { TierRulesRepository } from '../tiers/tier-rules-repository';
import { multipliedPoints } from '../tiers/tier-rules';
import { loyaltyDayOf, planCheckIn, type CheckInRules } from './check-in-policy';

export type CheckInOutcome =
  | { kind: 'awarded'; points: number; bonus: number; streak: number; balance: number }
  | { kind: 'alreadyCheckedIn'; streak: number; balance: number }
  | { kind: 'notMember' };

export interface CheckInDeps {
  members: MemberRepository;
  ledger: LedgerRepository;
  rules: CheckInRules;
  earning: EarningRules;
  /** The member's tier multiplies the day's points (not the streak bonus). */
  tierRules: Pick<TierRulesRepository, 'current'>;
}

type Award = { points: number; bonus: number };

/** A round ends stale only when the member's balance changed between its read and its write: a handful at most. */
const maxRounds = 10;

/**
 * The daily check-in. The ledger key is the member and the loyalty day, so however many
 * check-ins race (double taps, redeliveries, two devices) one of them is written, and the streak
 * moves in the same atomic update as the balance. The day is the one the member tapped on
 * (`actedAt`), even when the check-in is only recorded after midnight (`now`).
 *
 * The streak is planned on the member as read, so it is written only while the member's last day is
 * still the one read. A check-in of another day that lands in between (a late turn for yesterday, a live
 * one for today) makes this one plan again on a fresh read, under the same key: the points of the entry
 * already written stand, the streak and whether it moves come from the fresh read, and a streak bonus only the
 * fresh read reaches is paid in an entry of its own (`checkin-bonus:<member>:<day>`).
 */
export async function checkIn(deps: CheckInDeps, memberId: MemberId, now: DateTime, actedAt: DateTime = now): Promise<CheckInOutcome> {
  let found = await deps.members.findWithBalanceState(memberId);
  // Once the day's entry is written, its points stand whatever a later round plans.
  let written: Award | null = null;
  for (let round = 0; round < maxRounds; round += 1) {
    if (found === null) return { kind: 'notMember' };
    const { member, balance } = found;
    const plan = planCheckIn(member.checkIn, actedAt, deps.rules);
    if (plan.kind === 'alreadyCheckedIn') {
      return { kind: 'alreadyCheckedIn', streak: plan.streak, balance: member.points };
    }
    const award: Award = written ?? {
      points: multipliedPoints(plan.points - plan.bonus, await deps.tierRules.current(), member.tier) + plan.bonus,
      bonus: plan.bonus,
    };
    const result = await awardPoints(
      { ledger: deps.ledger, rules: deps.earning },
      {
        key: `checkin:${memberId}:${plan.day}`,
        memberId,
        points: award.points,
        reason: 'checkin',
        note: award.bonus > 0 ? `${plan.streak}-day streak` : null,
        now,
        ...(plan.movesStreak
          ? { set: { 'checkIn.lastDay': plan.day, 'checkIn.streak': plan.streak }, where: { 'checkIn.lastDay': member.checkIn.lastDay } }
          : {}),
        readBefore: balance,
      },
    );
    if (result.kind === 'stale') {
      written ??= { points: result.entry.points, bonus: award.bonus };
      found = await deps.members.findWithBalanceState(memberId);
      continue;
    }
    if (result.kind === 'noMember') return { kind: 'notMember' };
    if (result.kind === 'duplicate') {
      const current = await deps.members.findById(memberId);
      return { kind: 'alreadyCheckedIn', streak: current?.checkIn.streak ?? plan.streak, balance: current?.points ?? 0 };
    }
    // Planned again on a streak that reaches a bonus the first plan did not: the day's entry stands as written, so the
    // bonus goes in an entry of its own, under a key of its own. (Only this race needs it; a crash just before it loses
    // this bonus, as the check-in then answers "already checked in".)
    const missedBonus = written !== null && plan.movesStreak ? Math.max(0, plan.bonus - written.bonus) : 0;
    if (missedBonus === 0) return { kind: 'awarded', points: award.points, bonus: award.bonus, streak: plan.streak, balance: result.balance };
    const bonus = await awardPoints(
      { ledger: deps.ledger, rules: deps.earning },
      { key: `checkin-bonus:${memberId}:${plan.day}`, memberId, points: missedBonus, reason: 'checkin', note: `${plan.streak}-day streak`, now },
    );
    const balanceAfter = bonus.kind === 'recorded' ? bonus.balance : result.balance;
    return { kind: 'awarded', points: award.points + missedBonus, bonus: award.bonus + missedBonus, streak: plan.streak, balance: balanceAfter };
  }
  throw new Error(`Check-in of member ${memberId} for ${loyaltyDayOf(actedAt, deps.rules.zone)}: the member's balance kept changing between the read and the write; gave up after ${maxRounds} rounds`);
}
