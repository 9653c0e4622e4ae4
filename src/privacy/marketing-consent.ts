import type { ChannelName } from '../channels/channel';
import { mayReceiveMarketing, type Consent } from '../loyalty/members/member';
import type { MemberRepository } from '../loyalty/members/member-repository';
import type { MemberId } from '../shared/ids';

export interface MarketingChoice {
  /** given: promotions may be sent; withdrawn: the member objects to them (PDPA Art. 20). */
  status: Consent['status'];
  /** The terms version in effect (TERMS_VERSION), as signup records it. */
  version: string;
  at: Date;
  channel: ChannelName;
}

export type MarketingChoiceOutcome = { kind: 'recorded' } | { kind: 'alreadyInEffect' };

/**
 * The member's choice about promotions in effect now: `given` unless their latest marketing record
 * is a withdrawal (opt-out, see `mayReceiveMarketing`); null for no member (or a tombstone). One
 * read, which also answers the turn's notices take (member-repository `consentsOf`).
 */
export async function marketingChoiceOf(members: MemberRepository, memberId: MemberId): Promise<Consent['status'] | null> {
  const consents = await members.consentsOf(memberId);
  return consents === null ? null : choiceInEffect(consents);
}

function choiceInEffect(consents: Consent[]): Consent['status'] {
  return mayReceiveMarketing(consents) ? 'given' : 'withdrawn';
}

// Each lost compare-and-set means another request of the same member recorded a consent meanwhile: a handful is plenty.
const maxAttempts = 5;

/**
 * Records the member's choice about promotions as a marketing consent record, the one that
 * decides from then on (docs/privacy.md). A choice already in effect, including "given" with no
 * record (opt-out: joining includes promotions), records nothing.
 */
export async function recordMarketingChoice(members: MemberRepository, memberId: MemberId, choice: MarketingChoice): Promise<MarketingChoiceOutcome> {
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const consents = await members.consentsOf(memberId);
    if (consents === null) throw new Error(`Member ${memberId} of a linked identity does not exist`);
    if (choiceInEffect(consents) === choice.status) return { kind: 'alreadyInEffect' };
    const consent: Consent = { kind: 'marketing', version: choice.version, status: choice.status, at: choice.at, channel: choice.channel };
    if (await members.appendConsent(memberId, consent, consents.length)) return { kind: 'recorded' };
  }
  throw new Error(`Member ${memberId}'s consents kept changing during ${maxAttempts} attempts to record a marketing choice; try again`);
}
