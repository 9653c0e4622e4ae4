import { mayReceiveMarketing, type Consent, type ConsentChannel } from '../loyalty/members/member';
import type { MemberRepository } from '../loyalty/members/member-repository';
import type { MemberId } from '../shared/ids';

export interface MarketingChoice {
  /** given: promotions may be sent; withdrawn: the member objects to them (PDPA Art. 20). */
  status: Consent['status'];
  /** The terms version in effect (TERMS_VERSION), as signup records it. */
  version: string;
  at: Date;
  channel: ConsentChannel;
}

/** The member's choice about promotions in effect, and when and where the record that made it was made. */
export interface MarketingChoiceInEffect {
  status: Consent['status'];
  /** Null with no marketing record: joining includes promotions (opt-out). */
  at: Date | null;
  channel: ConsentChannel | null;
}

export interface MarketingChoiceOutcome {
  /** laterChoiceInEffect: only with `keepLaterChoice`, a record made after the choice decides. */
  kind: 'recorded' | 'alreadyInEffect' | 'laterChoiceInEffect';
  inEffect: MarketingChoiceInEffect;
}

/**
 * The member's choice about promotions in effect now: `given` unless their latest marketing record
 * is a withdrawal (opt-out, see `mayReceiveMarketing`); null for no member (or a tombstone). One
 * read, which also answers the turn's notices take (member-repository `consentsOf`).
 */
export async function marketingChoiceOf(members: MemberRepository, memberId: MemberId): Promise<Consent['status'] | null> {
  const consents = await members.consentsOf(memberId);
  return consents === null ? null : choiceInEffect(consents);
}

export function marketingChoiceInEffect(consents: readonly Consent[]): MarketingChoiceInEffect {
  const latest = consents.findLast((consent) => consent.kind === 'marketing');
  return { status: choiceInEffect(consents), at: latest?.at ?? null, channel: latest?.channel ?? null };
}

function choiceInEffect(consents: readonly Consent[]): Consent['status'] {
  return mayReceiveMarketing(consents) ? 'given' : 'withdrawn';
}

/** The member is not there (never was, or was erased meanwhile): nothing to record a choice for. */
export class NoMemberError extends Error {
  constructor(readonly memberId: MemberId) {
    super(`No member ${memberId} (or the member was erased) to record a marketing choice for`);
  }
}

// Each lost compare-and-set means another request of the same member recorded a consent meanwhile: a handful is plenty.
const maxAttempts = 5;

/**
 * Records the member's choice about promotions as a marketing consent record, the one that
 * decides from then on (docs/privacy.md). A choice already in effect, including "given" with no
 * record (opt-out: joining includes promotions), records nothing.
 *
 * `keepLaterChoice` is for a choice reported after the fact at the time it was made (a CRM's
 * record): a marketing record made after that time, such as the member stopping promotions in
 * chat since (or at the same time), stays in effect, so records stay in the order they were made.
 */
export async function recordMarketingChoice(
  members: MemberRepository,
  memberId: MemberId,
  choice: MarketingChoice,
  options: { keepLaterChoice?: boolean } = {},
): Promise<MarketingChoiceOutcome> {
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const consents = await members.consentsOf(memberId);
    if (consents === null) throw new NoMemberError(memberId);
    const inEffect = marketingChoiceInEffect(consents);
    if (inEffect.status === choice.status) return { kind: 'alreadyInEffect', inEffect };
    // A tie keeps the record already made: it was there first.
    if (options.keepLaterChoice && inEffect.at !== null && inEffect.at >= choice.at) return { kind: 'laterChoiceInEffect', inEffect };
    const consent: Consent = { kind: 'marketing', version: choice.version, status: choice.status, at: choice.at, channel: choice.channel };
    if (await members.appendConsent(memberId, consent, consents.length)) {
      return { kind: 'recorded', inEffect: { status: choice.status, at: choice.at, channel: choice.channel } };
    }
  }
  throw new Error(`Member ${memberId}'s consents kept changing during ${maxAttempts} attempts to record a marketing choice; try again`);
}
