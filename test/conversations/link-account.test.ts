import { linkIdentity } from '../../src/loyalty/members/link-identity';
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
type Locale = 'zh-TW' | 'en';

/** A member who joined on LINE and checked in once: 10 points. */
async function lineMember(locale: Locale, name = '王小明'): Promise<Chat> {
  const chat = conversationWith(platform, { channel: 'line', locale });
  await chat.joins(name);
  await chat.says(locale === 'en' ? 'check in' : '簽到');
  return chat;
}

function messengerChat(locale: Locale): Chat {
  return conversationWith(platform, { channel: 'messenger', locale });
}

async function linkCodeOf(chat: Chat, locale: Locale): Promise<string> {
  await chat.says(locale === 'en' ? 'link account' : '綁定帳號');
  const code = /\d{6}/.exec(chat.replyTexts()[0] ?? '')?.[0];
  if (code === undefined) throw new Error(`no link code in ${JSON.stringify(chat.replyTexts())}`);
  return code;
}

async function identityOf(chat: Chat) {
  return platform.repositories.identities.find(`${chat.source.channel}:${chat.source.channelUserId}`);
}

async function memberIdOf(chat: Chat): Promise<MemberId | null> {
  return (await identityOf(chat))?.memberId ?? null;
}

async function memberOf(chat: Chat) {
  return platform.repositories.members.findById((await memberIdOf(chat))!);
}

describe('link-account flow, in English', () => {
  it('gives a member a six-digit code and says where to send it', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    expect(line.replyTexts()).toEqual([
      `Your link code is ${code} 🔗\nWithin 10 minutes, send "LINK ${code}" in the other chat app (e.g. Messenger) to use the same membership there.\nThe code works once — please don't share it.`,
    ]);
    expect(line.choiceLabels()).toEqual(['Menu']);
  });

  it('offers signup, not a code, to a non-member', async () => {
    const chat = conversationWith(platform, { channel: 'line', locale: 'en' });
    await chat.says('link account');
    expect(chat.replyTexts()).toEqual(['This is for members. Joining takes 30 seconds, and you can check in for points every day!']);
  });

  it('links Messenger to the LINE member after a confirmation showing the masked name; points and check-ins are shared', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');

    await messenger.says(`link ${code}`);
    expect(messenger.replyTexts()).toEqual([
      'Link this chat to the membership of A*y? Your points, tier and check-ins will then be shared.',
    ]);
    expect(messenger.choiceLabels()).toEqual(['Yes, link', 'Not now']);
    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()).toEqual(['🎉 Linked! You can use your membership here too — you have 10 points.']);
    expect(messenger.choiceLabels()).toEqual(['My card', 'Check in']);

    const memberId = await memberIdOf(line);
    expect(await memberIdOf(messenger)).toBe(memberId);
    expect((await memberOf(line))!.identities).toEqual([
      { channel: 'line', channelUserId: line.source.channelUserId },
      { channel: 'messenger', channelUserId: messenger.source.channelUserId },
    ]);

    await messenger.says('card');
    expect(messenger.replyTexts()[0]).toContain('Points: 10');
    await messenger.says('check in');
    expect(messenger.replyTexts()).toEqual(["You've already checked in today 😊 You have 10 points and a 1-day streak. See you tomorrow!"]);

    platform.clock.set('2026-11-24T09:00:00+08:00');
    await messenger.says('check in');
    expect(messenger.replyTexts()[0]).toMatch(/^✅ Checked in! \+10 points — you now have 20\. Day 2 of your streak/);
    await line.says('check in');
    expect(line.replyTexts()).toEqual(["You've already checked in today 😊 You have 20 points and a 2-day streak. See you tomorrow!"]);
  });

  it('links when the confirmation is typed as the button label', async () => {
    const code = await linkCodeOf(await lineMember('en', 'Amy'), 'en');
    const web = conversationWith(platform, { channel: 'web', locale: 'en' });
    await web.says(`LINK ${code}`);
    await web.says('yes, link');
    expect(web.replyTexts()).toEqual(['🎉 Linked! You can use your membership here too — you have 10 points.']);
  });

  it('links nothing when the person says not now, and the code still works afterwards', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');
    await messenger.says(`LINK ${code}`);
    await messenger.taps('answer=cancel');
    expect(messenger.replyTexts()).toEqual(["No problem, nothing was linked. Send the code again whenever you're ready 😊"]);
    expect(await memberIdOf(messenger)).toBeNull();
    await messenger.says(`LINK ${code}`);
    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()[0]).toContain('Linked!');
  });

  it('refuses a code that does not exist, or is not six digits', async () => {
    const messenger = messengerChat('en');
    const unknown =
      'Sorry, we couldn\'t find that link code 😥 Please check the 6 digits, or send "link account" in your other chat app for a new code.';
    await messenger.says('LINK 000000');
    expect(messenger.replyTexts()).toEqual([unknown]);
    await messenger.says('LINK my account please');
    expect(messenger.replyTexts()).toEqual([unknown]);
  });

  it('refuses a code after its ten minutes, and the replaced code once a new one is issued', async () => {
    const line = await lineMember('en', 'Amy');
    const first = await linkCodeOf(line, 'en');
    const second = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');
    await messenger.says(`LINK ${first}`);
    expect(messenger.replyTexts()[0]).toContain("couldn't find that link code");

    platform.clock.set('2026-11-23T10:10:00+08:00');
    await messenger.says(`LINK ${second}`);
    expect(messenger.replyTexts()).toEqual([
      'Sorry, that link code has expired (codes last 10 minutes) 🙏 Send "link account" in your other chat app for a new one.',
    ]);
  });

  it('refuses at the confirmation when the code expired while the question waited', async () => {
    const code = await linkCodeOf(await lineMember('en', 'Amy'), 'en');
    const messenger = messengerChat('en');
    platform.clock.set('2026-11-23T10:09:00+08:00');
    await messenger.says(`LINK ${code}`);
    platform.clock.set('2026-11-23T10:10:30+08:00');
    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()[0]).toContain('has expired');
    expect(await memberIdOf(messenger)).toBeNull();
  });

  it('refuses a code already used by someone else', async () => {
    const code = await linkCodeOf(await lineMember('en', 'Amy'), 'en');
    const first = messengerChat('en');
    await first.says(`LINK ${code}`);
    await first.taps('answer=confirm');
    const second = conversationWith(platform, { channel: 'web', locale: 'en' });
    await second.says(`LINK ${code}`);
    expect(second.replyTexts()).toEqual([
      'That link code has already been used 🙏 To link again, send "link account" in your other chat app for a new code.',
    ]);
  });

  it('says there is nothing to link when the code is for the member this chat already belongs to', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    await line.says(`LINK ${code}`);
    expect(line.replyTexts()).toEqual(['This chat already belongs to the same membership — nothing to link 😊']);

    const messenger = messengerChat('en');
    await messenger.says(`LINK ${code}`);
    await messenger.taps('answer=confirm');
    await messenger.says(`LINK ${await linkCodeOf(line, 'en')}`);
    expect(messenger.replyTexts()).toEqual(['This chat already belongs to the same membership — nothing to link 😊']);
  });

  it('refuses to merge: a chat that belongs to another member is sent to our staff, with or without points', async () => {
    const code = await linkCodeOf(await lineMember('en', 'Amy'), 'en');
    const refusal =
      "This chat already belongs to another membership, so we can't link it 🙏 Merging two memberships is done by our staff — please contact our store or customer service.";

    const fresh = messengerChat('en');
    await fresh.joins('Amy M');
    const freshMember = await memberIdOf(fresh);
    await fresh.says(`LINK ${code}`);
    expect(fresh.replyTexts()).toEqual([refusal]);

    const withPoints = messengerChat('en');
    await withPoints.joins('Amy P');
    await withPoints.says('check in');
    await withPoints.says(`LINK ${code}`);
    expect(withPoints.replyTexts()).toEqual([refusal]);
    expect(await memberIdOf(fresh)).toBe(freshMember);
  });
});

describe('link-account flow, in Chinese', () => {
  it('gives a member a code and says to send 綁定 <code> in the other app', async () => {
    const line = await lineMember('zh-TW');
    const code = await linkCodeOf(line, 'zh-TW');
    expect(line.replyTexts()).toEqual([
      `你的綁定碼是 ${code} 🔗\n請在 10 分鐘內，到另一個聊天 App（例如 Messenger）傳送「綁定 ${code}」，就能用同一個會員身分集點喔！\n綁定碼只能用一次，請不要提供給別人。`,
    ]);
  });

  it('links Messenger after confirming 王*明, then the card there shows the LINE points', async () => {
    const line = await lineMember('zh-TW');
    const code = await linkCodeOf(line, 'zh-TW');
    const messenger = messengerChat('zh-TW');
    await messenger.says(`綁定${code}`);
    expect(messenger.replyTexts()).toEqual(['要把這個聊天綁定到會員「王*明」嗎？綁定後，點數、等級和簽到紀錄都會共用。']);
    expect(messenger.choiceLabels()).toEqual(['確認綁定', '先不要']);
    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()).toEqual(['🎉 綁定成功！這裡也能使用你的會員身分了，目前共 10 點。']);
    await messenger.says('會員卡');
    expect(messenger.replyTexts()[0]).toContain('點數: 10 點');
    await messenger.says('簽到');
    expect(messenger.replyTexts()).toEqual(['今天已經簽到過囉 😊 目前共 10 點，已連續 1 天。明天再來！']);
  });

  it('asks again for an answer that is not a button, and cancels on 先不要', async () => {
    const code = await linkCodeOf(await lineMember('zh-TW'), 'zh-TW');
    const messenger = messengerChat('zh-TW');
    await messenger.says(`綁定 ${code}`);
    await messenger.says('嗯');
    expect(messenger.replyTexts()).toEqual(['請點選「確認綁定」或「先不要」。']);
    await messenger.says('先不要');
    expect(messenger.replyTexts()).toEqual(['好的，沒有綁定。需要時再傳一次綁定碼就可以了 😊']);
    expect(await memberIdOf(messenger)).toBeNull();
  });

  it('refuses unknown, expired and used codes, each politely', async () => {
    const line = await lineMember('zh-TW');
    const messenger = messengerChat('zh-TW');
    await messenger.says('綁定 123');
    expect(messenger.replyTexts()).toEqual([
      '抱歉，查不到這組綁定碼 😥 請確認 6 位數字是否正確，或在原本的聊天 App 傳「綁定帳號」取得新的綁定碼。',
    ]);

    const expiring = await linkCodeOf(line, 'zh-TW');
    platform.clock.set('2026-11-23T10:10:00+08:00');
    await messenger.says(`綁定 ${expiring}`);
    expect(messenger.replyTexts()).toEqual(['抱歉，這組綁定碼已經過期了（有效時間 10 分鐘）🙏 請在原本的聊天 App 傳「綁定帳號」取得新的綁定碼。']);

    const used = await linkCodeOf(line, 'zh-TW');
    await messenger.says(`綁定 ${used}`);
    await messenger.taps('answer=confirm');
    const other = conversationWith(platform, { channel: 'web', locale: 'zh-TW' });
    await other.says(`綁定 ${used}`);
    expect(other.replyTexts()).toEqual(['這組綁定碼已經使用過了 🙏 如需再綁定，請在原本的聊天 App 傳「綁定帳號」取得新的綁定碼。']);
  });

  it('says the chat is already the same member, and refuses a chat of another member', async () => {
    const line = await lineMember('zh-TW');
    const code = await linkCodeOf(line, 'zh-TW');
    await line.says(`綁定 ${code}`);
    expect(line.replyTexts()).toEqual(['這個聊天已經是同一個會員囉，不需要再綁定 😊']);

    const otherMember = messengerChat('zh-TW');
    await otherMember.joins('陳大華');
    await otherMember.says(`綁定 ${code}`);
    expect(otherMember.replyTexts()).toEqual([
      '這個聊天已經綁定了另一個會員身分，無法直接綁定 🙏 合併兩個會員需要由客服人員協助處理，請聯絡我們的門市或客服。',
    ]);
  });
});

describe('confirming a link under concurrency', () => {
  it.each([1, 2, 3, 4, 5])('links once when five chats confirm the same code at once (round %i)', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const chats = Array.from({ length: 5 }, (_, index) =>
      conversationWith(platform, { channel: index % 2 === 0 ? 'messenger' : 'web', locale: 'en' }),
    );
    for (const chat of chats) await chat.says(`LINK ${code}`);
    const replies = await Promise.all(chats.map((chat) => chat.taps('answer=confirm')));
    const texts = replies.map((messages) => (messages[0]?.kind === 'text' ? messages[0].text : ''));
    expect(texts.filter((text) => text.startsWith('🎉 Linked!'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('already been used'))).toHaveLength(4);

    const memberId = await memberIdOf(line);
    const linkedChats = (await Promise.all(chats.map(memberIdOf))).filter((id) => id === memberId);
    expect(linkedChats).toHaveLength(1);
    expect((await memberOf(line))!.identities).toHaveLength(2);
  });

  it('links once when the same confirmation runs five times at once', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');
    await messenger.says(`LINK ${code}`);
    const identity = (await identityOf(messenger))!;
    const deps = platform.repositories;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => linkIdentity(deps, { typedCode: code, identity, now: platform.clock.now() })),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(5).fill('linked'));
    expect((await memberOf(line))!.identities).toHaveLength(2);
    expect(await memberIdOf(messenger)).toBe(await memberIdOf(line));
  });
});

describe('finishing a link a crash left half done', () => {
  it('finishes when the code was consumed but the chat not yet linked', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');
    await messenger.says(`LINK ${code}`);
    const key = `messenger:${messenger.source.channelUserId}`;
    expect(await platform.repositories.linkCodes.consume(code, key, platform.clock.now().toJSDate())).toBe(true);

    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()).toEqual(['🎉 Linked! You can use your membership here too — you have 10 points.']);
    expect(await memberIdOf(messenger)).toBe(await memberIdOf(line));
  });

  it('adds the channel to the member when the chat was linked but the member not updated', async () => {
    const line = await lineMember('en', 'Amy');
    const code = await linkCodeOf(line, 'en');
    const messenger = messengerChat('en');
    await messenger.says('help');
    const key = `messenger:${messenger.source.channelUserId}`;
    const memberId = (await memberIdOf(line))!;
    await platform.repositories.linkCodes.consume(code, key, platform.clock.now().toJSDate());
    await platform.repositories.identities.linkToMemberIfFree(key, memberId);
    expect((await memberOf(line))!.identities).toHaveLength(1);

    await messenger.says(`LINK ${code}`);
    await messenger.taps('answer=confirm');
    expect(messenger.replyTexts()[0]).toContain('Linked!');
    expect((await memberOf(line))!.identities).toHaveLength(2);
  });
});

describe('link-code-cleanup', () => {
  it('deletes codes expired or used more than a day ago and keeps the others; a deleted code is answered as unknown', async () => {
    const expiredLongAgo = await linkCodeOf(await lineMember('en', 'Amy'), 'en');
    platform.clock.set('2026-11-23T10:25:00+08:00');
    const usedLongAgo = await linkCodeOf(await lineMember('en', 'Ben'), 'en');
    const expiredRecently = await linkCodeOf(await lineMember('en', 'Cleo'), 'en');
    platform.clock.set('2026-11-23T10:26:00+08:00');
    const linked = messengerChat('en');
    await linked.says(`LINK ${usedLongAgo}`);
    await linked.taps('answer=confirm');
    platform.clock.set('2026-11-24T10:25:00+08:00');
    const live = await linkCodeOf(await lineMember('en', 'Dan'), 'en');

    // The cutoff is 10:30 the day before: the code used at 10:26 goes though it expired only at 10:35; the unused one of 10:25 stays.
    platform.clock.set('2026-11-24T10:30:00+08:00');
    expect((await platform.jobs.deleteOldLinkCodes()).deleted).toBeGreaterThanOrEqual(2);
    expect(await platform.jobs.deleteOldLinkCodes()).toEqual({ deleted: 0 });

    const kept = async (code: string) => (await platform.repositories.linkCodes.findByCode(code)) !== null;
    expect(await kept(expiredLongAgo)).toBe(false);
    expect(await kept(usedLongAgo)).toBe(false);
    expect(await kept(expiredRecently)).toBe(true);
    expect(await kept(live)).toBe(true);

    const messenger = messengerChat('en');
    const unknown =
      'Sorry, we couldn\'t find that link code 😥 Please check the 6 digits, or send "link account" in your other chat app for a new code.';
    await messenger.says(`LINK ${expiredLongAgo}`);
    expect(messenger.replyTexts()).toEqual([unknown]);
    await messenger.says(`LINK ${usedLongAgo}`);
    expect(messenger.replyTexts()).toEqual([unknown]);
    await messenger.says(`LINK ${expiredRecently}`);
    expect(messenger.replyTexts()[0]).toContain('has expired');
    await messenger.says(`LINK ${live}`);
    expect(messenger.replyTexts()).toEqual(['Link this chat to the membership of D*n? Your points, tier and check-ins will then be shared.']);
  });
});
