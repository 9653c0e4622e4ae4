import { randomInt } from 'node:crypto';
import type { ChannelName } from '../../channels/channel';
import type { Branded, MemberId } from '../../shared/ids';
import { codeAlphabet } from '../point-codes/point-code';

/** A member's referral code in its stored form: upper-case, no separators, e.g. K7QM2X. */
export type ReferralCode = Branded<string, 'ReferralCode'>;

/**
 * Six characters of the point-code alphabet (no 0/O, 1/I/L): about 887 million codes, short
 * enough to read out. A referral code is shared on purpose, so it needs to be unique, not secret.
 */
export const referralCodeLength = 6;

/** The words that start an invite message; also what an invite link pre-fills. */
export const inviteCommand = 'INVITE';

/** A Messenger m.me link's ref for an invite: m.me/<page>?ref=invite-K7QM2X. */
export const inviteRefPrefix = 'invite-';

export function generateReferralCode(randomIndex: (below: number) => number = randomInt): ReferralCode {
  let code = '';
  for (let index = 0; index < referralCodeLength; index += 1) code += codeAlphabet[randomIndex(codeAlphabet.length)];
  return code as ReferralCode;
}

/** A code as a friend might type it (lower case, full-width, with spaces or dashes), or null when it cannot be one. */
export function normaliseReferralCode(typed: string): ReferralCode | null {
  const code = typed
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-‐‑‒–—―−ー_.・:#]/g, '');
  if (code.length !== referralCodeLength) return null;
  for (const character of code) if (!codeAlphabet.includes(character)) return null;
  return code as ReferralCode;
}

export interface InviteLinkTargets {
  /** The LINE official account's basic id (@xxxx): LINE links open the chat with the invite typed in. */
  lineBasicId?: string | undefined;
  /** The Facebook Page's username or id: m.me links carry the code as the ref. */
  messengerPage?: string | undefined;
  /** The public origin of the web chat; without it there is no web link. */
  webBaseUrl?: string | undefined;
}

/**
 * The link a member shares, for the channel they are on (friends mostly share where they chat),
 * else the first channel that can have one: LINE's oaMessage URL
 * (https://developers.line.biz/en/docs/messaging-api/using-line-url-scheme/#sending-text-messages),
 * an m.me link with a ref (Meta `messaging_referrals`), or the web chat. Null when none is configured.
 */
export function inviteLinkFor(code: ReferralCode, channel: ChannelName, targets: InviteLinkTargets): string | null {
  const links: Partial<Record<ChannelName, string>> = {};
  if (targets.lineBasicId) {
    const basicId = targets.lineBasicId.startsWith('@') ? targets.lineBasicId : `@${targets.lineBasicId}`;
    links.line = `https://line.me/R/oaMessage/${encodeURIComponent(basicId)}/?${encodeURIComponent(`${inviteCommand} ${code}`)}`;
  }
  if (targets.messengerPage) links.messenger = `https://m.me/${encodeURIComponent(targets.messengerPage)}?ref=${inviteRefPrefix}${code}`;
  if (targets.webBaseUrl) links.web = `${targets.webBaseUrl.replace(/\/+$/, '')}/chat?invite=${code}`;
  return links[channel] ?? links.line ?? links.messenger ?? links.web ?? null;
}

export type ReferralDecision =
  | { kind: 'accepted' }
  | { kind: 'selfReferral' }
  | { kind: 'alreadyMember' }
  | { kind: 'unknownCode' };

/**
 * Whether a person who arrived with a code is being referred: only a person who is not a member
 * yet can be, and never by their own code.
 */
export function decideReferral(referrer: MemberId | null, person: MemberId | null): ReferralDecision {
  if (referrer === null) return { kind: 'unknownCode' };
  if (person === referrer) return { kind: 'selfReferral' };
  if (person !== null) return { kind: 'alreadyMember' };
  return { kind: 'accepted' };
}

/**
 * Whether a new member counts for their referrer: not when the referrer is gone, and not when
 * it is the referrer again under a new channel identity (the same mobile number).
 */
export function countsForReferrer(referrer: { id: MemberId; mobile: string } | null, newMember: { id: MemberId; mobile: string }): boolean {
  if (referrer === null || referrer.id === newMember.id) return false;
  return normaliseMobile(referrer.mobile) !== normaliseMobile(newMember.mobile);
}

function normaliseMobile(mobile: string): string {
  return mobile.replace(/\D/g, '').replace(/^8869/, '09');
}
