import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import { awardPoints, type EarningRules } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import type { TierRulesRepository } from '../tiers/tier-rules-repository';
import { multipliedPoints } from '../tiers/tier-rules';
import { planCheckIn, type CheckInRules } from './check-in-policy';

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

/**
 * The daily check-in. The ledger key is the member and the loyalty day, so however many
 * check-ins race (double taps, redeliveries, two devices) one of them is written, and the streak
 * moves in the same atomic update as the balance. The day is the one the member tapped on
 * (`actedAt`), even when the check-in is only recorded after midnight (`now`).
 */
export async function checkIn(deps: CheckInDeps, memberId: MemberId, now: DateTime, actedAt: DateTime = now): Promise<CheckInOutcome> {
  const found = await deps.members.findWithBalanceState(memberId);
  if (found === null) return { kind: 'notMember' };
  const { member, balance } = found;
  const plan = planCheckIn(member.checkIn, actedAt, deps.rules);
  if (plan.kind === 'alreadyCheckedIn') {
    return { kind: 'alreadyCheckedIn', streak: plan.streak, balance: member.points };
  }
  const points = multipliedPoints(plan.points - plan.bonus, await deps.tierRules.current(), member.tier) + plan.bonus;
  const result = await awardPoints(
    { ledger: deps.ledger, rules: deps.earning },
    {
      key: `checkin:${memberId}:${plan.day}`,
      memberId,
      points,
      reason: 'checkin',
      note: plan.bonus > 0 ? `${plan.streak}-day streak` : null,
      now,
      ...(plan.movesStreak ? { set: { 'checkIn.lastDay': plan.day, 'checkIn.streak': plan.streak } } : {}),
      readBefore: balance,
    },
  );
  if (result.kind === 'noMember') return { kind: 'notMember' };
  if (result.kind === 'duplicate') {
    const current = await deps.members.findById(memberId);
    return { kind: 'alreadyCheckedIn', streak: current?.checkIn.streak ?? plan.streak, balance: current?.points ?? 0 };
  }
  return { kind: 'awarded', points, bonus: plan.bonus, streak: plan.streak, balance: result.balance };
}
