import request from 'supertest';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

// A signup turn that failed after it made the member and before it paid, for a person who never writes again: the
// welcome-recovery job pays the welcome bonus and the referrer's credit, once.

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ SIGNUP_BONUS_POINTS: '50', REFERRAL_BONUS_POINTS: '30', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

type Chat = ReturnType<typeof conversationWith>;

async function memberIdOf(chat: Chat): Promise<MemberId> {
  return (await platform.repositories.identities.find(`${chat.source.channel}:${chat.source.channelUserId}`))!.memberId! as MemberId;
}

/** Someone whose signup turn fails at its first ledger write (the welcome bonus), after the member was made. */
async function aFailedSignup(name: string, mobile: string): Promise<{ chat: Chat; memberId: MemberId }> {
  const chat = conversationWith(platform, { locale: 'en' });
  jest.spyOn(platform.repositories.ledger, 'earn').mockRejectedValueOnce(new Error('connection to the database lost'));
  await chat.joins(name, mobile);
  jest.restoreAllMocks();
  return { chat, memberId: await memberIdOf(chat) };
}

async function signupsPaid(memberId: MemberId, referrerId: MemberId) {
  const { ledger, members } = platform.repositories;
  return {
    bonuses: await ledger.model.countDocuments({ memberId, reason: 'signupBonus' }),
    referralBonuses: await ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' }),
    points: (await members.findById(memberId))!.points,
    referrerPoints: (await members.findById(referrerId))!.points,
  };
}

describe('welcome-recovery job', () => {
  it('pays the welcome bonus and the referral credit a failed signup turn left unpaid, once however often it runs', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const referrer = conversationWith(platform, { locale: 'en' });
    await referrer.joins('Gus', '0911111111');
    const referrerId = await memberIdOf(referrer);
    await referrer.taps('intent=invite');
    const code = /INVITE ([A-Z0-9]{6})/.exec(referrer.replyTexts()[0] ?? '')![1]!;
    const friend = conversationWith(platform, { locale: 'en' });
    await friend.says(`INVITE ${code}`);

    // The turn that makes the friend a member fails at its first ledger write, and is answered with the apology (the
    // web chat answers in the response: its event is handled). The friend never writes again.
    jest.spyOn(platform.repositories.ledger, 'earn').mockRejectedValue(new Error('connection to the database lost'));
    await friend.joins('Hana', '0922222222');
    expect(friend.replyTexts()).toEqual([expect.stringContaining('Sorry')]);
    jest.restoreAllMocks();
    const friendId = await memberIdOf(friend);
    expect(await signupsPaid(friendId, referrerId)).toEqual({ bonuses: 0, referralBonuses: 0, points: 0, referrerPoints: 50 });

    // A signup that young may still be paying in its own turn.
    expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 0, referrals: 0 });

    platform.clock.set(platform.clock.now().plus({ minutes: 3 }).toISO()!);
    expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 1, referrals: 1 });
    expect(await signupsPaid(friendId, referrerId)).toEqual({ bonuses: 1, referralBonuses: 1, points: 50, referrerPoints: 80 });
    expect(await platform.repositories.referrals.referrerOf(friendId)).toBe(referrerId);

    expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 0, referrals: 0 });
    expect(await signupsPaid(friendId, referrerId)).toEqual({ bonuses: 1, referralBonuses: 1, points: 50, referrerPoints: 80 });
    // Paid in full: later runs pass the friend by instead of reading their ledger every few minutes for two days.
    expect((await platform.repositories.members.model.findById(friendId).lean())?.welcomeSettledAt).toBeInstanceOf(Date);

    // The referrer hears about it on their next chat, once.
    await referrer.says('help');
    expect(referrer.replyTexts().filter((text) => text.includes('H**a'))).toEqual(['🎉 Your friend H**a joined through your invite: +30 points for you. Thank you!']);
    await referrer.says('help');
    expect(referrer.replyTexts().filter((text) => text.includes('H**a'))).toEqual([]);
  });

  it('pays once when the member answers again while the job runs', async () => {
    platform.clock.set('2026-11-24T10:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'en' });
    jest.spyOn(platform.repositories.ledger, 'earn').mockRejectedValueOnce(new Error('connection to the database lost'));
    await chat.joins('Jo', '0944444444');
    expect(chat.replyTexts()).toEqual([expect.stringContaining('Sorry')]);
    const memberId = await memberIdOf(chat);

    platform.clock.set(platform.clock.now().plus({ minutes: 3 }).toISO()!);
    const [paid] = await Promise.all([platform.jobs.recoverWelcomes(), chat.taps('answer=skip')]);
    expect(paid.referrals).toBe(0);
    expect(chat.replyTexts()[0]).toContain('Welcome aboard, Jo!');
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'signupBonus' })).toBe(1);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(50);
  });

  it('pays what joining paid when the member joined, not a bonus the programme changed since', async () => {
    platform.clock.set('2026-11-26T10:00:00+08:00');
    const { memberId } = await aFailedSignup('Kai', '0955555555');
    const setBonus = (signupBonusPoints: number) =>
      request(platform.app).put('/admin/api/programme').set({ Authorization: `Bearer ${testAdminTokens.admin}` }).send({ signupBonusPoints }).expect(200);

    try {
      // Raised after the member joined: the member was promised 50.
      await setBonus(500);
      platform.clock.set(platform.clock.now().plus({ minutes: 3 }).toISO()!);
      expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 1, referrals: 0 });
      expect((await platform.repositories.members.findById(memberId))!.points).toBe(50);

      // A member who joined while there was no bonus is owed none when one is introduced.
      await setBonus(0);
      const later = conversationWith(platform, { locale: 'en' });
      await later.joins('Lee', '0966666666');
      const laterId = await memberIdOf(later);
      await setBonus(500);
      platform.clock.set(platform.clock.now().plus({ minutes: 3 }).toISO()!);
      expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 0, referrals: 0 });
      expect((await platform.repositories.members.findById(laterId))!.points).toBe(0);
    } finally {
      await request(platform.app).post('/admin/api/programme/reset').set({ Authorization: `Bearer ${testAdminTokens.admin}` }).expect(200);
    }
  });

  it('leaves members who joined before its look-back alone', async () => {
    platform.clock.set('2026-11-25T10:00:00+08:00');
    const { memberId } = await aFailedSignup('Ivy', '0933333333');

    // Three days on, the look-back has passed: the job leaves the member to staff.
    platform.clock.set(platform.clock.now().plus({ days: 3 }).toISO()!);
    expect(await platform.jobs.recoverWelcomes()).toEqual({ bonuses: 0, referrals: 0 });
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(0);
  });
});
