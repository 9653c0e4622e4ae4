import request from 'supertest';
import type { MissionId } from '../../src/loyalty/missions/mission';
import { creditReferral } from '../../src/loyalty/referrals/credit-referral';
import { eraseMember } from '../../src/privacy/erase-member';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    SIGNUP_BONUS_POINTS: '0',
    REFERRAL_BONUS_POINTS: '30',
    POINTS_EXPIRY_POLICY: 'never',
    LINE_BASIC_ID: '@brand',
    PUBLIC_BASE_URL: 'https://loyalty.example.com',
  });
});
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

type Chat = ReturnType<typeof conversationWith>;
const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`${chat.source.channel}:${chat.source.channelUserId}`);
  return identity!.memberId! as MemberId;
}

/** The member's invite code, read from their invite reply. */
async function inviteCodeOf(chat: Chat): Promise<string> {
  await chat.taps('intent=invite');
  const code = /(?:INVITE|邀請) ([A-Z0-9]{6})/.exec(chat.replyTexts()[0] ?? '')?.[1];
  if (code === undefined) throw new Error(`No invite code in ${chat.replyTexts().join(' | ')}`);
  return code;
}

/** A member, and a friend who joined with their invite code; both chat in English on the web. */
async function referrerWithInvitedFriend(referrerName: [string, string], friendName: [string, string]) {
  const referrer = conversationWith(platform, { locale: 'en' });
  await referrer.joins(...referrerName);
  const referrerId = await memberIdOf(referrer);
  const friend = conversationWith(platform, { locale: 'en' });
  await friend.says(`INVITE ${await inviteCodeOf(referrer)}`);
  await friend.joins(...friendName);
  return { referrer, referrerId, friend };
}

async function defineMission(body: Record<string, unknown>): Promise<MissionId> {
  const response = await request(platform.app).post('/admin/api/missions').set(as('marketer')).send(body);
  expect(response.status).toBe(201);
  return response.body.id as MissionId;
}

describe('invite flow', () => {
  it('gives each member one stable code, with the link of the channel they asked from', async () => {
    platform.clock.set('2050-01-10T10:00:00+08:00');
    const web = conversationWith(platform, { locale: 'zh-TW' });
    await web.joins('王小明');
    await web.says('邀請朋友');
    const [reply] = web.replyTexts();
    const code = /邀請 ([A-Z0-9]{6})/.exec(reply!)![1]!;
    expect(reply).toBe(
      [
        '💌 邀請朋友一起加入會員！',
        `分享這個連結給朋友：https://loyalty.example.com/chat?invite=${code}`,
        `或請朋友傳「邀請 ${code}」給我們。`,
        '每位朋友完成入會，都會計入你的邀請任務。',
      ].join('\n'),
    );
    expect(web.choiceLabels()).toEqual(['任務', '功能選單']);
    await web.says('invite a friend');
    expect(web.replyTexts()[0]).toContain(`邀請 ${code}`);

    const line = conversationWith(platform, { channel: 'line', userId: `U${'a'.repeat(32)}`, locale: 'en' });
    await line.joins('Amy');
    await line.says('invite a friend');
    expect(line.replyTexts()[0]).toMatch(/^💌 Invite your friends to join!\nShare this link: https:\/\/line\.me\/R\/oaMessage\/%40brand\/\?INVITE%20[A-Z0-9]{6}\n/);
    expect(await inviteCodeOf(line)).not.toBe(code);
  });

  it('is for members: a guest asking for an invite link is offered signup', async () => {
    const guest = conversationWith(platform, { locale: 'en' });
    await guest.says('invite a friend');
    expect(guest.replyTexts()[0]).toContain('This is for members');
  });
});

describe('joining through an invite', () => {
  it('counts each friend who joins once toward the referrer’s referrals mission, pays the bonus and tells the referrer', async () => {
    platform.clock.set('2051-03-05T10:00:00+08:00');
    const missionId = await defineMission({
      id: 'bring-two-friends',
      name: { 'zh-TW': '揪團入會', en: 'Bring two friends' },
      startsAt: '2051-03-01T00:00:00+08:00',
      endsAt: '2051-04-01T00:00:00+08:00',
      goal: { kind: 'referrals', target: 2 },
      rewardPoints: 200,
    });
    const referrer = conversationWith(platform, { locale: 'zh-TW' });
    await referrer.joins('王小明', '0911111111');
    const referrerId = await memberIdOf(referrer);
    const code = await inviteCodeOf(referrer);

    const first = conversationWith(platform, { locale: 'en' });
    await first.says(`INVITE ${code.toLowerCase()}`);
    expect(first.replyTexts()).toEqual([
      '👋 Welcome! Your friend 王*明 invited you. Joining takes 30 seconds, and your friend gets the credit when you do.',
    ]);
    expect(first.choiceLabels()).toEqual(['Join now', 'Menu']);
    await first.joins('Amy Chen', '0922222222');
    const firstId = await memberIdOf(first);
    // Signing up again, or the same invite arriving again, changes nothing.
    await first.joins('Amy Chen', '0922222222');
    await first.says(`INVITE ${code}`);
    expect(first.replyTexts()[0]).toBe("You're a member already, so this invite can't count — but you can invite friends of your own!");

    await referrer.says('任務');
    expect(referrer.replyTexts()).toEqual([
      '🎯 進行中的任務\n🎯 揪團入會（邀請 2 位好友入會）\n▓▓░░░ 1/2・完成送 200 點・03/31 截止',
      '🎉 你的朋友 A******n 透過你的邀請加入會員，送你 30 點，謝謝你的推薦！',
    ]);

    const second = conversationWith(platform, { locale: 'zh-TW' });
    await second.says(`邀請${code}`);
    expect(second.replyTexts()[0]).toContain('你的朋友 王*明 邀請你加入會員');
    await second.joins('陳美美', '0933333333');

    await referrer.says('說明');
    expect(referrer.replyTexts().slice(1)).toEqual([
      '🎉 你的朋友 陳*美 透過你的邀請加入會員，送你 30 點，謝謝你的推薦！',
      '🎉 任務「揪團入會」完成！獲得 200 點獎勵。',
    ]);

    const { members, ledger, missions, referrals } = platform.repositories;
    expect((await members.findById(referrerId))!.points).toBe(30 + 30 + 200);
    expect(await ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' })).toBe(2);
    expect(await ledger.model.countDocuments({ memberId: referrerId, reason: 'mission' })).toBe(1);
    expect((await missions.progressOf(referrerId, [missionId])).get(missionId)?.count).toBe(2);
    expect(await referrals.referrerOf(firstId)).toBe(referrerId);
    // The friends themselves were paid nothing for being referred.
    expect((await members.findById(firstId))!.points).toBe(0);
  });

  it('credits a signup once however often the credit runs (a retry after a crash)', async () => {
    platform.clock.set('2052-05-05T10:00:00+08:00');
    const missionId = await defineMission({
      id: 'may-referrals',
      name: { 'zh-TW': '五月推薦', en: 'May referrals' },
      startsAt: '2052-05-01T00:00:00+08:00',
      endsAt: '2052-06-01T00:00:00+08:00',
      goal: { kind: 'referrals', target: 5 },
      rewardPoints: 0,
    });
    const { referrer, referrerId, friend } = await referrerWithInvitedFriend(['Ben', '0944444444'], ['Cara', '0955555555']);
    const friendId = await memberIdOf(friend);

    const deps = { ...platform.repositories, earning: { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' }, bonusPoints: 30 };
    const again = await Promise.all(
      Array.from({ length: 5 }, () => creditReferral(deps, { newMemberId: friendId, identityKey: `web:${friend.source.channelUserId}`, now: platform.clock.now() })),
    );
    expect(again.every((outcome) => outcome.kind === 'credited')).toBe(true);
    expect((await platform.repositories.missions.progressOf(referrerId, [missionId])).get(missionId)?.count).toBe(1);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' })).toBe(1);
    await referrer.says('help');
    expect(referrer.replyTexts().filter((text) => text.includes('C**a'))).toEqual([
      '🎉 Your friend C**a joined through your invite: +30 points for you. Thank you!',
    ]);
  });

  it('credits the referrer when the turn that made the friend a member failed and the friend answers again', async () => {
    const referrer = conversationWith(platform, { locale: 'en' });
    await referrer.joins('Dan', '0966666666');
    const referrerId = await memberIdOf(referrer);
    const friend = conversationWith(platform, { locale: 'en' });
    await friend.says(`INVITE ${await inviteCodeOf(referrer)}`);
    const referrals = platform.repositories.referrals;
    jest.spyOn(referrals, 'recordReferral').mockRejectedValueOnce(new Error('connection to the database lost'));
    await friend.joins('Eve', '0977777777');
    expect(friend.replyTexts()).toEqual([expect.stringContaining('Sorry')]);

    await friend.taps('answer=skip');
    expect(friend.replyTexts()[0]).toContain('Welcome aboard, Eve!');
    expect(await referrals.referrerOf(await memberIdOf(friend))).toBe(referrerId);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' })).toBe(1);
    expect((await platform.repositories.members.findById(referrerId))!.points).toBe(30);
  });

  it('does not credit the old invite again when an erased friend joins again on the same chat account', async () => {
    platform.clock.set('2052-07-07T10:00:00+08:00');
    const { referrerId, friend } = await referrerWithInvitedFriend(['Dan', '0966666666'], ['Eve', '0977777777']);
    const rules = { earning: { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' }, redemptionHoldHours: 72 };
    await eraseMember({ ...platform.repositories, rules }, await memberIdOf(friend), platform.clock.now());

    await friend.joins('Eve', '0977777777');
    const rejoinedId = await memberIdOf(friend);
    const deps = { ...platform.repositories, earning: rules.earning, bonusPoints: 30 };
    const outcome = await creditReferral(deps, { newMemberId: rejoinedId, identityKey: `web:${friend.source.channelUserId}`, now: platform.clock.now() });
    expect(outcome.kind).toBe('notReferred');
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' })).toBeLessThanOrEqual(1);
  });

  it('refuses the referrer’s own code, a code nobody has and an invite to a member, politely', async () => {
    platform.clock.set('2053-02-02T10:00:00+08:00');
    const referrer = conversationWith(platform, { locale: 'en' });
    await referrer.joins('Dana', '0966666666');
    const code = await inviteCodeOf(referrer);

    await referrer.says(`INVITE ${code}`);
    expect(referrer.replyTexts()).toEqual(["That's your own invite code 😊 Share it with friends: each one who joins with it counts for you."]);
    expect(referrer.choiceLabels()).toEqual(['My invite link', 'Missions']);

    const member = conversationWith(platform, { locale: 'zh-TW' });
    await member.joins('林大華', '0977777777');
    await member.says(`邀請 ${code}`);
    expect(member.replyTexts()).toEqual(['你已經是會員了，所以這個邀請無法計入。不過你也可以邀請自己的朋友加入喔！']);

    const guest = conversationWith(platform, { locale: 'zh-TW' });
    await guest.says('邀請 ZZZZZZ');
    expect(guest.replyTexts()).toEqual(['抱歉，找不到這個邀請碼 😥 請跟朋友再確認一次（邀請碼是 6 個英文字母與數字），或直接加入會員。']);
    await guest.says('INVITE my friends');
    expect(guest.replyTexts()[0]).toContain('找不到這個邀請碼');
    await guest.taps('intent=accept-invite');
    expect(guest.replyTexts()).toEqual(['請傳送朋友給你的邀請碼，例如：邀請 K7QM2X']);
    // None of these was remembered: joining now credits nobody.
    await guest.joins('路人甲', '0988888888');
    expect(await platform.repositories.referrals.referrerOf(await memberIdOf(guest))).toBeNull();
  });

  it('does not count the referrer signing up again on another channel with the same mobile', async () => {
    platform.clock.set('2054-04-04T10:00:00+08:00');
    const referrer = conversationWith(platform, { locale: 'en' });
    await referrer.joins('Eve', '0912121212');
    const referrerId = await memberIdOf(referrer);
    const sameEveElsewhere = conversationWith(platform, { channel: 'line', userId: `U${'e'.repeat(32)}`, locale: 'en' });
    await sameEveElsewhere.says(`INVITE ${await inviteCodeOf(referrer)}`);
    expect(sameEveElsewhere.replyTexts()[0]).toContain('Your friend E*e invited you');
    await sameEveElsewhere.joins('Eve', '0912121212');
    expect(await platform.repositories.referrals.referrerOf(await memberIdOf(sameEveElsewhere))).toBeNull();
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: referrerId, reason: 'referralBonus' })).toBe(0);
  });
});
