import { randomUUID } from 'node:crypto';
import type { Locale } from '../../src/conversation/flow-schema';
import type { Reward, RewardId } from '../../src/loyalty/rewards/reward';
import type { MemberId } from '../../src/shared/ids';
import { aReward } from '../support/builders';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const env = { DEMO_DATA: 'false', SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never', REDEMPTION_HOLD_HOURS: '72' };

function helpersFor(platform: () => TestPlatform) {
  async function member(locale: Locale, points: number, tier?: string) {
    const chat = conversationWith(platform(), { locale });
    await chat.joins();
    const identity = await platform().repositories.identities.find(`web:${chat.source.channelUserId}`);
    const memberId = identity!.memberId! as MemberId;
    if (points > 0) {
      await platform().repositories.ledger.earn({
        key: `seed:${memberId}`,
        memberId,
        points,
        reason: 'adjustment',
        now: platform().clock.now(),
        expiresAt: null,
      });
    }
    if (tier !== undefined) await platform().repositories.members.model.updateOne({ _id: memberId }, { $set: { tier } });
    return { chat, memberId };
  }

  async function reward(overrides: Omit<Partial<Reward>, 'id'> & { id?: string } = {}): Promise<Reward> {
    const { id = `reward-${randomUUID().slice(0, 8)}`, ...fields } = overrides;
    const created = aReward({ id: id as RewardId, ...fields });
    await platform().repositories.rewards.create(created, platform().clock.now().toJSDate());
    return created;
  }

  const pointsOf = async (memberId: MemberId) => (await platform().repositories.members.findById(memberId))!.points;
  const redemptionsOf = async (memberId: MemberId) => (await platform().repositories.redemptions.list({ memberId, limit: 10 })).redemptions;
  return { member, reward, pointsOf, redemptionsOf };
}

const payloads = (chat: ReturnType<typeof conversationWith>) =>
  chat.lastReplies.flatMap((message) => message.choices ?? []).map((choice) => choice.payload);

describe('rewards catalog', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform(env);
    const { reward } = helpersFor(() => platform);
    await reward({ id: 'coffee', cost: 100 });
    await reward({ id: 'tote-bag', name: { 'zh-TW': '品牌帆布袋', en: 'Canvas tote bag' }, cost: 500, stock: 50 });
    await reward({ id: 'voucher-200', name: { 'zh-TW': '200 元折價券', en: 'NT$200 voucher' }, cost: 800, stock: 200, minimumTier: 'silver' });
    await reward({ id: 'mug', name: { 'zh-TW': '馬克杯', en: 'Mug' }, cost: 50, stock: 0 });
    await reward({ id: 'cake', name: { 'zh-TW': '起司蛋糕', en: 'Cheesecake' }, cost: 200, stock: 3 });
    await reward({ id: 'retired', name: { 'zh-TW': '舊禮物', en: 'Old gift' }, cost: 10, active: false });
    await reward({ id: 'new-year', name: { 'zh-TW': '新年福袋', en: 'New Year bag' }, cost: 10, startsAt: new Date('2027-01-01T00:00:00+08:00') });
  });
  afterAll(() => platform.close());

  it('lists what the member can afford first, each with cost and stock, one button per reward (en)', async () => {
    const { member } = helpersFor(() => platform);
    const { chat } = await member('en', 250);
    await chat.says('rewards');
    expect(chat.replyTexts()).toEqual([
      [
        '🎁 Rewards (you have 250 points)',
        '• Americano · 100 points · unlimited',
        '• Cheesecake · 200 points · 3 left',
        '• Canvas tote bag · 500 points · 50 left · 250 more points needed',
        '• NT$200 voucher · 800 points · 200 left · Silver and up',
        '• Mug · 50 points · sold out',
        'Tap a button below to redeem!',
      ].join('\n'),
    ]);
    expect(chat.choiceLabels()).toEqual(['Americano', 'Cheesecake', 'Canvas tote bag', 'NT$200 voucher', 'Mug', 'Menu']);
    expect(payloads(chat)).toEqual([
      'intent=redeem&reward=coffee',
      'intent=redeem&reward=cake',
      'intent=redeem&reward=tote-bag',
      'intent=redeem&reward=voucher-200',
      'intent=redeem&reward=mug',
      'intent=help',
    ]);
  });

  it('lists the catalog for 兌換 and 禮物, in the member’s tier (zh-TW)', async () => {
    const { member } = helpersFor(() => platform);
    const { chat } = await member('zh-TW', 900, 'silver');
    await chat.says('兌換');
    expect(chat.replyTexts()).toEqual([
      [
        '🎁 點數兌換（目前有 900 點）',
        '・中杯美式咖啡｜100 點｜數量不限',
        '・起司蛋糕｜200 點｜剩 3 份',
        '・品牌帆布袋｜500 點｜剩 50 份',
        '・200 元折價券｜800 點｜剩 200 份',
        '・馬克杯｜50 點｜已兌換完畢',
        '點選下方按鈕即可兌換喔！',
      ].join('\n'),
    ]);
    expect(chat.choiceLabels()).toEqual(['中杯美式咖啡', '起司蛋糕', '品牌帆布袋', '200 元折價券', '馬克杯', '功能選單']);
    await chat.says('禮物');
    expect(chat.replyTexts()[0]).toContain('🎁 點數兌換（目前有 900 點）');
  });

  it('shows the catalog when the redeem intent names no reward', async () => {
    const { member } = helpersFor(() => platform);
    const { chat } = await member('en', 0);
    await chat.taps('intent=redeem');
    expect(chat.replyTexts()[0]).toMatch(/^🎁 Rewards \(you have 0 points\)\n• Americano · 100 points · unlimited · 100 more points needed/);
  });

  it('offers signup to a non-member', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.says('禮物');
    expect(chat.replyTexts()).toEqual(['這個功能限會員使用。加入會員只要 30 秒，還能每天簽到集點！']);
  });
});

describe('an empty catalog', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform(env);
  });
  afterAll(() => platform.close());

  it.each([
    ['en', 'There are no rewards to redeem right now. Do check back when new ones arrive 😊 You have 30 points.'],
    ['zh-TW', '目前還沒有可兌換的禮物，新禮物上架時歡迎再來看看 😊 你目前有 30 點。'],
  ] as const)('says so kindly (%s)', async (locale, expected) => {
    const { chat } = await helpersFor(() => platform).member(locale, 30);
    await chat.taps('intent=rewards');
    expect(chat.replyTexts()).toEqual([expected]);
  });
});

const wording = {
  en: {
    confirm: (name: string, details: string, cost: number, after: number) =>
      [`Redeem "${name}"?`, `Details: ${details}`, `Cost: ${cost} points`, `Left after: ${after} points`].join('\n'),
    confirmButtons: ['Yes, redeem', 'Not now'],
    redeemed: (code: string, balance: string) => ['🎉 Redeemed!', `Voucher code: ${code}`, 'Valid until: 2026/11/26 10:00', `Points left: ${balance}`],
    couponLine: (coupon: string) => `Coupon code: ${coupon}`,
    redeemedFooter: "Show this voucher code to our staff in store before it expires. If it isn't used in time, it's cancelled and your points come back to you.",
    keptPoints: 'No problem, your points are right where you left them 😊',
    notEnoughPoints: '"Americano" takes 300 points and you have 250, so you need 50 more. Check in every day to collect points 💪',
    outOfStock: 'Sorry, "Americano" has all been redeemed 🙏 Have a look at our other rewards!',
    notAvailable: 'Sorry, "Americano" can\'t be redeemed at the moment 🙏 Have a look at our other rewards!',
    overLimit: '"Americano" is limited to 1 per member, and you\'ve already redeemed yours 😊 Have a look at our other rewards!',
    tierTooLow: '"Americano" is for Gold members and up. Keep collecting points to get there 💪',
    poolEmpty: 'Sorry, all the coupon codes for "Americano" have been given out 🙏 Have a look at our other rewards!',
    unknownReward: "Sorry, we couldn't find that reward; it may have been taken down 🙏 Here's what you can redeem now.",
    retry: 'Please tap "Yes, redeem" or "Not now".',
    typedConfirm: 'yes, redeem',
  },
  'zh-TW': {
    confirm: (name: string, details: string, cost: number, after: number) =>
      [`確定要兌換「${name}」嗎？`, `說明: ${details}`, `所需點數: ${cost} 點`, `兌換後剩餘: ${after} 點`].join('\n'),
    confirmButtons: ['確定兌換', '先不要'],
    redeemed: (code: string, balance: string) => ['🎉 兌換成功！', `兌換碼: ${code}`, '使用期限: 2026/11/26 10:00 前', `剩餘點數: ${balance} 點`],
    couponLine: (coupon: string) => `優惠序號: ${coupon}`,
    redeemedFooter: '請於期限內到門市出示此兌換碼，由店員為你兌換。逾期未使用將自動取消，點數會退還給你。',
    keptPoints: '好的，這次先不兌換，點數都幫你留著 😊',
    notEnoughPoints: '兌換「中杯美式咖啡」需要 300 點，你目前有 250 點，還差 50 點喔！每天簽到就能累積點數 💪',
    outOfStock: '不好意思，「中杯美式咖啡」已經兌換完畢了 🙏 看看其他禮物吧！',
    notAvailable: '不好意思，「中杯美式咖啡」目前不在兌換期間內 🙏 看看其他禮物吧！',
    overLimit: '「中杯美式咖啡」每位會員限兌換 1 次，你已經兌換過囉 😊 看看其他禮物吧！',
    tierTooLow: '「中杯美式咖啡」是金卡會員以上限定的禮物，升級後就能兌換喔！繼續集點加油 💪',
    poolEmpty: '不好意思，「中杯美式咖啡」的優惠序號已經全數送出了 🙏 看看其他禮物吧！',
    unknownReward: '抱歉，找不到這項禮物，可能已經下架了 🙏 看看目前可兌換的禮物吧！',
    retry: '請點選「確定兌換」或「先不要」喔。',
    typedConfirm: '確定兌換',
  },
} as const;

describe.each(['en', 'zh-TW'] as const)('redeem flow (%s)', (locale) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform(env);
  });
  afterAll(() => platform.close());
  beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

  const say = wording[locale];
  const helpers = () => helpersFor(() => platform);
  const nameOf = (reward: Reward) => reward.name[locale];

  it('shows the reward, its cost and the balance after, and on confirm hands over a voucher', async () => {
    const { member, reward, pointsOf, redemptionsOf } = helpers();
    const coffee = await reward({ stock: 10 });
    const { chat, memberId } = await member(locale, 250);

    await chat.taps(`intent=redeem&reward=${coffee.id}`);
    expect(chat.replyTexts()).toEqual([say.confirm(nameOf(coffee), coffee.description[locale], 100, 150)]);
    expect(chat.choiceLabels()).toEqual(say.confirmButtons);

    await chat.taps('answer=confirm');
    const [redemption] = await redemptionsOf(memberId);
    expect(redemption).toMatchObject({ status: 'redeemed', cost: 100, couponCode: null });
    expect(chat.replyTexts()).toEqual([say.redeemed(redemption!.id, '150').join('\n')]);
    expect(chat.lastReplies[0]).toMatchObject({ kind: 'card', subtitle: nameOf(coffee), footer: say.redeemedFooter });
    expect(await pointsOf(memberId)).toBe(150);
    expect((await platform.repositories.rewards.findById(coffee.id))!.stock).toBe(9);
    expect(await platform.repositories.ledger.recent(memberId, 1)).toMatchObject([{ points: -100, reason: 'redemption', note: nameOf(coffee) }]);
  });

  it('includes the coupon code from the pool, and typing the button’s label confirms too', async () => {
    const { member, reward, redemptionsOf } = helpers();
    const coffee = await reward({ usesCouponPool: true });
    await platform.repositories.rewards.addCouponCodes(coffee.id, ['STARBREW-0001'], new Date());
    const { chat, memberId } = await member(locale, 1000);

    await chat.taps(`intent=redeem&reward=${coffee.id}`);
    await chat.says(say.typedConfirm);
    const [redemption] = await redemptionsOf(memberId);
    const [title, voucher, ...rest] = say.redeemed(redemption!.id, '900');
    expect(chat.replyTexts()).toEqual([[title, voucher, say.couponLine('STARBREW-0001'), ...rest].join('\n')]);
  });

  it('keeps the points when the member says not now, and asks again on an unclear answer', async () => {
    const { member, reward, pointsOf, redemptionsOf } = helpers();
    const coffee = await reward();
    const { chat, memberId } = await member(locale, 250);

    await chat.taps(`intent=redeem&reward=${coffee.id}`);
    await chat.says('hmm');
    expect(chat.replyTexts()).toEqual([say.retry]);
    await chat.taps('answer=cancel');
    expect(chat.replyTexts()).toEqual([say.keptPoints]);
    expect(await pointsOf(memberId)).toBe(250);
    expect(await redemptionsOf(memberId)).toEqual([]);
  });

  it('tells a member without enough points how many more they need, before asking and on confirm', async () => {
    const { member, reward, pointsOf } = helpers();
    const coffee = await reward({ cost: 300 });
    const { chat } = await member(locale, 250);
    await chat.taps(`intent=redeem&reward=${coffee.id}`);
    expect(chat.replyTexts()).toEqual([say.notEnoughPoints]);

    const cheaper = await reward({ cost: 200 });
    const { chat: second, memberId } = await member(locale, 250);
    await second.taps(`intent=redeem&reward=${cheaper.id}`);
    await platform.repositories.ledger.spend({ key: `elsewhere:${memberId}`, memberId, points: 100, reason: 'adjustment', now: platform.clock.now() });
    await second.taps('answer=confirm');
    expect(second.replyTexts()).toEqual([say.notEnoughPoints.replace(/300/g, '200').replace(/250/g, '150')]);
    expect(await pointsOf(memberId)).toBe(150);
  });

  it('says a sold-out reward is gone, before asking and when the last unit went while the member decided', async () => {
    const { member, reward } = helpers();
    const soldOut = await reward({ stock: 0 });
    const { chat } = await member(locale, 250);
    await chat.taps(`intent=redeem&reward=${soldOut.id}`);
    expect(chat.replyTexts()).toEqual([say.outOfStock]);

    const lastOne = await reward({ stock: 1 });
    const { chat: slow } = await member(locale, 250);
    const { chat: quick } = await member(locale, 250);
    await slow.taps(`intent=redeem&reward=${lastOne.id}`);
    await quick.taps(`intent=redeem&reward=${lastOne.id}`);
    await quick.taps('answer=confirm');
    await slow.taps('answer=confirm');
    expect(slow.replyTexts()).toEqual([say.outOfStock]);
  });

  it('says a reward outside its window or switched off cannot be redeemed now', async () => {
    const { member, reward } = helpers();
    const { chat } = await member(locale, 250);
    const later = await reward({ startsAt: new Date('2026-12-01T00:00:00+08:00') });
    await chat.taps(`intent=redeem&reward=${later.id}`);
    expect(chat.replyTexts()).toEqual([say.notAvailable]);

    const ended = await reward({ endsAt: new Date('2026-11-23T10:00:00+08:00') });
    await chat.taps(`intent=redeem&reward=${ended.id}`);
    expect(chat.replyTexts()).toEqual([say.notAvailable]);

    const switchedOff = await reward();
    await chat.taps(`intent=redeem&reward=${switchedOff.id}`);
    await platform.repositories.rewards.update(switchedOff.id, { active: false }, new Date());
    await chat.taps('answer=confirm');
    expect(chat.replyTexts()).toEqual([say.notAvailable]);
  });

  it('holds the per-member limit', async () => {
    const { member, reward } = helpers();
    const oncePerMember = await reward({ perMemberLimit: 1 });
    const { chat } = await member(locale, 500);
    await chat.taps(`intent=redeem&reward=${oncePerMember.id}`);
    await chat.taps('answer=confirm');
    await chat.taps(`intent=redeem&reward=${oncePerMember.id}`);
    expect(chat.replyTexts()).toEqual([say.overLimit]);
  });

  it('names the tier a reward needs', async () => {
    const { member, reward } = helpers();
    const goldOnly = await reward({ minimumTier: 'gold' });
    const { chat } = await member(locale, 5000, 'silver');
    await chat.taps(`intent=redeem&reward=${goldOnly.id}`);
    expect(chat.replyTexts()).toEqual([say.tierTooLow]);
  });

  it('says when the coupon codes have all been given out, before asking and on confirm', async () => {
    const { member, reward, pointsOf } = helpers();
    const noCodes = await reward({ usesCouponPool: true });
    const { chat } = await member(locale, 250);
    await chat.taps(`intent=redeem&reward=${noCodes.id}`);
    expect(chat.replyTexts()).toEqual([say.poolEmpty]);

    const oneCode = await reward({ usesCouponPool: true, stock: 5 });
    await platform.repositories.rewards.addCouponCodes(oneCode.id, ['ONLY-ONE'], new Date());
    const { chat: slow, memberId } = await member(locale, 250);
    const { chat: quick } = await member(locale, 250);
    await slow.taps(`intent=redeem&reward=${oneCode.id}`);
    await quick.taps(`intent=redeem&reward=${oneCode.id}`);
    await quick.taps('answer=confirm');
    await slow.taps('answer=confirm');
    expect(slow.replyTexts()).toEqual([say.poolEmpty]);
    expect(await pointsOf(memberId)).toBe(250);
    expect((await platform.repositories.rewards.findById(oneCode.id))!.stock).toBe(4);
  });

  it('says kindly when a reward does not exist', async () => {
    const { member } = helpers();
    const { chat } = await member(locale, 250);
    await chat.taps('intent=redeem&reward=no-such-reward');
    expect(chat.replyTexts()).toEqual([say.unknownReward]);
  });
});
