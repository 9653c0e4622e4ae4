import {
  countsForReferrer,
  decideReferral,
  generateReferralCode,
  inviteLinkFor,
  normaliseReferralCode,
  type ReferralCode,
} from '../../../src/loyalty/referrals/referral';
import type { MemberId } from '../../../src/shared/ids';

const id = (text: string) => text as MemberId;
const code = 'K7QM2X' as ReferralCode;

describe('generateReferralCode', () => {
  it('draws six characters of the unambiguous alphabet', () => {
    expect(generateReferralCode(() => 0)).toBe('222222');
    expect(generateReferralCode((below) => below - 1)).toBe('ZZZZZZ');
    expect(normaliseReferralCode(generateReferralCode())).not.toBeNull();
  });
});

describe('normaliseReferralCode', () => {
  it.each([
    ['K7QM2X', 'K7QM2X'],
    ['k7qm2x', 'K7QM2X'],
    ['Ｋ７ＱＭ２Ｘ', 'K7QM2X'],
    ['K7Q-M2X', 'K7QM2X'],
    [' k7q m2x ', 'K7QM2X'],
  ])('reads %j as %j', (typed, expected) => {
    expect(normaliseReferralCode(typed)).toBe(expected);
  });

  it.each([['K7QM2'], ['K7QM2XY'], ['K7QM2O'], ['K1QM2X'], ['朋友'], ['friends'], ['']])('refuses %j', (typed) => {
    expect(normaliseReferralCode(typed)).toBeNull();
  });
});

describe('inviteLinkFor', () => {
  const all = { lineBasicId: '@brand', messengerPage: 'brandpage', webBaseUrl: 'https://loyalty.example.com/' };

  it.each([
    ['line', all, 'https://line.me/R/oaMessage/%40brand/?INVITE%20K7QM2X'],
    ['messenger', all, 'https://m.me/brandpage?ref=invite-K7QM2X'],
    ['web', all, 'https://loyalty.example.com/chat?invite=K7QM2X'],
    ['botframework', all, 'https://line.me/R/oaMessage/%40brand/?INVITE%20K7QM2X'],
    ['line', { lineBasicId: 'brand' }, 'https://line.me/R/oaMessage/%40brand/?INVITE%20K7QM2X'],
    ['line', { messengerPage: 'brandpage' }, 'https://m.me/brandpage?ref=invite-K7QM2X'],
    ['messenger', { webBaseUrl: 'https://loyalty.example.com' }, 'https://loyalty.example.com/chat?invite=K7QM2X'],
    ['web', {}, null],
  ] as const)('on %s with %j links to %s', (channel, targets, link) => {
    expect(inviteLinkFor(code, channel, targets)).toBe(link);
  });
});

describe('decideReferral', () => {
  it.each([
    ['a person who is not a member, with a friend’s code', id('m_friend'), null, 'accepted'],
    ['the referrer with their own code', id('m_friend'), id('m_friend'), 'selfReferral'],
    ['another member', id('m_friend'), id('m_other'), 'alreadyMember'],
    ['anyone with a code nobody has', null, null, 'unknownCode'],
    ['a member with a code nobody has', null, id('m_other'), 'unknownCode'],
  ] as const)('given %s, decides %s', (_case, referrer, person, kind) => {
    expect(decideReferral(referrer, person).kind).toBe(kind);
  });
});

describe('countsForReferrer', () => {
  const newMember = { id: id('m_new'), mobile: '0912345678' };
  it.each([
    ['a friend with another mobile', { id: id('m_ref'), mobile: '0987654321' }, true],
    ['the referrer again, with the same mobile', { id: id('m_ref'), mobile: '0912345678' }, false],
    ['the referrer again, the mobile written +886', { id: id('m_ref'), mobile: '+886 912 345 678' }, false],
    ['a referrer who no longer exists', null, false],
    ['the new member themself', { id: id('m_new'), mobile: '0900000000' }, false],
  ] as const)('%s: %s', (_case, referrer, counts) => {
    expect(countsForReferrer(referrer, newMember)).toBe(counts);
  });
});
