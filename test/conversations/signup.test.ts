import { signUp } from '../../src/loyalty/members/sign-up';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

/** The signup use case's request for the person of `chat`, as the signup flow's last answer makes it. */
function signUpRequestOf(chat: ReturnType<typeof conversationWith>, name: string) {
  return {
    identityKey: `web:${chat.source.channelUserId}`,
    channel: 'web' as const,
    channelUserId: chat.source.channelUserId,
    name,
    mobile: '0912345678',
    birthday: null,
    locale: 'en' as const,
    termsVersion: '1',
    now: new Date(),
  };
}

const signUpDeps = () => ({ members: platform.repositories.members, identities: platform.repositories.identities, startingTier: 'member' });

describe('signup flow', () => {
  it('asks for consent on follow, then name, mobile and birthday, and shows the card', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.follows();
    expect(chat.replyTexts()[0]).toContain('Membership Terms and Privacy Notice (version 2026-11)');
    expect(chat.choiceLabels()).toEqual(['Accept and join', 'No thanks']);

    await chat.taps('answer=agree');
    expect(chat.replyTexts()).toEqual(['What should we call you? (your name or a nickname)']);
    await chat.says('  Amy   Chen ');
    expect(chat.replyTexts()[0]).toContain('Thanks, Amy Chen!');
    await chat.says('0912-345-678');
    expect(chat.replyTexts()[0]).toContain('when is your birthday?');
    await chat.says('1990/5/1');

    const [welcome, card] = chat.lastReplies;
    expect(welcome).toMatchObject({ kind: 'text', text: expect.stringContaining('Welcome aboard, Amy Chen! Your 50-point welcome gift is in.') });
    expect(card).toMatchObject({
      kind: 'card',
      title: "Amy Chen's membership card",
      fields: [
        { label: 'Points', value: '50' },
        { label: 'Tier', value: 'Member' },
        { label: 'Streak (days)', value: '0' },
      ],
      progress: { label: '450 more points by 30 Nov for Silver', ratio: 0.1 },
    });

    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    const member = await platform.repositories.members.findById(identity!.memberId!);
    expect(member).toMatchObject({ name: 'Amy Chen', mobile: '0912345678', birthday: '1990-05-01', locale: 'en' });
    expect(member!.consents).toEqual([
      { kind: 'terms', version: '2026-11', status: 'given', at: platform.clock.now().toJSDate(), channel: 'web' },
      { kind: 'privacy', version: '2026-11', status: 'given', at: platform.clock.now().toJSDate(), channel: 'web' },
    ]);
  });

  it('re-prompts a wrong mobile number and ends politely after three misses', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    await chat.says('Ben');
    await chat.says('12345');
    expect(chat.replyTexts()).toEqual([expect.stringContaining("doesn't look like a Taiwan mobile number")]);
    await chat.says('02-2345-6789');
    expect(chat.replyTexts()).toEqual([expect.stringContaining("doesn't look like a Taiwan mobile number")]);
    await chat.says('not a number');
    expect(chat.replyTexts()).toEqual([expect.stringContaining("No problem, let's pick this up later")]);
    await chat.says('0912345678');
    expect(chat.replyTexts()).toEqual([expect.stringContaining("Sorry, I didn't catch that")]);
  });

  it('lets the birthday be skipped, by button or by typing its label', async () => {
    const chat = conversationWith(platform, { locale: 'zh-TW' });
    await chat.taps('intent=signup');
    await chat.says('同意並加入');
    await chat.says('小明');
    await chat.says('+886 912 345 678');
    await chat.says('略過');
    expect(chat.replyTexts()[0]).toContain('歡迎加入，小明');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    const member = await platform.repositories.members.findById(identity!.memberId!);
    expect(member).toMatchObject({ mobile: '0912345678', birthday: null });
  });

  it('records nothing when consent is declined', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=decline');
    expect(chat.replyTexts()[0]).toContain('without your consent we keep no member data');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    expect(identity!.memberId).toBeNull();
  });

  it('answers "already a member" to a second signup', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins();
    await chat.says('join');
    expect(chat.replyTexts()).toEqual(["You're already a member 😊"]);
    await chat.follows();
    expect(chat.replyTexts()).toEqual(["You're already a member 😊"]);
  });

  it('lets a new intent interrupt a waiting question cleanly', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    await chat.taps('intent=help');
    expect(chat.replyTexts()[0]).toContain("I'm your membership assistant");
    await chat.says('Amy');
    expect(chat.replyTexts()[0]).toContain("Sorry, I didn't catch that");
  });

  it('forgets a question left unanswered longer than the idle time', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    platform.clock.set(platform.clock.now().plus({ minutes: 31 }).toISO()!);
    await chat.says('Amy');
    expect(chat.replyTexts()[0]).toContain("Sorry, I didn't catch that");
  });

  it('creates one member when the same person finishes signup twice at once', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    await chat.says('Amy');
    await chat.says('0912345678');
    const signupKey = `web:${chat.source.channelUserId}`;
    const request = { ...signUpRequestOf(chat, 'Amy'), welcome: { signupBonus: 0, referralBonus: 0 } };
    // Two chats finishing signup at once (two devices), four times each.
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, attempt) => signUp(signUpDeps(), { ...request, runId: `run-${attempt % 2}` })));
    // Every attempt of the run that made the member is its signup (run again); the other run's find a member.
    expect(outcomes.filter((outcome) => outcome.kind === 'joined')).toHaveLength(4);
    expect(new Set(outcomes.map((outcome) => outcome.memberId)).size).toBe(1);
    expect(await platform.repositories.members.model.countDocuments({ signupKey })).toBe(1);
  });

  it('answers a signup run again with what joining promised the first time, after the programme changed its amounts', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    const request = { ...signUpRequestOf(chat, 'Ida'), runId: 'run-promised' };
    await platform.repositories.identities.touch(request.identityKey, chat.source, request.now);

    const first = await signUp(signUpDeps(), { ...request, welcome: { signupBonus: 50, referralBonus: 30 } });
    const again = await signUp(signUpDeps(), { ...request, welcome: { signupBonus: 80, referralBonus: 0 } });

    expect(first).toMatchObject({ kind: 'joined', welcome: { signupBonus: 50, referralBonus: 30 } });
    expect(again).toEqual({ kind: 'joined', memberId: first.memberId, welcome: { signupBonus: 50, referralBonus: 30 } });
    expect(await signUp(signUpDeps(), { ...request, runId: 'another-run', welcome: { signupBonus: 80, referralBonus: 0 } })).toEqual({ kind: 'alreadyMember', memberId: first.memberId });
  });

  it('pays the welcome gift once when the turn that made the member failed and the member answers again', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    await chat.says('Cara');
    await chat.says('0912345678');
    const ledger = platform.repositories.ledger;
    jest.spyOn(ledger, 'earn').mockRejectedValueOnce(new Error('connection to the database lost'));
    await chat.says('skip');
    expect(chat.replyTexts()).toEqual([expect.stringContaining('Sorry')]);

    await chat.says('skip');
    expect(chat.replyTexts()[0]).toContain('Welcome aboard, Cara! Your 50-point welcome gift is in.');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    expect((await platform.repositories.members.findById(identity!.memberId!))!.points).toBe(50);
    expect(await ledger.find(`signup-bonus:${identity!.memberId}`)).toMatchObject({ status: 'applied', points: 50 });
  });
});
