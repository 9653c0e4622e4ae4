import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import { maskName } from '../leaderboard/leaderboard';
import { recordMissionEvent, type MissionDeps } from '../missions/track-mission-progress';
import { awardPoints } from '../points/award-points';
import { countsForReferrer } from './referral';
import type { ReferralRepository } from './referral-repository';

export interface CreditReferralDeps extends MissionDeps {
  referrals: ReferralRepository;
  /** Points for the referrer per friend who joins (REFERRAL_BONUS_POINTS); 0 pays nothing beyond missions. */
  bonusPoints: number;
}

export type CreditOutcome = { kind: 'credited'; referrerId: MemberId } | { kind: 'notReferred' } | { kind: 'notCounted' };

/** The notice the referrer finds in their next reply when a friend joins. */
export const referralJoinedTemplate = 'notice.referral-joined';
export const referralJoinedWithBonusTemplate = 'notice.referral-joined-bonus';

/** The ledger key of the referrer's bonus for a friend who joined, and the key of its notice. */
export function referralKeyOf(newMemberId: MemberId): string {
  return `referral:${newMemberId}`;
}

/**
 * A person who arrived through an invite has just joined: the referrer's running `referrals`
 * missions move on, the optional bonus is paid and the referrer gets a notice. Everything is
 * keyed by the new member (mission event `referrals:<newMemberId>`, ledger and notice key
 * `referral:<newMemberId>`), so running this twice for one signup counts and pays once.
 */
export async function creditReferral(
  deps: CreditReferralDeps,
  request: { newMemberId: MemberId; identityKey: string; now: DateTime },
): Promise<CreditOutcome> {
  const invitation = await deps.referrals.invitationOf(request.identityKey);
  if (invitation === null) return { kind: 'notReferred' };
  const [referrer, newMember] = await Promise.all([deps.members.findById(invitation.referrerId), deps.members.findById(request.newMemberId)]);
  if (newMember === null) throw new Error(`Crediting a referral for member ${request.newMemberId}, who does not exist`);
  if (!countsForReferrer(referrer, newMember)) return { kind: 'notCounted' };
  const referrerId = referrer!.id;

  await deps.referrals.recordReferral(newMember.id, referrerId, request.now.toJSDate());
  const key = referralKeyOf(newMember.id);
  if (deps.bonusPoints > 0) {
    await awardPoints(
      { ledger: deps.ledger, rules: deps.earning },
      { key, memberId: referrerId, points: deps.bonusPoints, reason: 'referralBonus', note: maskName(newMember.name), now: request.now },
    );
  }
  await deps.members.queueNotice(referrerId, {
    key,
    template: deps.bonusPoints > 0 ? referralJoinedWithBonusTemplate : referralJoinedTemplate,
    variables: { friendName: maskName(newMember.name), points: String(deps.bonusPoints) },
  });
  // After the notice, so the referrer reads "your friend joined" before "mission complete".
  await recordMissionEvent(deps, referrerId, 'referrals', newMember.id, request.now);
  return { kind: 'credited', referrerId };
}
