import { DateTime } from 'luxon';
import {
  chatLinkFor,
  codeAlphabet,
  codeLength,
  decideClaim,
  generateCode,
  ledgerKeyOf,
  normaliseCode,
  useIdOf,
  type PointCodeId,
} from '../../../src/loyalty/point-codes/point-code';
import type { MemberId } from '../../../src/shared/ids';

const code = 'K7QMX2P9R' as PointCodeId;
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('generateCode()', () => {
  it('uses 9 characters of an alphabet without 0, O, 1, I or L: at least 40 bits', () => {
    expect(codeAlphabet).toHaveLength(31);
    expect(codeAlphabet).not.toMatch(/[0O1IL]/);
    expect(codeLength * Math.log2(codeAlphabet.length)).toBeGreaterThanOrEqual(40);
    for (let index = 0; index < 1000; index += 1) {
      expect(generateCode()).toMatch(/^[2-9A-HJKMNP-Z]{9}$/);
    }
  });

  it('makes 20,000 distinct codes in a row', () => {
    const codes = new Set(Array.from({ length: 20_000 }, () => generateCode()));
    expect(codes.size).toBe(20_000);
  });

  it('uses every symbol of the alphabet, drawn from the random source it is given', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generateCode()).join(''));
    expect([...seen].sort().join('')).toBe(codeAlphabet);
    const draws: number[] = [];
    const fromSource = generateCode((below) => {
      draws.push(below);
      return draws.length - 1;
    });
    expect(draws).toEqual(Array(9).fill(31));
    expect(fromSource).toBe('23456789A');
  });

  it('gives codes that normalise to themselves', () => {
    const generated = generateCode();
    expect(normaliseCode(generated)).toBe(generated);
  });
});

describe('normaliseCode()', () => {
  it.each([
    ['as printed', 'K7QMX2P9R'],
    ['lower case', 'k7qmx2p9r'],
    ['mixed case with spaces around', '  k7QmX2p9r \n'],
    ['grouped with a dash', 'K7QM-X2P9R'],
    ['grouped with spaces', 'K7Q MX2 P9R'],
    ['full-width letters and digits', 'Ｋ７ＱＭＸ２Ｐ９Ｒ'],
    ['full-width lower case with a full-width dash', 'ｋ７ｑｍ－ｘ２ｐ９ｒ'],
    ['an ideographic space', 'K7QM　X2P9R'],
    ['an en dash from a word processor', 'K7QM–X2P9R'],
    ['a long vowel mark from a Japanese IME', 'K7QMーX2P9R'],
    ['after a full-width colon (集點：K7QMX2P9R)', '：K7QMX2P9R'],
  ])('reads a code typed %s', (_, typed) => {
    expect(normaliseCode(typed)).toBe(code);
  });

  it.each([
    ['empty', ''],
    ['too short', 'K7QMX2P9'],
    ['too long', 'K7QMX2P9RR'],
    ['with a letter O', 'K7QMX2POR'],
    ['with a zero', 'K7QMX2P0R'],
    ['with a one', 'K7QMX2P1R'],
    ['with an I', 'K7QMX2PIR'],
    ['with an L', 'K7QMX2PLR'],
    ['with Chinese', '集點K7QMX2P9'],
    ['with an emoji', 'K7QMX2P9🎉'],
  ])('refuses text that cannot be a code: %s', (_, typed) => {
    expect(normaliseCode(typed)).toBeNull();
  });
});

describe('decideClaim()', () => {
  const window = { startsAt: new Date('2026-12-01T00:00:00+08:00'), expiresAt: new Date('2026-12-31T00:00:00+08:00') };

  it.each([
    ['a second before it opens', '2026-11-30T23:59:59+08:00', 0, { kind: 'notStarted', startsAt: window.startsAt }],
    ['the moment it opens', '2026-12-01T00:00:00+08:00', 0, { kind: 'open' }],
    ['the same moment in UTC', '2026-11-30T16:00:00Z', 0, { kind: 'open' }],
    ['a second before it closes', '2026-12-30T23:59:59+08:00', 0, { kind: 'open' }],
    ['the moment it closes', '2026-12-31T00:00:00+08:00', 0, { kind: 'expired', expiredAt: window.expiresAt }],
    ['with one use left', '2026-12-10T12:00:00+08:00', 2, { kind: 'open' }],
    ['with every use taken', '2026-12-10T12:00:00+08:00', 3, { kind: 'usedUp' }],
    ['expired and used up', '2027-01-05T12:00:00+08:00', 3, { kind: 'expired', expiredAt: window.expiresAt }],
  ])('%s', (_, now, uses, expected) => {
    expect(decideClaim({ ...window, uses, maxUses: 3 }, at(now))).toEqual(expected);
  });
});

describe('chatLinkFor()', () => {
  it('opens the LINE chat with "COLLECT <code>" typed in when the basic id is known', () => {
    expect(chatLinkFor(code, { lineBasicId: '@abc1234', webBaseUrl: 'https://shop.example' })).toBe(
      'https://line.me/R/oaMessage/%40abc1234/?COLLECT%20K7QMX2P9R',
    );
  });

  it('accepts a basic id configured without its @', () => {
    expect(chatLinkFor(code, { lineBasicId: 'abc1234', webBaseUrl: 'https://shop.example' })).toBe(
      'https://line.me/R/oaMessage/%40abc1234/?COLLECT%20K7QMX2P9R',
    );
  });

  it.each([
    [undefined, 'https://shop.example'],
    ['', 'https://shop.example/'],
  ])('falls back to the web chat without a basic id (%p)', (lineBasicId, webBaseUrl) => {
    expect(chatLinkFor(code, { lineBasicId, webBaseUrl })).toBe('https://shop.example/chat?text=COLLECT%20K7QMX2P9R');
  });
});

describe('use and ledger keys', () => {
  it('names a member’s n-th use of a code, and its ledger entry', () => {
    const useId = useIdOf(code, 'm_abcdefghijklmnop' as MemberId, 2);
    expect(useId).toBe('K7QMX2P9R:m_abcdefghijklmnop:2');
    expect(ledgerKeyOf(useId)).toBe('point-code:K7QMX2P9R:m_abcdefghijklmnop:2');
  });
});
