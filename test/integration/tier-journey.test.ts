import type { DateTime } from 'luxon';
import { awardPoints } from '../../src/loyalty/points/award-points';
import type { MemberId } from '../../src/shared/ids';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { conversationWith } from '../support/conversation';
import { deliverToLine, lineEventFactory } from '../support/line-events';
import request from 'supertest';
import { startTestPlatform, testAdminTokens, testLineSecret, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let line: FakeLineApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    DEFAULT_LOCALE: 'en',
    SIGNUP_BONUS_POINTS: '0',
    LINE_MONTHLY_PUSH_BUDGET: '100',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
});

async function memberIdOf(channel: string, channelUserId: string): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`${channel}:${channelUserId}`);
  return identity!.memberId!;
}

async function earn(memberId: MemberId, points: number, key: string, now: DateTime = platform.clock.now()): Promise<void> {
  await awardPoints(
    { ledger: platform.repositories.ledger, rules: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' } },
    { key, memberId, points, reason: 'adjustment', now },
  );
}

describe('tiers in chat', () => {
  it('moves a member up at the nightly run, tells them, multiplies their check-ins and shows what keeps the tier', async () => {
    platform.clock.set('2026-11-20T10:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    const memberId = await memberIdOf('web', chat.source.channelUserId);
    await earn(memberId, 600, 'tier-journey:600');

    await chat.says('card');
    expect(chat.lastReplies[0]).toMatchObject({ progress: { label: "You've reached Silver! It's yours from tomorrow" } });

    platform.clock.set('2026-11-21T03:00:00+08:00');
    const run = await platform.jobs.recalculateTiers();
    expect(run).toMatchObject({ kind: 'completed', upgrades: 1 });

    // A web member has no push channel: the news rides on the next reply, once.
    platform.clock.set('2026-11-21T09:00:00+08:00');
    await chat.says('check in');
    expect(chat.replyTexts()[0]).toContain('Checked in! +12 points');
    expect(chat.replyTexts()).toContain('🎉 Congratulations, you are now Silver!\nCheck-ins and store codes now earn ×1.2 points.');
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(612);

    await chat.says('card');
    expect(chat.lastReplies[0]).toMatchObject({
      kind: 'card',
      subtitle: expect.stringContaining('Silver'),
      progress: { label: '1,388 more points by 30 Nov for Gold' },
    });
    const fields = chat.lastReplies[0]!.kind === 'card' ? chat.lastReplies[0]!.fields : [];
    // 612 points in November 2026 keep Silver (400) until November leaves the 12-month window.
    expect(fields).toContainEqual({ label: 'Tier status', value: 'Silver is yours until at least 31 Oct 2027' });
    expect(chat.replyTexts().join('\n')).not.toContain('Congratulations');

    // Store codes are multiplied too; the multiplied points are fixed when the code is claimed.
    const created = await request(platform.app)
      .post('/admin/api/point-codes')
      .set({ Authorization: `Bearer ${testAdminTokens.marketer}` })
      .send({ points: 100, maxUses: 10, perMemberLimit: 1, expiresAt: '2026-12-31T23:59:59+08:00' });
    await chat.says(`COLLECT ${created.body.codes[0].code}`);
    expect(chat.replyTexts()[0]).toContain('120');
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(732);
  });

  it('explains the published rules in plain words, for guests and members', async () => {
    const guest = conversationWith(platform, { locale: 'en' });
    await guest.says('how do tiers work');
    expect(guest.replyTexts()).toEqual([
      [
        '🏅 How tiers work',
        'Your tier follows the points you earned in the last 12 months, this month included. We review tiers every night.',
        '• Member: where everyone starts',
        '• Silver: 500 points to reach, 400 to keep · earns ×1.2 points',
        '• Gold: 2,000 points to reach, 1,600 to keep · earns ×1.5 points',
        'Below the points to keep your tier, you move down one tier.',
      ].join('\n'),
    ]);

    const member = conversationWith(platform, { locale: 'zh-TW' });
    await member.joins('小美');
    await member.taps('intent=tier');
    expect(member.replyTexts()[0]).toContain('• 銀卡會員：累積 500 點升級，400 點可續保，集點 1.2 倍');
    expect(member.replyTexts()[0]).toMatch(/您目前是一般會員，計入等級的點數為 \d+ 點。$/);
  });

  it('pushes the news on LINE, and a downgrade says how to get back', async () => {
    platform.clock.set('2026-01-10T10:00:00+08:00');
    const events = lineEventFactory('01TIERS');
    const userId = events.userId();
    await deliverToLine(platform, [events.postback(userId, 'intent=signup')]);
    await deliverToLine(platform, [events.postback(userId, 'answer=agree')]);
    await deliverToLine(platform, [events.text(userId, 'Ken')]);
    await deliverToLine(platform, [events.text(userId, '0912345678')]);
    await deliverToLine(platform, [events.postback(userId, 'answer=skip')]);
    const memberId = await memberIdOf('line', userId);
    await earn(memberId, 2100, 'tier-journey:2100');
    await platform.jobs.recalculateTiers();
    expect((await platform.repositories.members.findById(memberId))!.tier).toBe('gold');
    line.reset();

    // A year on, January 2026 has left the window: one tier down, with the way back.
    platform.clock.set('2027-02-02T03:00:00+08:00');
    await earn(memberId, 300, 'tier-journey:300');
    const run = await platform.jobs.recalculateTiers();
    expect(run).toMatchObject({ kind: 'completed', downgrades: expect.any(Number) });
    expect((await platform.repositories.members.findById(memberId))!.tier).toBe('silver');
    const pushed = line.pushes().find((push) => (push.body as { to: string }).to === userId);
    expect((pushed!.body as { messages: { text: string }[] }).messages[0]!.text).toBe(
      'Your tier is now Silver. Earn 1700 more points to get back to Gold — every check-in counts!',
    );
    // Pushed, so not said again on the next reply.
    line.reset();
    await deliverToLine(platform, [events.text(userId, 'card')]);
    const replies = JSON.stringify(line.replies());
    expect(replies).not.toContain('Your tier is now Silver');
  });
});
