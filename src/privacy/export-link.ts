import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DateTime } from 'luxon';
import type { MemberId } from '../shared/ids';

/**
 * A download link for one member's data: `<memberId>.<expires, unix seconds>.<HMAC-SHA256>`.
 * Anyone holding it can download until it expires, so it is short-lived and names nothing but
 * the opaque member id.
 */
export type ExportTokenCheck =
  | { kind: 'valid'; memberId: MemberId; expiresAt: Date }
  /** Not a token at all (a truncated or mangled link). */
  | { kind: 'malformed' }
  /** A token whose signature does not match: edited, or signed with another secret. */
  | { kind: 'tampered' }
  | { kind: 'expired'; expiredAt: Date };

const tokenPattern = /^(m_[A-Za-z0-9_-]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export function signExportToken(memberId: MemberId, expiresAt: DateTime, secret: string): string {
  const payload = `${memberId}.${Math.floor(expiresAt.toSeconds())}`;
  return `${payload}.${signatureOf(payload, secret)}`;
}

/** The signature is checked before the expiry, so an edited expiry reads as tampered, not as valid. */
export function checkExportToken(token: string, secret: string, now: DateTime): ExportTokenCheck {
  const match = tokenPattern.exec(token);
  if (match === null) return { kind: 'malformed' };
  const [, memberId, expiresSeconds, signature] = match as unknown as [string, string, string, string];
  const expected = Buffer.from(signatureOf(`${memberId}.${expiresSeconds}`, secret));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return { kind: 'tampered' };
  const expiresAt = new Date(Number(expiresSeconds) * 1000);
  if (expiresAt.getTime() <= now.toMillis()) return { kind: 'expired', expiredAt: expiresAt };
  return { kind: 'valid', memberId: memberId as MemberId, expiresAt };
}

function signatureOf(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`privacy-export.v1.${payload}`).digest('base64url');
}

export interface ExportLinks {
  /** The URL the member downloads their data from, valid for `validHours`. */
  issue(memberId: MemberId, now: DateTime): Promise<{ url: string; expiresAt: DateTime }>;
  check(token: string, now: DateTime): Promise<ExportTokenCheck>;
}

/**
 * `secret` is PRIVACY_LINK_SECRET, or the one generated once and kept in the database, so links
 * survive restarts and work on every instance.
 */
export function createExportLinks(options: { secret: () => Promise<string>; publicBaseUrl: string; validHours: number }): ExportLinks {
  let secret: Promise<string> | undefined;
  const currentSecret = () => {
    secret ??= options.secret().catch((error: unknown) => {
      secret = undefined;
      throw error;
    });
    return secret;
  };
  return {
    async issue(memberId, now) {
      const expiresAt = now.plus({ hours: options.validHours });
      const token = signExportToken(memberId, expiresAt, await currentSecret());
      return { url: `${options.publicBaseUrl}/privacy/export/${token}`, expiresAt };
    },
    async check(token, now) {
      return checkExportToken(token, await currentSecret(), now);
    },
  };
}
