import { randomInt } from 'node:crypto';
import type { DateTime } from 'luxon';
import type { Branded, MemberId } from '../../shared/ids';

/** A point code in its stored, normalised form: what members type, upper-case, no separators. */
export type PointCodeId = Branded<string, 'PointCodeId'>;

/**
 * Digits and capitals without 0/O, 1/I/L: the characters people confuse when they copy a code
 * from a receipt or a poster. 31 symbols, so 9 of them carry 44.6 bits (8 would be 39.6, under
 * the 40 bits that keep codes unguessable at any realistic rate of attempts).
 */
export const codeAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const codeLength = 9;

/** The words that start a collect message; also what a QR code's chat link pre-fills. */
export const collectCommand = 'COLLECT';

/** A random code; `randomIndex` is the crypto RNG unless a test passes its own. */
export function generateCode(randomIndex: (below: number) => number = randomInt): PointCodeId {
  let code = '';
  for (let index = 0; index < codeLength; index += 1) code += codeAlphabet[randomIndex(codeAlphabet.length)];
  return code as PointCodeId;
}

/**
 * A code as a member might type it — lower case, full-width (ＡＢＣ), with spaces, dashes or a
 * colon after 集點 (K7QM-X2P9R, ：K7QMX2P9R) — in its stored form, or null when it cannot be a code.
 */
export function normaliseCode(typed: string): PointCodeId | null {
  const code = typed
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-‐‑‒–—―−ー_.・:#]/g, '');
  if (code.length !== codeLength) return null;
  for (const character of code) if (!codeAlphabet.includes(character)) return null;
  return code as PointCodeId;
}

export interface PointCodeTerms {
  points: number;
  maxUses: number;
  /** How many times one member may collect the same code. */
  perMemberLimit: number;
  /** Collecting opens at startsAt (inclusive) and closes at expiresAt (exclusive). */
  startsAt: Date;
  expiresAt: Date;
  /** Words for the member's reply and ledger history, e.g. "信義店". */
  storeLabel: string | null;
}

export interface PointCode extends PointCodeTerms {
  code: PointCodeId;
  /** Uses counted so far; never more than maxUses. */
  uses: number;
  createdAt: Date;
}

export type ClaimDecision =
  | { kind: 'open' }
  | { kind: 'notStarted'; startsAt: Date }
  | { kind: 'expired'; expiredAt: Date }
  | { kind: 'usedUp' };

/**
 * Whether a code can be collected now. The uses check is an early answer only: the guarded
 * increment in the repository is what enforces maxUses under concurrency.
 */
export function decideClaim(code: Pick<PointCode, 'startsAt' | 'expiresAt' | 'uses' | 'maxUses'>, now: DateTime): ClaimDecision {
  const at = now.toMillis();
  if (at < code.startsAt.getTime()) return { kind: 'notStarted', startsAt: code.startsAt };
  if (at >= code.expiresAt.getTime()) return { kind: 'expired', expiredAt: code.expiresAt };
  if (code.uses >= code.maxUses) return { kind: 'usedUp' };
  return { kind: 'open' };
}

/** One member's n-th use of a code (n from 1 to perMemberLimit): unique, so the limit holds under races. */
export function useIdOf(code: PointCodeId, memberId: MemberId, slot: number): string {
  return `${code}:${memberId}:${slot}`;
}

/** The chat request a use belongs to: a redelivered request (same flow run) finds its use again. */
export function requestKeyOf(code: PointCodeId, memberId: MemberId, requestId: string): string {
  return `${code}:${memberId}:${requestId}`;
}

/** The ledger key of a use: the same use never awards twice. */
export function ledgerKeyOf(useId: string): string {
  return `point-code:${useId}`;
}

/**
 * The link a QR code encodes. With the LINE official account's basic id it opens the chat with
 * the collect message typed in (https://developers.line.biz/en/docs/messaging-api/using-line-url-scheme/#sending-text-messages);
 * without it, the web chat with the message in `?text=`.
 */
export function chatLinkFor(code: PointCodeId, target: { lineBasicId?: string | undefined; webBaseUrl: string }): string {
  const message = encodeURIComponent(`${collectCommand} ${code}`);
  if (target.lineBasicId) {
    const basicId = target.lineBasicId.startsWith('@') ? target.lineBasicId : `@${target.lineBasicId}`;
    return `https://line.me/R/oaMessage/${encodeURIComponent(basicId)}/?${message}`;
  }
  return `${target.webBaseUrl.replace(/\/+$/, '')}/chat?text=${message}`;
}
