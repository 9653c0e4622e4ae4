import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { conversationWith } from '../support/conversation';
import { deliverToLine, lineEventFactory } from '../support/line-events';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let line: FakeLineApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    LINE_MONTHLY_PUSH_BUDGET: '1',
    POINTS_EXPIRY_POLICY: 'months-after-earning',
    POINTS_EXPIRY_MONTHS: '1',
    DEFAULT_LOCALE: 'en',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
});

const events = lineEventFactory('01REMINDER');
async function joinOnLine(): Promise<string> {
  const userId = events.userId();
  await deliverToLine(platform, [events.postback(userId, 'intent=signup')]);
  await deliverToLine(platform, [events.postback(userId, 'answer=agree')]);
  await deliverToLine(platform, [events.text(userId, 'Amy')]);
  await deliverToLine(platform, [events.text(userId, '0912345678')]);
  await deliverToLine(platform, [events.postback(userId, 'answer=skip')]);
  return userId;
}

describe('points-expiry reminders', () => {
  it('pushes on LINE while the month’s push budget lasts, and otherwise waits for the next chat', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const first = await joinOnLine();
    const second = await joinOnLine();
    const web = conversationWith(platform, { locale: 'en' });
    await web.joins();
    line.reset();

    platform.clock.set('2026-12-12T03:30:00+08:00');
    expect((await platform.jobs.expirePoints()).remindersQueued).toBe(3);

    const pushes = line.pushes();
    expect(pushes).toHaveLength(1);
    const pushed = pushes[0]!.body as { to: string; messages: { text: string }[] };
    expect([first, second]).toContain(pushed.to);
    expect(pushed.messages[0]!.text).toBe('⏰ Heads-up: 50 of your points expire on 2026-12-23. Redeem them before then!');
    expect(pushes[0]!.headers['x-line-retry-key']).toMatch(/^[0-9a-f-]{36}$/);

    // the web member (no push channel) hears it on their next chat; a re-run pushes nothing new
    await web.says('card');
    expect(web.replyTexts().at(-1)).toContain('Heads-up: 50 of your points expire on 2026-12-23');
    await platform.jobs.expirePoints();
    expect(line.pushes()).toHaveLength(1);
  });

  it('still reaches a member who stopped promotions: a reminder about their own points is not marketing', async () => {
    platform.clock.set('2027-01-05T10:00:00+08:00');
    const member = await joinOnLine();
    await deliverToLine(platform, [events.text(member, 'stop promotions')]);
    const { memberId } = (await platform.repositories.identities.find(`line:${member}`))!;
    expect((await platform.repositories.members.consentsOf(memberId!))?.at(-1)).toMatchObject({ kind: 'marketing', status: 'withdrawn' });
    line.reset();

    platform.clock.set('2027-01-25T03:30:00+08:00');
    expect((await platform.jobs.expirePoints()).remindersQueued).toBe(1);
    expect(line.pushes().map((push) => (push.body as { to: string }).to)).toEqual([member]);
    // Nor does it carry the opt-out footer of broadcasts (templates/*/broadcast.yaml).
    expect((line.pushes()[0]!.body as { messages: { text: string }[] }).messages.map((message) => message.text)).toEqual([
      '⏰ Heads-up: 50 of your points expire on 2027-02-05. Redeem them before then!',
    ]);
  });
});
