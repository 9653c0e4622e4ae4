import type { ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import type { MemberId } from '../../shared/ids';

/**
 * Where a consent decision reached us: the chat channel the member used, `import` for a choice a
 * CRM recorded and sent with the member (POST /admin/api/members), or `staff` for one staff
 * recorded on the member's behalf, e.g. when they phoned the store (the audit log says who and why).
 */
export type ConsentChannel = ChannelName | 'import' | 'staff';

/** One consent decision as it was made: which document, which version, given or withdrawn, when and where. */
export interface Consent {
  kind: 'terms' | 'privacy' | 'marketing';
  version: string;
  status: 'given' | 'withdrawn';
  at: Date;
  /** Where it was made; null for records from before channels were recorded. */
  channel: ConsentChannel | null;
}

/**
 * Whether promotions (broadcasts) may be sent to the member. The latest marketing record decides
 * (records are only ever appended). Opt-out: joining on the signup terms, which say so, includes
 * promotions until the member withdraws (docs/privacy.md, PDPA Art. 20), so no record means yes.
 * Account notices (expiring points, tiers, vouchers) never ask this.
 */
export function mayReceiveMarketing(consents: readonly { kind?: Consent['kind']; status?: Consent['status'] }[]): boolean {
  return consents.findLast((consent) => consent.kind === 'marketing')?.status !== 'withdrawn';
}

export interface CheckInState {
  streak: number;
  /** The loyalty day (yyyy-mm-dd in LOYALTY_TIMEZONE) of the last check-in. */
  lastDay: string | null;
}

export interface Member {
  id: MemberId;
  name: string;
  mobile: string;
  birthday: string | null;
  locale: Locale | null;
  tier: string;
  /** Spendable balance: the sum of the ledger entries applied to this member. */
  points: number;
  /** All points ever earned; what tier progress is measured by. */
  earnedTotal: number;
  checkIn: CheckInState;
  consents: Consent[];
  identities: { channel: ChannelName; channelUserId: string }[];
  createdAt: Date;
}

/** A short number printed on the card, derived from the id so it needs no counter. */
export function memberNumberOf(id: MemberId): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return String(hash % 100_000_000).padStart(8, '0');
}

/** What joining pays, as the programme said when the member joined (kept on the member: `NewMember.welcome`). */
export interface WelcomeAmounts {
  /** SIGNUP_BONUS_POINTS: 0 pays no welcome bonus. */
  signupBonus: number;
  /** REFERRAL_BONUS_POINTS for the referrer: 0 pays nothing beyond missions. */
  referralBonus: number;
}
