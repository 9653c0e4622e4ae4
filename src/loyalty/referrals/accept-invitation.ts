import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import { decideReferral, normaliseReferralCode } from './referral';
import type { ReferralRepository } from './referral-repository';

export type InvitationOutcome =
  | { kind: 'remembered'; referrerName: string }
  | { kind: 'noCode' }
  | { kind: 'unknownCode' }
  | { kind: 'selfReferral' }
  | { kind: 'alreadyMember' };

/**
 * A person arrived with a friend's invite ("INVITE K7QM2X", an m.me ref, a web link). If they
 * are not a member yet, the referrer is remembered for their identity, and credited when they
 * join (creditReferral). Members, the referrer themself and unknown codes are told why not.
 */
export async function acceptInvitation(
  deps: { referrals: ReferralRepository; members: MemberRepository },
  request: { identityKey: string; memberId: MemberId | null; typedCode: string; now: Date },
): Promise<InvitationOutcome> {
  if (request.typedCode.trim() === '') return { kind: 'noCode' };
  const code = normaliseReferralCode(request.typedCode);
  const referrerId = code === null ? null : await deps.referrals.ownerOf(code);
  const referrer = referrerId === null ? null : await deps.members.findById(referrerId);
  const decision = decideReferral(referrer?.id ?? null, request.memberId);
  if (decision.kind !== 'accepted') return decision;
  await deps.referrals.rememberInvitation(request.identityKey, { referrerId: referrer!.id, code: code!, invitedAt: request.now });
  return { kind: 'remembered', referrerName: referrer!.name };
}
