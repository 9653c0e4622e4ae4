import { checkIn } from '../../src/loyalty/check-in/check-in';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    CHECKIN_POINTS: '10',
    CHECKIN_STREAK_DAYS: '7',
    CHECKIN_STREAK_BONUS: '50',
    SIGNUP_BONUS_POINTS: '0',
  });
});
afterAll(() => platform.close());

async function memberOf(chat: ReturnType<typeof conversationWith>) {
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return (await platform.repositories.members.findById(identity!.memberId!))!;
}

describe('daily check-in flow', () => {
  beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

  it('awards 10 points on the first check-in of the day and kindly refuses a second', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    await chat.says('check in');
    expect(chat.replyTexts()).toEqual([
      '✅ Checked in! +10 points — you now have 10. Day 1 of your streak; 6 more for a 50-point bonus!',
    ]);
    await chat.taps('intent=checkin');
    expect(chat.replyTexts()).toEqual([
      "You've already checked in today 😊 You have 10 points and a 1-day streak. See you tomorrow!",
    ]);
    expect((await memberOf(chat)).points).toBe(10);
  });

  it('starts a new loyalty day at midnight in Asia/Taipei, not UTC', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    platform.clock.set('2026-11-23T23:59:59+08:00');
    await chat.says('check in');
    expect(chat.replyTexts()[0]).toContain('+10 points');
    // 00:00:01 in Taipei is still the 23rd in UTC (16:00:01Z)
    platform.clock.set('2026-11-24T00:00:01+08:00');
    await chat.says('簽到');
    expect(chat.replyTexts()[0]).toContain('Day 2 of your streak');
    expect((await memberOf(chat)).checkIn).toEqual({ streak: 2, lastDay: '2026-11-24' });
  });

  // An acknowledged event can run minutes after it arrived (retried through a database outage, or by the recovery
  // sweep after a crash): it counts for the day the member sent it, so a run again after midnight pays no second day.
  it('counts a check-in run after midnight for the day it was sent', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    platform.clock.set('2026-11-23T23:58:00+08:00');
    const sentAt = platform.clock.now();
    platform.clock.set('2026-11-24T00:08:00+08:00');
    await platform.inbox.handleNow({ ...chat.source, kind: 'text', text: 'check in', eventId: 'late-run-of-a-2358-check-in', receivedAt: sentAt });
    expect((await memberOf(chat)).checkIn).toEqual({ streak: 1, lastDay: '2026-11-23' });
    await chat.says('check in');
    expect(chat.replyTexts()[0]).toContain('Day 2 of your streak');
  });

  it('pays a check-in recorded only after the next day’s, and keeps the streak the next day’s made', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    await chat.says('check in');
    platform.clock.set('2026-11-24T23:58:00+08:00');
    const sentAt = platform.clock.now();
    platform.clock.set('2026-11-25T00:05:00+08:00');
    await chat.says('check in');
    expect(chat.replyTexts()[0]).toContain('Day 1 of your streak');
    platform.clock.set('2026-11-25T00:12:00+08:00');
    await platform.inbox.handleNow({ ...chat.source, kind: 'text', text: 'check in', eventId: 'late-run-of-the-24th', receivedAt: sentAt });
    const member = await memberOf(chat);
    expect(member.checkIn).toEqual({ streak: 1, lastDay: '2026-11-25' });
    expect(member.points).toBe(30);
    expect(await platform.repositories.ledger.find(`checkin:${member.id}:2026-11-24`)).toMatchObject({ status: 'applied', points: 10 });
  });

  it('resets the streak after a missed day', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    await chat.says('check in');
    platform.clock.set('2026-11-24T09:00:00+08:00');
    await chat.says('check in');
    platform.clock.set('2026-11-26T09:00:00+08:00');
    await chat.says('check in');
    expect(chat.replyTexts()[0]).toContain('Day 1 of your streak');
    expect((await memberOf(chat)).points).toBe(30);
  });

  it('adds the streak bonus on every 7th consecutive day', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    for (let day = 0; day < 14; day += 1) {
      platform.clock.set(`2026-12-${String(day + 1).padStart(2, '0')}T12:00:00+08:00`);
      await chat.says('check in');
      if (day === 6 || day === 13) {
        expect(chat.replyTexts()[0]).toBe(
          `🎉 ${day + 1} days in a row! +60 points today (50 of them streak bonus) — you now have ${day === 6 ? 120 : 240}.`,
        );
      }
    }
    expect((await memberOf(chat)).points).toBe(14 * 10 + 2 * 50);
  });

  it('awards once when the same member checks in from many requests at once', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    const member = await memberOf(chat);
    const rules = { points: 10, streakDays: 7, streakBonus: 50, zone: 'Asia/Taipei' };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        checkIn({ members: platform.repositories.members, ledger: platform.repositories.ledger, tierRules: platform.repositories.tierRules, rules, earning: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' } }, member.id as MemberId, platform.clock.now()),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.kind === 'awarded')).toHaveLength(1);
    expect((await memberOf(chat)).points).toBe(10);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId: member.id })).toBe(1);
  });

  it('offers signup to a non-member who tries to check in or see the card', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.says('簽到');
    expect(chat.replyTexts()).toEqual(['這個功能限會員使用。加入會員只要 30 秒，還能每天簽到集點！']);
    expect(chat.choiceLabels()).toEqual(['加入會員', '功能選單']);
    await chat.taps('intent=card');
    expect(chat.choiceLabels()).toContain('加入會員');
  });
});

describe('card flow', () => {
  it('shows points, tier, streak and progress to the next tier', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.joins('小美');
    await chat.says('簽到');
    await chat.says('會員卡');
    expect(chat.lastReplies).toEqual([
      expect.objectContaining({
        kind: 'card',
        title: '小美 的會員卡',
        fields: [
          { label: '點數', value: '10 點' },
          { label: '等級', value: '一般會員' },
          { label: '連續簽到', value: '1 天' },
        ],
        progress: { label: '11月30日前再累積 490 點升級銀卡會員', ratio: 0.02 },
      }),
    ]);
  });
});

describe('help and language', () => {
  it('explains what the bot can do and switches language on request', async () => {
    const chat = conversationWith(platform);
    await chat.says('說明');
    expect(chat.replyTexts()[0]).toContain('我是會員小幫手');
    await chat.says('English');
    await chat.taps('answer=en');
    expect(chat.replyTexts()).toEqual(['Switched to English.']);
    await chat.says('help');
    expect(chat.replyTexts()[0]).toContain("I'm your membership assistant");
  });

  it('answers a stale button from a finished question politely', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('answer=agree');
    expect(chat.replyTexts()).toEqual(['That question has already closed. What would you like to do?']);
  });
});
