import mongoose from 'mongoose';
import request from 'supertest';
import { recordMarketingChoice } from '../../src/privacy/marketing-consent';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ PUBLIC_BASE_URL: 'https://loyalty.example.com', TERMS_VERSION: '2026-11' });
});
afterAll(async () => {
  await platform.close();
});
beforeEach(() => {
  platform.clock.set('2026-11-23T10:00:00+08:00');
});

type Chat = ReturnType<typeof conversationWith>;

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`${chat.source.channel}:${chat.source.channelUserId}`);
  return identity!.memberId! as MemberId;
}

async function marketingConsentsOf(chat: Chat) {
  const member = await platform.repositories.members.findById(await memberIdOf(chat));
  return member!.consents.filter((consent) => consent.kind === 'marketing');
}

describe('stopping and resuming promotions', () => {
  it('records the withdrawal, answers kindly when asked again, and records the consent given again', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy Chen');
    expect(await marketingConsentsOf(chat)).toEqual([]);

    await chat.says('stop promotions');
    expect(chat.replyTexts()).toEqual([
      "Done: we've stopped sending you promotions (offers, campaigns and news). You'll still hear from us about your own membership, like points about to expire, tier changes and your vouchers. Changed your mind? Tap \"Resume promotions\" any time.",
    ]);
    expect(chat.choiceLabels()).toEqual(['Resume promotions', 'Menu']);
    const withdrawnAt = platform.clock.now().toJSDate();
    expect(await marketingConsentsOf(chat)).toEqual([{ kind: 'marketing', version: '2026-11', status: 'withdrawn', at: withdrawnAt, channel: 'web' }]);

    platform.clock.set('2026-11-24T09:00:00+08:00');
    await chat.says('STOP PROMOTIONS');
    expect(chat.replyTexts()[0]).toMatch(/^You've already stopped promotions, so we don't send you any/);
    expect(await marketingConsentsOf(chat)).toHaveLength(1);

    platform.clock.set('2026-12-01T20:00:00+08:00');
    await chat.taps('intent=marketing-opt-in');
    expect(chat.replyTexts()).toEqual(["Welcome back 🎉 You'll receive our member offers and news again. To stop them, just type \"stop promotions\" any time."]);
    await chat.says('resume promotions');
    expect(chat.replyTexts()[0]).toMatch(/^You're already receiving our member offers and news/);
    expect(chat.choiceLabels()).toEqual(['Stop promotions', 'Menu']);
    expect(await marketingConsentsOf(chat)).toEqual([
      { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: withdrawnAt, channel: 'web' },
      { kind: 'marketing', version: '2026-11', status: 'given', at: new Date('2026-12-01T12:00:00Z'), channel: 'web' },
    ]);
  });

  it('answers in Chinese and records the channel the member used', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW', channel: 'line' });
    await chat.joins('王小明');
    await chat.says('取消推播');
    expect(chat.replyTexts()).toEqual([
      '好的，已停止傳送優惠推播給你（優惠、活動與最新消息）。和你會員權益有關的通知仍會照常傳送，例如點數即將到期、等級異動與兌換券。改變主意的話，隨時點「恢復推播」。',
    ]);
    await chat.says('停止推播');
    expect(chat.replyTexts()[0]).toMatch(/^你先前已經停止優惠推播/);
    await chat.says('恢復推播');
    expect(chat.replyTexts()).toEqual(['歡迎回來 🎉 之後會再收到會員優惠與最新消息。想停止時，隨時輸入「停止推播」。']);
    expect((await marketingConsentsOf(chat)).map((consent) => [consent.status, consent.channel])).toEqual([
      ['withdrawn', 'line'],
      ['given', 'line'],
    ]);
  });

  it('is offered in the privacy notice, and tapping it withdraws', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Ben');
    await chat.says('privacy');
    expect(chat.replyTexts()[0]).toContain('Type "stop promotions" any time and we stop');
    expect(chat.choiceLabels()).toContain('Stop promotions');
    await chat.says('Stop promotions');
    expect(chat.replyTexts()[0]).toMatch(/^Done: we've stopped sending you promotions/);
    expect((await marketingConsentsOf(chat)).map((consent) => consent.status)).toEqual(['withdrawn']);
  });

  it('offers "Stop promotions" in the privacy notice while the member receives them, and "Resume promotions" once they stopped', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Fay');
    await chat.says('privacy');
    expect(chat.choiceLabels()).toEqual(['Download my data', 'Delete my data', 'Stop promotions', 'Menu']);

    await chat.taps('intent=marketing-opt-out');
    await chat.says('privacy');
    expect(chat.replyTexts()[0]).toContain('🔒 Privacy notice (version 2026-11)');
    expect(chat.replyTexts()[0]).toContain('Promotions: you\'ve stopped them, so we send you no offers or news');
    expect(chat.choiceLabels()).toEqual(['Download my data', 'Delete my data', 'Resume promotions', 'Menu']);

    await chat.says('Resume promotions');
    expect(chat.replyTexts()[0]).toMatch(/^Welcome back 🎉/);
    await chat.says('privacy');
    expect(chat.choiceLabels()).toEqual(['Download my data', 'Delete my data', 'Stop promotions', 'Menu']);
  });

  it('offers 恢復推播 in the Chinese privacy notice to a member who stopped promotions', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW', channel: 'line' });
    await chat.joins('林小美');
    await chat.says('停止推播');
    await chat.says('隱私權');
    expect(chat.replyTexts()[0]).toContain('優惠推播：你已停止優惠推播');
    expect(chat.choiceLabels()).toEqual(['下載我的資料', '刪除我的資料', '恢復推播', '功能選單']);
  });

  it('reads the member once for the privacy notice: that read also answers whether notices wait', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Gus');
    await chat.says('stop promotions');
    const memberCalls: string[] = [];
    // Mongoose's debug hook sees every collection call the repositories make: one call, one round trip.
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'members') memberCalls.push(method);
    });
    try {
      await chat.says('privacy');
    } finally {
      mongoose.set('debug', false);
    }
    expect(chat.choiceLabels()).toContain('Resume promotions');
    expect(memberCalls).toEqual(['findOne']);
  });

  it('still brings a waiting notice along with the privacy notice', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Hana');
    await platform.repositories.members.queueNotice(await memberIdOf(chat), {
      key: `expiry:${chat.source.channelUserId}`,
      template: 'notice.points-expiring',
      variables: { points: '50', date: '2026-12-23' },
    });
    await chat.says('privacy');
    expect(chat.replyTexts()).toHaveLength(2);
    expect(chat.replyTexts()[1]).toContain('50 of your points expire on 2026-12-23');
  });

  it('records nothing when a member who never stopped them asks to resume', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Cleo');
    await chat.says('resume promotions');
    expect(chat.replyTexts()[0]).toMatch(/^You're already receiving our member offers and news/);
    expect(await marketingConsentsOf(chat)).toEqual([]);
  });

  it('is for members only', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.says('stop promotions');
    expect(chat.replyTexts()).toEqual(['This is for members. Joining takes 30 seconds, and you can check in for points every day!']);
    expect((await platform.repositories.identities.find(`web:${chat.source.channelUserId}`))?.memberId ?? null).toBeNull();
  });

  it('shows the marketing consent records in the member’s data export', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Dana');
    await chat.says('stop promotions');
    platform.clock.set('2026-11-23T11:00:00+08:00');
    await chat.says('resume promotions');
    await chat.says('export my data');
    const link = /https:\/\/loyalty\.example\.com(\/privacy\/export\/\S+)/.exec(chat.replyTexts()[0]!)![1]!;

    const exported = await request(platform.app).get(link);
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.text).consents).toEqual([
      { kind: 'terms', version: '2026-11', status: 'given', at: '2026-11-23T02:00:00.000Z', channel: 'web' },
      { kind: 'privacy', version: '2026-11', status: 'given', at: '2026-11-23T02:00:00.000Z', channel: 'web' },
      { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: '2026-11-23T02:00:00.000Z', channel: 'web' },
      { kind: 'marketing', version: '2026-11', status: 'given', at: '2026-11-23T03:00:00.000Z', channel: 'web' },
    ]);
  });
});

describe('recordMarketingChoice', () => {
  it('records one withdrawal when several arrive at once', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Eli');
    const memberId = await memberIdOf(chat);
    const choice = { status: 'withdrawn' as const, version: '2026-11', at: platform.clock.now().toJSDate(), channel: 'web' as const };

    const outcomes = await Promise.all(Array.from({ length: 8 }, () => recordMarketingChoice(platform.repositories.members, memberId, choice)));
    expect(outcomes.filter((outcome) => outcome.kind === 'recorded')).toHaveLength(1);
    expect(await marketingConsentsOf(chat)).toHaveLength(1);
  });

  it('with keepLaterChoice, leaves a choice made after the reported one in effect', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Fay');
    await chat.says('stop promotions');
    const memberId = await memberIdOf(chat);
    const reported = (at: string) => ({ status: 'given' as const, version: '2026-11', at: new Date(at), channel: 'import' as const });

    const older = await recordMarketingChoice(platform.repositories.members, memberId, reported('2026-11-20T00:00:00Z'), { keepLaterChoice: true });
    expect(older).toEqual({ kind: 'laterChoiceInEffect', inEffect: { status: 'withdrawn', at: platform.clock.now().toJSDate(), channel: 'web' } });
    const newer = await recordMarketingChoice(platform.repositories.members, memberId, reported('2026-11-23T03:00:00Z'), { keepLaterChoice: true });
    expect(newer).toEqual({ kind: 'recorded', inEffect: { status: 'given', at: new Date('2026-11-23T03:00:00Z'), channel: 'import' } });
    expect((await marketingConsentsOf(chat)).map((consent) => consent.channel)).toEqual(['web', 'import']);
  });
});
