import type { Consent } from '../loyalty/members/member';
import type { MemberRepository } from '../loyalty/members/member-repository';
import type { MemberId } from '../shared/ids';
import { marketingChoiceInEffect, NoMemberError, recordMarketingChoice, type MarketingChoiceInEffect, type MarketingChoiceOutcome } from './marketing-consent';

export type OnBehalfOutcome =
  | { kind: 'noMember' }
  /** Only an admin may give promotions back on someone's behalf. */
  | { kind: 'notAllowed' }
  | { kind: 'recorded' | 'alreadyInEffect'; before: Consent['status']; inEffect: MarketingChoiceInEffect };

/**
 * Staff record a member's choice about promotions on their behalf, e.g. a member who phoned the
 * store to stop them: a marketing record with channel `staff`, which decides from then on as one
 * made in chat does (docs/privacy.md). A choice already in effect records nothing. Who recorded
 * it and why is the audit log's, not the member's record.
 */
export async function recordMarketingChoiceOnBehalf(
  members: MemberRepository,
  memberId: MemberId,
  request: { status: Consent['status']; termsVersion: string; at: Date; staffRole: string },
): Promise<OnBehalfOutcome> {
  // Honouring an objection is every marketer's job; consenting again for someone else needs an admin (or the
  // member, in chat): marketers have a reason to want bigger audiences.
  if (request.status === 'given' && request.staffRole !== 'admin') return { kind: 'notAllowed' };
  const consents = await members.consentsOf(memberId);
  if (consents === null) return { kind: 'noMember' };
  const before = marketingChoiceInEffect(consents).status;
  let recorded: MarketingChoiceOutcome;
  try {
    recorded = await recordMarketingChoice(members, memberId, { status: request.status, version: request.termsVersion, at: request.at, channel: 'staff' });
  } catch (error) {
    // Erased between the read above and the record: as unknown as if the read had come after.
    if (error instanceof NoMemberError) return { kind: 'noMember' };
    throw error;
  }
  const { kind, inEffect } = recorded;
  // Without keepLaterChoice a later choice never stands in the way.
  return { kind: kind === 'recorded' ? 'recorded' : 'alreadyInEffect', before, inEffect };
}
