/*
 * Linking a second channel (Messenger, web chat) to a member who joined elsewhere.
 *
 * Issuing: one write, an upsert of the member's own link-code document (_id = member id), so a
 * new code replaces the previous one, used or not. The digits are unique across members (unique
 * index); on a clash we draw again.
 *
 * Confirming, in this order, each step an atomic single-document update (DATABASE.md: no transactions):
 *   1. consume the code: `usedAt: null` guard, recording the confirming identity as `usedBy`;
 *   2. point the confirming identity at the member, only if it belongs to no member yet;
 *   3. $addToSet the channel identity on the member (a record for staff and the card; step 2 is
 *      what routes the chat to the member).
 * What a crash between steps leaves, and how it heals:
 *   - before 1: nothing changed; the retry starts over.
 *   - after 1: the code is used by this identity and by nobody else. Consumption matches `usedBy`,
 *     so the retry of the same confirmation (the session still waits at the question, same flow
 *     run), or sending `LINK <code>` again from the same identity, passes step 1 and finishes.
 *     Another identity is told the code is used. Issuing a new code replaces the document, which
 *     abandons the half-done link: the person then links with the new code.
 *   - after 2: the chat already shares the member; the retry finishes step 3 ($addToSet is idempotent).
 * If the identity became a member between the question and the confirmation (signed up in that
 * window), step 2 refuses and the code stays consumed: the member asks for a new one.
 * A code is deleted a day after it expired or was used (`deleteOldLinkCodes`, a daily job): a half-done
 * link finishes within that day or not at all, and the code is then answered as unknown.
 *
 * Two memberships are never merged here: an identity that already belongs to another member is
 * refused, even when that membership has no points and no ledger entries yet (simplest, and a
 * merge of two members' consents and sign-up data is a decision for staff).
 */
import { randomInt } from 'node:crypto';
import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { ChannelIdentity, IdentityRepository } from './identity-repository';
import type { LinkCodeRepository } from './link-code-repository';
import type { MemberRepository } from './member-repository';

// ---- Policy: pure ----

export const linkCodeLifetimeMinutes = 10;

/** Six digits from the CSPRNG, leading zeros kept. */
export function newLinkCode(drawBelow: (max: number) => number = randomInt): string {
  return String(drawBelow(1_000_000)).padStart(6, '0');
}

/** The code as typed ("１２３ ４５６", "123-456"), or null when it cannot be a link code. */
export function normaliseLinkCode(typed: string): string | null {
  const digits = typed.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

export function linkCodeExpiry(now: DateTime): Date {
  return now.plus({ minutes: linkCodeLifetimeMinutes }).toJSDate();
}

/** A code issued at 10:00 works until 10:09:59.999. */
export function isLinkCodeExpired(expiresAt: Date, now: DateTime): boolean {
  return now.toMillis() >= expiresAt.getTime();
}

/** Enough of the name to recognise oneself, not enough to learn someone else's: 王小明 → 王*明, Amy → A*y. */
export function maskName(name: string): string {
  const characters = Array.from(name.trim());
  if (characters.length <= 1) return characters.join('');
  if (characters.length === 2) return `${characters[0]}*`;
  const middle = characters.slice(1, -1).map((character) => (/\s/.test(character) ? character : '*'));
  return [characters[0], ...middle, characters.at(-1)].join('');
}

// ---- Use cases ----

export interface LinkDeps {
  linkCodes: LinkCodeRepository;
  members: MemberRepository;
  identities: IdentityRepository;
}

export type IssueLinkCodeOutcome = { kind: 'issued'; code: string; expiresAt: Date };

/** How many clashes with other members' digits we tolerate before calling it an outage. */
const issueAttempts = 8;

export async function issueLinkCode(
  deps: Pick<LinkDeps, 'linkCodes'>,
  memberId: MemberId,
  now: DateTime,
  drawCode: () => string = newLinkCode,
): Promise<IssueLinkCodeOutcome> {
  const expiresAt = linkCodeExpiry(now);
  for (let attempt = 0; attempt < issueAttempts; attempt += 1) {
    const code = drawCode();
    const issued = await deps.linkCodes.replace(memberId, code, expiresAt, now.toJSDate());
    if (issued.kind === 'issued') return { kind: 'issued', code, expiresAt };
  }
  throw new Error(`No free link code after ${issueAttempts} draws: clear expired link codes or lengthen the code`);
}

/**
 * How long a code outlives its expiry or use: long enough to finish a half-done link and to tell a late
 * sender that the code expired rather than that it never existed.
 */
const oldLinkCodeAgeHours = 24;

export async function deleteOldLinkCodes(deps: Pick<LinkDeps, 'linkCodes'>, now: DateTime): Promise<{ deleted: number }> {
  const deleted = await deps.linkCodes.deleteExpiredOrUsedBefore(now.minus({ hours: oldLinkCodeAgeHours }).toJSDate());
  return { deleted };
}

export interface LinkRequest {
  typedCode: string;
  /** The identity the person writes from now: the one to link. */
  identity: ChannelIdentity;
  now: DateTime;
}

export type LinkRefusal =
  | { kind: 'unknownCode' }
  | { kind: 'expired' }
  | { kind: 'used' }
  | { kind: 'alreadyLinked' }
  /** The identity belongs to another member: merging memberships is for staff. */
  | { kind: 'otherMembership' };

export type CheckLinkCodeOutcome = { kind: 'confirmable'; memberId: MemberId; maskedName: string } | LinkRefusal;

/** Reads whether the code can link this identity, and whose name to show in the question. Changes nothing. */
export async function checkLinkCode(deps: LinkDeps, request: LinkRequest): Promise<CheckLinkCodeOutcome> {
  const found = await findCode(deps, request);
  if (found.kind !== 'found') return found;
  const member = await deps.members.findById(found.memberId);
  if (member === null) return { kind: 'unknownCode' };
  return { kind: 'confirmable', memberId: member.id, maskedName: maskName(member.name) };
}

export type LinkIdentityOutcome = { kind: 'linked'; memberId: MemberId } | LinkRefusal;

/** The confirmed link: the step order and crash story are at the top of this file. */
export async function linkIdentity(deps: LinkDeps, request: LinkRequest): Promise<LinkIdentityOutcome> {
  const { identity, now } = request;
  const found = await findCode(deps, request);
  if (found.kind !== 'found') return found;

  const consumed = await deps.linkCodes.consume(found.code, identity.key, now.toJSDate());
  if (!consumed) {
    const again = await findCode(deps, request);
    return again.kind === 'found' ? { kind: 'used' } : again;
  }
  const linked = await deps.identities.linkToMemberIfFree(identity.key, found.memberId);
  if (!linked) return { kind: 'otherMembership' };
  await deps.members.addIdentity(found.memberId, { channel: identity.channel, channelUserId: identity.channelUserId });
  return { kind: 'linked', memberId: found.memberId };
}

type FoundCode = { kind: 'found'; code: string; memberId: MemberId } | LinkRefusal;

/** The code's member, if this identity may link to it now; a code this identity consumed may finish its link. */
async function findCode(deps: LinkDeps, { typedCode, identity, now }: LinkRequest): Promise<FoundCode> {
  const code = normaliseLinkCode(typedCode);
  if (code === null) return { kind: 'unknownCode' };
  const linkCode = await deps.linkCodes.findByCode(code);
  if (linkCode === null) return { kind: 'unknownCode' };
  const found = { kind: 'found' as const, code, memberId: linkCode.memberId };
  if (linkCode.usedBy === identity.key) return found;
  if (identity.memberId === linkCode.memberId) return { kind: 'alreadyLinked' };
  if (linkCode.usedAt !== null) return { kind: 'used' };
  if (isLinkCodeExpired(linkCode.expiresAt, now)) return { kind: 'expired' };
  if (identity.memberId !== null) return { kind: 'otherMembership' };
  return found;
}
