import { DateTime } from 'luxon';
import { checkExportToken, signExportToken } from '../../../src/privacy/export-link';
import type { MemberId } from '../../../src/shared/ids';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const memberId = 'm_Ab12Cd34Ef56Gh78' as MemberId;
const issuedAt = DateTime.fromISO('2026-11-23T10:00:00+08:00', { setZone: true });
const token = signExportToken(memberId, issuedAt.plus({ hours: 24 }), secret);
const [id, expires, signature] = token.split('.') as [string, string, string];

describe('checkExportToken', () => {
  it.each([
    ['a fresh token', token, issuedAt, 'valid'],
    ['one second before expiry', token, issuedAt.plus({ hours: 24, seconds: -1 }), 'valid'],
    ['at expiry', token, issuedAt.plus({ hours: 24 }), 'expired'],
    ['another member id', `m_Zz12Cd34Ef56Gh78.${expires}.${signature}`, issuedAt, 'tampered'],
    ['a later expiry', `${id}.${Number(expires) + 3600}.${signature}`, issuedAt.plus({ days: 2 }), 'tampered'],
    ['another secret', signExportToken(memberId, issuedAt.plus({ hours: 1 }), `${secret}!`), issuedAt, 'tampered'],
    ['a truncated signature', token.slice(0, -1), issuedAt, 'malformed'],
    ['no signature', `${id}.${expires}`, issuedAt, 'malformed'],
    ['not a member id', `u_Ab12Cd34Ef56Gh78.${expires}.${signature}`, issuedAt, 'malformed'],
  ])('%s is %s', (_case, candidate, now, kind) => {
    expect(checkExportToken(candidate, secret, now).kind).toBe(kind);
  });

  it('names the member of a valid token', () => {
    expect(checkExportToken(token, secret, issuedAt)).toEqual({
      kind: 'valid',
      memberId,
      expiresAt: issuedAt.plus({ hours: 24 }).toJSDate(),
    });
  });
});
