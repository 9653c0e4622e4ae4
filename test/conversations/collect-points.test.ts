import { collectPoints, recoverPointCodeClaims, type CollectOutcome } from '../../src/loyalty/point-codes/collect-points';
import { createPointCodes, type CreatePointCodesRequest } from '../../src/loyalty/point-codes/create-point-codes';
import { ledgerKeyOf, requestKeyOf, type PointCodeId } from '../../src/loyalty/point-codes/point-code';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());
beforeEach(() => platform.clock.set('2026-11-23T10:00:00+08:00'));

type Chat = ReturnType<typeof conversationWith>;

async function newCodes(settings: Partial<CreatePointCodesRequest> = {}): Promise<PointCodeId[]> {
  const outcome = await createPointCodes(
    { pointCodes: platform.repositories.pointCodes },
    { points: 50, maxUses: 100, perMemberLimit: 1, expiresAt: new Date('2026-12-31T23:59:59+08:00'), count: 1, ...settings },
    platform.clock.now(),
  );
  if (outcome.kind !== 'created') throw new Error(`could not create codes: ${outcome.kind}`);
  return outcome.codes.map((code) => code.code);
}

async function newCode(settings: Partial<CreatePointCodesRequest> = {}): Promise<PointCodeId> {
  return (await newCodes(settings))[0]!;
}

async function member(locale: 'zh-TW' | 'en'): Promise<Chat> {
  const chat = conversationWith(platform, { locale });
  await chat.joins();
  return chat;
}

async function memberIdOf(chat: Chat): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return identity!.memberId!;
}

async function pointsOf(chat: Chat): Promise<number> {
  return (await platform.repositories.members.findById(await memberIdOf(chat)))!.points;
}

async function usesOf(code: PointCodeId): Promise<number> {
  return (await platform.repositories.pointCodes.find(code))!.uses;
}

async function ledgerEntriesOf(code: PointCodeId): Promise<number> {
  return platform.repositories.ledger.model.countDocuments({ _id: { $regex: `^point-code:${code}:` }, status: 'applied' });
}

describe('collect-points flow, in English', () => {
  it('collects with "COLLECT <code>" typed any way, and offers the card and history', async () => {
    const chat = await member('en');
    const code = await newCode();
    await chat.says(`collect ${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`);
    expect(chat.replyTexts()).toEqual(['🎉 Points collected! +50 points — you now have 50. Thank you for your support!']);
    expect(chat.choiceLabels()).toEqual(['My card', 'History']);
    expect(await pointsOf(chat)).toBe(50);
  });

  it('thanks the member for visiting the store the code belongs to', async () => {
    const chat = await member('en');
    const code = await newCode({ points: 1200, storeLabel: 'Xinyi store' });
    await chat.says(`COLLECT ${code}`);
    expect(chat.replyTexts()).toEqual(['🎉 Points collected! Thanks for visiting Xinyi store — +1,200 points, you now have 1,200.']);
  });

  it('asks for the code when the member only says "collect", then collects it', async () => {
    const chat = await member('en');
    const code = await newCode();
    await chat.says('collect');
    expect(chat.replyTexts()).toEqual(['Please enter the points code from the store (e.g. K7QMX2P9R). Upper or lower case both work 😊']);
    await chat.says(` ${code.toLowerCase()} `);
    expect(chat.replyTexts()).toEqual(['🎉 Points collected! +50 points — you now have 50. Thank you for your support!']);
  });

  it('collects from a button carrying intent=collect&code=…', async () => {
    const chat = await member('en');
    const code = await newCode();
    await chat.taps(`intent=collect&code=${code}`);
    expect(chat.replyTexts()).toEqual(['🎉 Points collected! +50 points — you now have 50. Thank you for your support!']);
  });

  it('says so when the code does not exist or cannot be a code', async () => {
    const chat = await member('en');
    await chat.says('COLLECT ZZZZZZZZZ');
    const unknown = "Sorry, we couldn't find that code 😥 Please check it (codes never contain 0, O, 1, I or L), or ask our store staff for help.";
    expect(chat.replyTexts()).toEqual([unknown]);
    expect(chat.choiceLabels()).toEqual(['Try again', 'Menu']);
    await chat.says('COLLECT hello there');
    expect(chat.replyTexts()).toEqual([unknown]);
  });

  it('says when a code opens, and when it closed', async () => {
    const chat = await member('en');
    const early = await newCode({ startsAt: new Date('2026-12-01T09:00:00+08:00') });
    await chat.says(`COLLECT ${early}`);
    expect(chat.replyTexts()).toEqual(['This code opens for collecting on 2026/12/01 09:00. Please come back then!']);
    const late = await newCode({ startsAt: new Date('2026-11-01T00:00:00+08:00'), expiresAt: new Date('2026-11-20T23:59:59+08:00') });
    await chat.says(`COLLECT ${late}`);
    expect(chat.replyTexts()).toEqual([
      'Sorry, this code expired on 2026/11/20 23:59 and can no longer be used 🙏 Keep an eye out for our next offer!',
    ]);
    expect(await pointsOf(chat)).toBe(0);
  });

  it('refuses a code whose uses are all taken', async () => {
    const code = await newCode({ maxUses: 1 });
    await (await member('en')).says(`COLLECT ${code}`);
    const second = await member('en');
    await second.says(`COLLECT ${code}`);
    expect(second.replyTexts()).toEqual([
      'Sorry, all the collections for this code have been used up 🙏 Keep an eye out for our next offer!',
    ]);
    expect(await pointsOf(second)).toBe(0);
  });

  it('refuses a member past the per-member limit', async () => {
    const chat = await member('en');
    const code = await newCode({ perMemberLimit: 2 });
    await chat.says(`COLLECT ${code}`);
    await chat.says(`COLLECT ${code}`);
    expect(chat.replyTexts()).toEqual(['🎉 Points collected! +50 points — you now have 100. Thank you for your support!']);
    await chat.says(`COLLECT ${code}`);
    expect(chat.replyTexts()).toEqual(["You've already collected points with this code 😊 (limit per member: 2)"]);
    expect(await pointsOf(chat)).toBe(100);
    expect(await usesOf(code)).toBe(2);
  });

  it('offers signup to a non-member', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.says(`COLLECT ${await newCode()}`);
    expect(chat.replyTexts()).toEqual(['This is for members. Joining takes 30 seconds, and you can check in for points every day!']);
  });
});

describe('collect-points flow, in Chinese', () => {
  it('collects with 「集點 <序號>」 typed in full-width, with or without a space', async () => {
    const chat = await member('zh-TW');
    const [first, second] = await newCodes({ count: 2 });
    const fullWidth = first!.replace(/[A-Z0-9]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));
    await chat.says(`集點　${fullWidth.toLowerCase()}`);
    expect(chat.replyTexts()).toEqual(['🎉 集點成功！+50 點，目前共 50 點。謝謝你的支持！']);
    expect(chat.choiceLabels()).toEqual(['會員卡', '點數紀錄']);
    await chat.says(`集點${second}`);
    expect(chat.replyTexts()).toEqual(['🎉 集點成功！+50 點，目前共 100 點。謝謝你的支持！']);
  });

  it('thanks the member for visiting the store and shows the store in the history', async () => {
    const chat = await member('zh-TW');
    const code = await newCode({ points: 30, storeLabel: '信義店' });
    await chat.says(`集點：${code}`);
    expect(chat.replyTexts()).toEqual(['🎉 集點成功！謝謝你光臨信義店，+30 點已入帳，目前共 30 點。']);
    await chat.says('點數紀錄');
    expect(chat.replyTexts()[0]).toContain('+30 門市集點・信義店');
  });

  it('opens from a QR code chat link, which always types COLLECT', async () => {
    const chat = await member('zh-TW');
    const code = await newCode();
    await chat.says(`COLLECT ${code}`);
    expect(chat.replyTexts()).toEqual(['🎉 集點成功！+50 點，目前共 50 點。謝謝你的支持！']);
  });

  it('asks for the code, and asks again politely when the answer is far too long', async () => {
    const chat = await member('zh-TW');
    const code = await newCode();
    await chat.says('集點');
    expect(chat.replyTexts()).toEqual(['請輸入門市提供的集點序號（例如 K7QMX2P9R），大小寫都可以喔 😊']);
    await chat.says('x'.repeat(41));
    expect(chat.replyTexts()).toEqual(['集點序號是 9 個英文字母或數字，請再輸入一次（例如 K7QMX2P9R）。']);
    await chat.says(code);
    expect(chat.replyTexts()).toEqual(['🎉 集點成功！+50 點，目前共 50 點。謝謝你的支持！']);
  });

  it('says so when the code does not exist', async () => {
    const chat = await member('zh-TW');
    await chat.says('集點 ZZZZZZZZZ');
    expect(chat.replyTexts()).toEqual(['抱歉，查不到這組序號 😥 請確認是否輸入正確（序號不會有 0、O、1、I、L），或請門市人員協助。']);
    expect(chat.choiceLabels()).toEqual(['重新輸入', '功能選單']);
    await chat.taps('intent=collect');
    expect(chat.replyTexts()).toEqual(['請輸入門市提供的集點序號（例如 K7QMX2P9R），大小寫都可以喔 😊']);
  });

  it('says when a code opens, and when it closed', async () => {
    const chat = await member('zh-TW');
    const early = await newCode({ startsAt: new Date('2026-12-01T09:00:00+08:00') });
    await chat.says(`集點 ${early}`);
    expect(chat.replyTexts()).toEqual(['這組序號將於 2026/12/01 09:00 開放集點，到時候再來輸入喔！']);
    const late = await newCode({ startsAt: new Date('2026-11-01T00:00:00+08:00'), expiresAt: new Date('2026-11-20T23:59:59+08:00') });
    await chat.says(`集點 ${late}`);
    expect(chat.replyTexts()).toEqual(['抱歉，這組序號已於 2026/11/20 23:59 到期，無法再集點了 🙏 歡迎留意門市的最新活動！']);
  });

  it('refuses a code whose uses are all taken', async () => {
    const code = await newCode({ maxUses: 1 });
    await (await member('zh-TW')).says(`集點 ${code}`);
    const second = await member('zh-TW');
    await second.says(`集點 ${code}`);
    expect(second.replyTexts()).toEqual(['抱歉，這組序號的集點名額已經額滿了 🙏 歡迎留意門市的最新活動！']);
  });

  it('refuses a member who already collected the code', async () => {
    const chat = await member('zh-TW');
    const code = await newCode();
    await chat.says(`集點 ${code}`);
    await chat.says(`集點 ${code}`);
    expect(chat.replyTexts()).toEqual(['你已經用這組序號集過點囉 😊 每位會員限用 1 次。']);
    expect(await pointsOf(chat)).toBe(50);
  });
});

describe('claiming a code under concurrency', () => {
  const earning = { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' };

  it.each([1, 2, 3, 4, 5])('lets exactly 3 of 6 members racing for a 3-use code collect (round %i)', async () => {
    const chats = await Promise.all(Array.from({ length: 6 }, () => member('en')));
    const code = await newCode({ maxUses: 3, points: 40 });
    const replies = await Promise.all(chats.map((chat) => chat.says(`COLLECT ${code}`)));
    const texts = replies.map((messages) => (messages[0]?.kind === 'text' ? messages[0].text : ''));
    expect(texts.filter((text) => text.startsWith('🎉 Points collected!'))).toHaveLength(3);
    expect(texts.filter((text) => text.includes('used up'))).toHaveLength(3);

    expect(await usesOf(code)).toBe(3);
    expect(await ledgerEntriesOf(code)).toBe(3);
    const balances = await Promise.all(chats.map(pointsOf));
    expect(balances.sort()).toEqual([0, 0, 0, 40, 40, 40]);
    const totals = await platform.repositories.ledger.appliedTotals();
    for (const chat of chats) expect(totals.get(await memberIdOf(chat)) ?? 0).toBe(await pointsOf(chat));
  });

  it('lets one member collect once when ten requests with perMemberLimit 1 arrive at once', async () => {
    const chat = await member('en');
    const memberId = await memberIdOf(chat);
    const code = await newCode({ maxUses: 100 });
    const deps = { ...platform.repositories, earning };
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, tap) =>
        collectPoints(deps, { typedCode: code, memberId, requestId: `tap-${tap}`, now: platform.clock.now() }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.kind === 'collected')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'alreadyCollected')).toHaveLength(9);
    expect(await pointsOf(chat)).toBe(50);
    expect(await usesOf(code)).toBe(1);
    expect(await ledgerEntriesOf(code)).toBe(1);
  });

  it('claims once for a redelivered request, even when the copies race', async () => {
    const chat = await member('en');
    const memberId = await memberIdOf(chat);
    const code = await newCode({ perMemberLimit: 5 });
    const deps = { ...platform.repositories, earning };
    const request = { typedCode: code, memberId, requestId: 'line-event-01J0000000000000000000000', now: platform.clock.now() };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => collectPoints(deps, request)));
    const later = await collectPoints(deps, request);
    expect([...outcomes, later].map((outcome) => outcome.kind)).toEqual(Array(6).fill('collected'));
    expect(later).toEqual<CollectOutcome>({ kind: 'collected', points: 50, balance: 50, storeLabel: null });
    expect(await usesOf(code)).toBe(1);
    expect(await ledgerEntriesOf(code)).toBe(1);
  });
});

describe('recovering claims a crash left half done', () => {
  const earning = { expiry: { kind: 'never' as const }, zone: 'Asia/Taipei' };

  async function reserve(chat: Chat, code: PointCodeId, requestId: string) {
    const memberId = await memberIdOf(chat);
    const reserved = await platform.repositories.pointCodes.reserveUse({
      code,
      memberId,
      perMemberLimit: 1,
      requestKey: requestKeyOf(code, memberId, requestId),
      points: 50,
      storeLabel: null,
      claimedAt: platform.clock.now().toJSDate(),
    });
    if (reserved.kind !== 'reserved') throw new Error(`expected a reserved use, got ${reserved.kind}`);
    return reserved.use;
  }

  /** A use a crash left `reserved` after it was counted and awarded, its counted marker since gone from the window. */
  async function awardedButLeftReserved(chat: Chat, code: PointCodeId, requestId: string) {
    const use = await reserve(chat, code, requestId);
    await platform.repositories.pointCodes.countUse(use);
    await platform.repositories.ledger.earn({
      key: ledgerKeyOf(use.id),
      memberId: use.memberId,
      points: use.points,
      reason: 'pointCode',
      note: null,
      now: platform.clock.now(),
      expiresAt: null,
    });
    // A thousand newer uses of a busy code would push the marker out; here it is pulled out by hand.
    const pointCodesCollection = platform.repositories.pointCodes.models[0]!.collection;
    await pointCodesCollection.updateOne({ _id: code as unknown as never }, { $pull: { countedUses: use.id } as never });
    return use;
  }

  it('finishes a use reserved, or reserved and counted, and awards each once', async () => {
    const [first, second] = [await member('en'), await member('en')];
    const code = await newCode({ maxUses: 10 });
    await reserve(first, code, 'crashed-after-reserving');
    const counted = await reserve(second, code, 'crashed-after-counting');
    await platform.repositories.pointCodes.countUse(counted);

    const recovered = await recoverPointCodeClaims({ ...platform.repositories, earning }, new Date('2026-11-23T10:01:00+08:00'));
    expect(recovered).toBe(2);
    expect(await Promise.all([pointsOf(first), pointsOf(second)])).toEqual([50, 50]);
    expect(await usesOf(code)).toBe(2);
    expect(await ledgerEntriesOf(code)).toBe(2);

    expect(await recoverPointCodeClaims({ ...platform.repositories, earning }, new Date('2026-11-23T10:01:00+08:00'))).toBe(0);
    await second.says(`COLLECT ${code}`);
    expect(second.replyTexts()).toEqual(["You've already collected points with this code 😊 (limit per member: 1)"]);
  });

  it('keeps a use that was counted and awarded when a crash left it reserved and its marker left the window', async () => {
    const crashed = await member('en');
    const code = await newCode({ maxUses: 1 });
    const use = await awardedButLeftReserved(crashed, code, 'crashed-after-awarding');

    await recoverPointCodeClaims({ ...platform.repositories, earning }, new Date('2026-11-23T10:01:00+08:00'));
    expect(await pointsOf(crashed)).toBe(50);
    expect(await usesOf(code)).toBe(1);
    expect(await ledgerEntriesOf(code)).toBe(1);
    // Released, the slot would be free for a second collect as soon as the code had room again.
    const usesCollection = platform.repositories.pointCodes.models[1]!.collection;
    expect(await usesCollection.findOne({ _id: use.id as never })).toMatchObject({ status: 'awarded' });
    await crashed.says(`COLLECT ${code}`);
    expect(crashed.replyTexts()[0]).toContain('used up');
    expect(await pointsOf(crashed)).toBe(50);
  });

  it('does not count again a use that was awarded when a crash left it reserved and its marker left the window', async () => {
    const crashed = await member('en');
    const code = await newCode({ maxUses: 10 });
    await awardedButLeftReserved(crashed, code, 'crashed-after-awarding-with-room');

    await recoverPointCodeClaims({ ...platform.repositories, earning }, new Date('2026-11-23T10:01:00+08:00'));
    expect(await pointsOf(crashed)).toBe(50);
    expect(await usesOf(code)).toBe(1);
    expect(await ledgerEntriesOf(code)).toBe(1);
  });

  it('releases a reserved use when the code filled up before it was counted', async () => {
    const [crashed, other] = [await member('en'), await member('en')];
    const code = await newCode({ maxUses: 1 });
    await reserve(crashed, code, 'crashed-before-counting');
    await other.says(`COLLECT ${code}`);
    expect(other.replyTexts()[0]).toContain('Points collected');

    await recoverPointCodeClaims({ ...platform.repositories, earning }, new Date('2026-11-23T10:01:00+08:00'));
    expect(await pointsOf(crashed)).toBe(0);
    expect(await usesOf(code)).toBe(1);
    await crashed.says(`COLLECT ${code}`);
    expect(crashed.replyTexts()[0]).toContain('used up');
  });
});
