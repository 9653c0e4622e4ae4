import { awardPoints } from '../../src/loyalty/points/award-points';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ CHECKIN_POINTS: '10', SIGNUP_BONUS_POINTS: '0' });
});
afterAll(() => platform.close());

type Chat = ReturnType<typeof conversationWith>;

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return identity!.memberId! as MemberId;
}

/** A member who earned `points` in the clock's month. */
async function earner(name: string, points: number, locale = 'zh-TW'): Promise<Chat> {
  const chat = conversationWith(platform, { locale });
  await chat.joins(name);
  if (points > 0) {
    await awardPoints(
      { ledger: platform.repositories.ledger, rules: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' } },
      { key: `test:${chat.source.channelUserId}`, memberId: await memberIdOf(chat), points, reason: 'adjustment', now: platform.clock.now() },
    );
  }
  return chat;
}

describe('leaderboard flow', () => {
  it('shows the top 10 of the loyalty month with masked names and the member’s own place', async () => {
    // Each test ranks its own month, so members of other tests are not on its board.
    platform.clock.set('2030-01-15T10:00:00+08:00');
    const others = [];
    for (let index = 0; index < 11; index += 1) others.push(await earner(`王小${index}`, 1000 - index * 50));
    const me = await earner('陳美美', 100);
    await me.says('排行榜');
    expect(me.replyTexts()).toEqual([
      [
        '🏆 2030 年 1 月 集點排行榜（10:00 更新）',
        '1. 王*0 1,000 點',
        '2. 王*1 950 點',
        '3. 王*2 900 點',
        '4. 王*3 850 點',
        '5. 王*4 800 點',
        '6. 王*5 750 點',
        '7. 王*6 700 點',
        '8. 王*7 650 點',
        '9. 王*8 600 點',
        '10. 王*9 550 點',
        '',
        '你本月已賺 100 點，目前是第 12 名（共 12 人），加油！',
      ].join('\n'),
    ]);
    expect(me.choiceLabels()).toEqual(['每日簽到', '顯示名稱', '不參加排行榜']);

    // The reply reads that snapshot until the next run; the member's own points are always today's.
    platform.clock.set('2030-01-15T10:07:00+08:00');
    await awardPoints(
      { ledger: platform.repositories.ledger, rules: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' } },
      { key: `test:more:${me.source.channelUserId}`, memberId: await memberIdOf(me), points: 880, reason: 'adjustment', now: platform.clock.now() },
    );
    await me.says('排行榜');
    expect(me.replyTexts()[0]).toContain('集點排行榜（10:00 更新）\n1. 王*0 1,000 點');
    expect(me.replyTexts()[0]).toContain('10. 王*9 550 點\n\n你本月已賺 980 點，目前是第 2 名（共 12 人）');
    platform.clock.set('2030-01-15T10:10:00+08:00');
    await platform.jobs.snapshotLeaderboard();
    await me.says('排行榜');
    expect(me.replyTexts()[0]).toContain('集點排行榜（10:10 更新）\n1. 王*0 1,000 點\n👉 2. 陳*美 980 點\n3. 王*1 950 點');
  });

  it('ranks from midnight of the 1st in Asia/Taipei, not UTC', async () => {
    platform.clock.set('2030-02-28T23:30:00+08:00');
    const february = await earner('Feb Only', 500, 'en');
    // 00:10 on 1 March in Taipei is still 28 February in UTC
    platform.clock.set('2030-03-01T00:10:00+08:00');
    const chat = await earner('Amy Lee', 30, 'en');
    await chat.says('leaderboard');
    expect(chat.replyTexts()).toEqual([
      '🏆 Top earners, March 2030 (as of 00:10)\n👉 1. A*****e 30 pts\n\nWith your 30 points this month you are #1 of 1. Keep going!',
    ]);
    await february.says('leaderboard');
    expect(february.replyTexts()[0]).toContain("You're not on the board yet this month (1 ranked so far)");
  });

  it('lets a member opt out, choose a nickname or hide, and opt back in: each shows from the next snapshot', async () => {
    platform.clock.set('2030-04-10T12:00:00+08:00');
    const rival = await earner('林大華', 200);
    const me = await earner('陳美美', 300);

    await me.taps('intent=leaderboard-opt-out');
    expect(me.replyTexts()).toEqual(['好的，你已退出排行榜，幾分鐘內排行榜更新後就不會再列出或計入名次。想回來隨時點「參加排行榜」。']);
    await rival.says('排行榜');
    expect(rival.replyTexts()[0]).toBe('🏆 2030 年 4 月 集點排行榜（12:00 更新）\n👉 1. 林*華 200 點\n\n你本月已賺 200 點，目前是第 1 名（共 1 人），加油！');
    await me.says('排行榜');
    expect(me.replyTexts()[0]).toContain('你目前不參加排行榜');
    expect(me.choiceLabels()).toContain('參加排行榜');

    await me.taps('intent=leaderboard-opt-in');
    expect(me.replyTexts()).toEqual(['歡迎回到排行榜！幾分鐘內排行榜更新後，你就會再次出現在名次中 🏆']);
    await rival.says('排行榜');
    expect(rival.replyTexts()[0]).toContain('👉 1. 林*華 200 點\n\n');
    // Back in: their own place counts at once, the list shows them from the next snapshot.
    await me.says('排行榜');
    expect(me.replyTexts()[0]).toContain('你本月已賺 300 點，目前是第 1 名（共 1 人）');

    platform.clock.set('2030-04-10T12:10:00+08:00');
    await platform.jobs.snapshotLeaderboard();
    await rival.says('排行榜');
    expect(rival.replyTexts()[0]).toContain('（12:10 更新）\n1. 陳*美 300 點\n👉 2. 林*華 200 點\n\n你本月已賺 200 點，目前是第 2 名（共 2 人）');

    await me.taps('intent=leaderboard-name');
    expect(me.choiceLabels()).toEqual(['遮罩姓名（王*明）', '自訂暱稱', '匿名']);
    await me.taps('answer=nickname');
    await me.says('咖啡控');
    expect(me.replyTexts()).toEqual(['設定好了！幾分鐘內排行榜更新後，就會依你的選擇顯示。']);
    await platform.jobs.snapshotLeaderboard();
    await rival.says('排行榜');
    expect(rival.replyTexts()[0]).toContain('1. 咖啡控 300 點\n👉 2. 林*華 200 點');

    await me.taps('intent=leaderboard-name');
    await me.taps('answer=hidden');
    platform.clock.set('2030-04-10T12:20:00+08:00');
    await platform.jobs.snapshotLeaderboard();
    await rival.says('排行榜');
    expect(rival.replyTexts()[0]).toContain('1. 匿名會員 300 點');
  });

  it('counts check-in points toward the month and says so when nobody earned yet', async () => {
    platform.clock.set('2030-05-01T09:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Bob');
    await chat.says('leaderboard');
    expect(chat.replyTexts()).toEqual(['🏆 Nobody was on the May 2030 leaderboard as of 09:00. Check in now to take first place!']);
    await chat.says('check in');
    await chat.says('leaderboard');
    expect(chat.replyTexts()[0]).toBe('🏆 Top earners, May 2030 (as of 09:00)\n\nWith your 10 points this month you are #1 of 1. Keep going!');
    platform.clock.set('2030-05-01T09:10:00+08:00');
    await platform.jobs.snapshotLeaderboard();
    await chat.says('leaderboard');
    expect(chat.replyTexts()[0]).toContain('(as of 09:10)\n👉 1. B*b 10 pts');
  });
});
