import pino from 'pino';
import request from 'supertest';
import { toInboundEvents } from '../../src/channels/line/line-events';
import { createInbox } from '../../src/conversation/inbox';
import { signExportToken } from '../../src/privacy/export-link';
import { eraseMember } from '../../src/privacy/erase-member';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { fixedClock } from '../../src/shared/clock';
import type { MemberId } from '../../src/shared/ids';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { aReward } from '../support/builders';
import { conversationWith } from '../support/conversation';
import { deliverToLine, lineEventFactory, lineReplyTexts } from '../support/line-events';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
let line: FakeLineApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    PUBLIC_BASE_URL: 'https://loyalty.example.com',
    SIGNUP_BONUS_POINTS: '50',
    CHECKIN_POINTS: '10',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
});
beforeEach(() => {
  line.reset();
  platform.clock.set('2026-11-23T10:00:00+08:00');
});

type Chat = ReturnType<typeof conversationWith>;

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`${chat.source.channel}:${chat.source.channelUserId}`);
  return identity!.memberId! as MemberId;
}

/** The export link in the chat reply, as a path on this server. */
function exportPathIn(reply: string): string {
  const match = /https:\/\/loyalty\.example\.com(\/privacy\/export\/\S+)/.exec(reply);
  if (match === null) throw new Error(`No export link in: ${reply}`);
  return match[1]!;
}

async function newReward(cost: number, stock: number) {
  const reward = aReward({ cost, stock });
  await platform.repositories.rewards.create(reward, platform.clock.now().toJSDate());
  return reward;
}

describe('export flow', () => {
  it('sends a 24-hour link to a JSON file of everything held about the member', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy Chen', '0912345678', '1990-05-01');
    await chat.says('check in');
    await chat.says('export my data');

    const [reply] = chat.replyTexts();
    expect(reply).toMatch(
      /^📦 Your data is ready\. Download it here \(a JSON file\) — the link works until 2026-11-24 10:00 and only for you, so please don't share it:\nhttps:\/\/loyalty\.example\.com\/privacy\/export\/m_\S+$/,
    );

    const response = await request(platform.app).get(exportPathIn(reply!));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toBe('attachment; filename=my-data-2026-11-23.json');
    expect(response.headers['cache-control']).toBe('no-store');
    const data = JSON.parse(response.text);
    const memberId = await memberIdOf(chat);
    expect(data).toMatchObject({
      format: 'chat-loyalty.member-export.v1',
      profile: { id: memberId, name: 'Amy Chen', mobile: '0912345678', birthday: '1990-05-01', locale: 'en', points: 60 },
      consents: [
        { kind: 'terms', version: '2026-11', status: 'given', channel: 'web' },
        { kind: 'privacy', version: '2026-11', status: 'given', channel: 'web' },
      ],
      identities: [{ channel: 'web', channelUserId: chat.source.channelUserId }],
      tierHistory: [],
    });
    expect(data.ledger.map((entry: { reason: string; points: number }) => [entry.reason, entry.points])).toEqual([
      ['signupBonus', 50],
      ['checkin', 10],
    ]);
    const transcript = data.transcript.map((line: { direction: string; text: string }) => `${line.direction}: ${line.text}`);
    // The signup turn that made the person a member is kept from the birthday answer on.
    expect(transcript).toContain('inbound: check in');
    expect(transcript).toContain('inbound: export my data');
    expect(transcript.some((line: string) => line.startsWith('outbound: ✅'))).toBe(true);
  });

  it('answers the zh-TW keyword in Chinese', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.joins('王小明');
    await chat.says('匯出我的資料');
    expect(chat.replyTexts()[0]).toMatch(
      /^📦 你的資料已準備好，請從以下連結下載（JSON 檔）。連結在 2026-11-24 10:00 前有效，僅供你本人使用，請勿轉傳：\nhttps:\/\/loyalty\.example\.com\/privacy\/export\/m_\S+$/,
    );
  });

  it('refuses an expired link with 410, a tampered one with 403 and a mangled one with 404, as JSON', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Bob');
    await chat.says('export my data');
    const path = exportPathIn(chat.replyTexts()[0]!);
    const token = path.split('/').at(-1)!;
    const [memberId, expires, signature] = token.split('.') as [string, string, string];

    const other = conversationWith(platform, { locale: 'en' });
    await other.joins('Eve');
    const otherId = await memberIdOf(other);
    const forgedForOther = await request(platform.app).get(`/privacy/export/${otherId}.${expires}.${signature}`);
    expect(forgedForOther.status).toBe(403);
    expect(forgedForOther.body).toEqual({ error: { code: 'export_link_invalid', message: expect.stringContaining('not valid') } });

    const longerLife = await request(platform.app).get(`/privacy/export/${memberId}.${Number(expires) + 86_400}.${signature}`);
    expect(longerLife.status).toBe(403);
    const otherSecret = signExportToken(memberId as MemberId, platform.clock.now().plus({ hours: 1 }), 'x'.repeat(40));
    expect((await request(platform.app).get(`/privacy/export/${otherSecret}`)).status).toBe(403);

    const mangled = await request(platform.app).get(`/privacy/export/${token.slice(0, -5)}`);
    expect(mangled.status).toBe(404);
    expect(mangled.body.error.code).toBe('export_link_not_found');

    platform.clock.set('2026-11-24T09:59:00+08:00');
    expect((await request(platform.app).get(path)).status).toBe(200);
    platform.clock.set('2026-11-24T10:00:01+08:00');
    const expired = await request(platform.app).get(path);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('export_link_expired');
  });

  it('is for members only', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.says('export my data');
    expect(chat.replyTexts()).toEqual(['This is for members. Joining takes 30 seconds, and you can check in for points every day!']);
  });

  it('shows the privacy notice with the choices to download or delete, and to stop promotions', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.says('隱私權');
    expect(chat.replyTexts()[0]).toContain('🔒 隱私權聲明（版本 2026-11）');
    expect(chat.replyTexts()[0]).toContain('90 天內的對話紀錄');
    expect(chat.choiceLabels()).toEqual(['下載我的資料', '刪除我的資料', '停止推播', '功能選單']);
  });
});

describe('delete flow', () => {
  const events = lineEventFactory('01JPRIVACY');
  const deliver = (batch: unknown[]) => deliverToLine(platform, batch);

  async function joinOnLine(userId: string) {
    await deliver([events.postback(userId, 'intent=signup')]);
    await deliver([events.postback(userId, 'answer=agree')]);
    await deliver([events.text(userId, 'Carol Lin')]);
    await deliver([events.text(userId, '0987654321')]);
    await deliver([events.text(userId, '1985-02-03')]);
    const identity = await platform.repositories.identities.find(`line:${userId}`);
    return identity!.memberId! as MemberId;
  }

  /** A LINE event another server answered 200 for and was killed before its turn ran: only its record is left. */
  async function acknowledgedByAKilledServer(lineEvent: unknown): Promise<string> {
    const { event } = toInboundEvents({ destination: 'Ubot', events: [lineEvent] }, platform.clock.now())[0]!;
    const neverFinishes = () => new Promise<never>(() => undefined);
    const killedServer = createInbox({
      runner: { run: neverFinishes, handle: neverFinishes, apology: () => [] },
      inboundEvents: platform.repositories.inboundEvents,
      clock: fixedClock(platform.clock.now().toISO()!),
      logger: pino({ level: 'silent' }),
    });
    expect(await killedServer.accept([event], async () => undefined)).toEqual({ accepted: 1, duplicates: 0 });
    return `line:${event.eventId}`;
  }

  const inboundEventRow = (eventKey: string) => platform.repositories.inboundEvents.model.findById(eventKey).lean();

  it('explains what is lost, erases on confirmation, and the same LINE user is a stranger afterwards', async () => {
    const userId = events.userId();
    const memberId = await joinOnLine(userId);
    const reward = await newReward(30, 5);
    await deliver([events.postback(userId, `intent=redeem&reward=${reward.id}`)]);
    await deliver([events.postback(userId, 'answer=confirm')]);
    const [voucher] = (await platform.repositories.redemptions.list({ memberId, limit: 5 })).redemptions;
    expect(voucher?.status).toBe('redeemed');
    await deliver([events.text(userId, 'How much is the oolong at the Xinyi store?')]);

    line.reset();
    await deliver([events.text(userId, '刪除帳號')]);
    expect(lineReplyTexts(line)).toEqual([
      [
        '刪除會員後將無法復原：',
        '・你的姓名、手機號碼、生日、聊天帳號與對話紀錄都會被刪除',
        '・你剩下的 20 點會隨帳號一併失效，無法退還或轉移',
        '・你尚未使用的 1 張兌換券會被取消',
        '我們只會保留無法辨識個人的點數與兌換紀錄供帳務使用。確定要全部刪除嗎？',
      ].join('\n'),
    ]);
    line.reset();
    await deliver([events.postback(userId, 'answer=delete')]);
    expect(lineReplyTexts(line)).toEqual([
      '你的會員帳號與個人資料已經刪除。謝謝你一路的支持 🙏 如果哪天想回來，隨時傳訊息給我們，就能重新加入成為新會員。',
    ]);

    const stored = await platform.repositories.members.model.findById(memberId).lean();
    expect(stored).toMatchObject({ deleted: true, name: '', mobile: '', birthday: null, identities: [], consents: [], signupKey: `erased:${memberId}` });
    expect(stored!.leaderboard).toEqual({ display: { kind: 'hidden' }, optedOut: true });
    expect(stored!.points).toBe(0);
    expect(stored!.erasingSince).toBeUndefined();
    expect(await platform.repositories.members.findById(memberId)).toBeNull();
    expect(await platform.repositories.transcripts.ofMember(memberId)).toEqual([]);
    expect(await platform.repositories.sessions.load(`line:${userId}`)).toBeNull();
    expect((await platform.repositories.redemptions.findById(voucher!.id))?.status).toBe('cancelled');
    expect((await platform.repositories.rewards.findById(reward.id))?.stock).toBe(5);
    // Kept for the accounts, under the opaque id: the spend, the refund of the cancelled voucher, the forfeit.
    const ledger = await platform.repositories.ledger.allOfMember(memberId);
    expect(ledger.filter((entry) => entry.status === 'applied').map((entry) => [entry.reason, entry.points])).toEqual([
      ['signupBonus', 50],
      ['redemption', -30],
      ['refund', 30],
      ['erasure', -50],
    ]);
    expect((await verifyLedger(platform.repositories)).problems.filter((problem) => problem.memberId === memberId)).toEqual([]);

    line.reset();
    await deliver([events.text(userId, 'card')]);
    expect(lineReplyTexts(line)).toEqual(['這個功能限會員使用。加入會員只要 30 秒，還能每天簽到集點！']);
    const rejoined = await joinOnLine(userId);
    expect(rejoined).not.toBe(memberId);
    expect(await platform.repositories.members.findById(rejoined)).toMatchObject({ name: 'Carol Lin', points: 50 });
  });

  it('keeps everything when the member changes their mind', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Dan');
    await chat.says('delete my account');
    expect(chat.replyTexts()[0]).toContain('• your 50 points are forfeited: they die with the account and cannot be refunded or moved');
    expect(chat.choiceLabels()).toEqual(['Delete everything', 'Keep my account']);
    await chat.says('Keep my account');
    expect(chat.replyTexts()).toEqual(["Glad you're staying 😊 Nothing was deleted."]);
    expect(await platform.repositories.members.findById(await memberIdOf(chat))).toMatchObject({ name: 'Dan' });
  });

  it('forgets a message acknowledged but never run: no sweep runs it afterwards and a redelivery is a duplicate', async () => {
    const userId = events.userId();
    const memberId = await joinOnLine(userId);
    const neverRun = events.text(userId, 'My new address is 5 Songren Road');
    const eventKey = await acknowledgedByAKilledServer(neverRun);
    expect(await inboundEventRow(eventKey)).toMatchObject({ identityKey: `line:${userId}`, event: expect.stringContaining('Songren') });
    expect(await platform.repositories.inboundEvents.handledAt(eventKey)).toBeNull();

    await deliver([events.text(userId, '刪除帳號')]);
    await deliver([events.postback(userId, 'answer=delete')]);
    expect(await platform.repositories.members.findById(memberId)).toBeNull();

    const forgotten = await inboundEventRow(eventKey);
    expect(forgotten).not.toHaveProperty('event');
    expect(forgotten).not.toHaveProperty('identityKey');
    expect(forgotten!.handledAt).toEqual(platform.clock.now().toJSDate());

    // Past the sweep's cutoff and the killed server's lease: without the erasure, the sweep would run it now.
    platform.clock.set('2026-11-23T10:20:00+08:00');
    line.reset();
    expect(await platform.jobs.recoverUnhandledEvents()).toBe(0);
    expect((await deliver([{ ...neverRun, deliveryContext: { isRedelivery: true } }])).status).toBe(200);
    expect(line.replies()).toEqual([]);
    expect(line.pushes()).toEqual([]);
    // Not brought back as a stranger either.
    expect(await platform.repositories.identities.find(`line:${userId}`)).toBeNull();
  });

  it('forgets the acknowledged messages too when it finishes an erasure a crash interrupted', async () => {
    const userId = events.userId();
    const memberId = await joinOnLine(userId);
    const eventKey = await acknowledgedByAKilledServer(events.text(userId, 'Call me on 0911 000 222'));
    await platform.repositories.members.beginErasure(memberId, platform.clock.now().toJSDate());

    platform.clock.set('2026-11-23T10:02:00+08:00');
    expect(await platform.jobs.finishErasures()).toEqual({ finished: 1 });

    const forgotten = await inboundEventRow(eventKey);
    expect(forgotten).not.toHaveProperty('event');
    expect(forgotten).not.toHaveProperty('identityKey');
    expect(forgotten!.handledAt).toEqual(platform.clock.now().toJSDate());
  });

  it('finishes an erasure a crash interrupted, and erasing again changes nothing', async () => {
    const chat = conversationWith(platform, { locale: 'en', channel: 'messenger' });
    await chat.joins('Erin', '0911222333');
    const memberId = await memberIdOf(chat);
    // The crash: only the first step ran.
    await platform.repositories.members.beginErasure(memberId, platform.clock.now().toJSDate());
    expect(await platform.repositories.identities.find(`messenger:${chat.source.channelUserId}`)).not.toBeNull();

    platform.clock.set('2026-11-23T10:02:00+08:00');
    expect(await platform.jobs.finishErasures()).toEqual({ finished: 1 });
    expect(await platform.repositories.identities.find(`messenger:${chat.source.channelUserId}`)).toBeNull();
    expect(await platform.repositories.members.model.findById(memberId).lean()).toMatchObject({ deleted: true, mobile: '' });

    const again = await eraseMember({ ...platform.repositories, rules: { earning: { expiry: { kind: 'never' }, zone: 'Asia/Taipei' }, redemptionHoldHours: 72 } }, memberId, platform.clock.now());
    expect(again).toEqual({ kind: 'alreadyErased', deletedAt: platform.clock.now().toJSDate() });
    expect(await platform.jobs.finishErasures()).toEqual({ finished: 0 });

    await chat.says('hello');
    expect(chat.choiceLabels()).toContain('Join');
  });
});
