import { DateTime } from 'luxon';
import {
  isLinkCodeExpired,
  linkCodeExpiry,
  maskName,
  newLinkCode,
  normaliseLinkCode,
} from '../../../src/loyalty/members/link-identity';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

describe('newLinkCode()', () => {
  it('draws six digits from the CSPRNG, every time', () => {
    const codes = Array.from({ length: 200 }, () => newLinkCode());
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(190);
  });

  it.each([
    [0, '000000'],
    [42, '000042'],
    [999_999, '999999'],
  ])('keeps leading zeros: a draw of %i is %s', (draw, code) => {
    const drawBelow = (max: number) => {
      expect(max).toBe(1_000_000);
      return draw;
    };
    expect(newLinkCode(drawBelow)).toBe(code);
  });
});

describe('normaliseLinkCode()', () => {
  it.each([
    ['123456', '123456'],
    [' 123 456 ', '123456'],
    ['123-456', '123456'],
    ['１２３４５６', '123456'],
    ['12345', null],
    ['1234567', null],
    ['12345a', null],
    ['', null],
  ])('reads %j as %j', (typed, expected) => {
    expect(normaliseLinkCode(typed)).toBe(expected);
  });
});

describe('isLinkCodeExpired()', () => {
  const issuedAt = at('2026-11-23T10:00:00+08:00');
  const expiresAt = linkCodeExpiry(issuedAt);

  it('gives ten minutes', () => {
    expect(expiresAt.toISOString()).toBe('2026-11-23T02:10:00.000Z');
  });

  it.each([
    ['when issued', '2026-11-23T10:00:00.000+08:00', false],
    ['a millisecond before ten minutes', '2026-11-23T10:09:59.999+08:00', false],
    ['at exactly ten minutes', '2026-11-23T10:10:00.000+08:00', true],
    ['later, in another zone', '2026-11-23T02:30:00.000Z', true],
  ])('%s: expired is %s', (_, now, expired) => {
    expect(isLinkCodeExpired(expiresAt, at(now))).toBe(expired);
  });
});

describe('maskName()', () => {
  it.each([
    ['王小明', '王*明'],
    ['歐陽小明', '歐**明'],
    ['王明', '王*'],
    ['王', '王'],
    ['Amy', 'A*y'],
    ['Amy Chen', 'A** ***n'],
    ['  Amy  ', 'A*y'],
    ['😀bc', '😀*c'],
    ['', ''],
  ])('shows %j as %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});
