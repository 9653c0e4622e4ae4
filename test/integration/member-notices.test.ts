import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEFAULT_LOCALE: 'en' });
});
afterAll(() => platform.close());

const birthdayNotice = (key: string) => ({ key, template: 'notice.birthday', variables: { points: '50' } });

/** A notice queued by a job on another server: straight into the collection, past this server's repository. */
async function queuedElsewhere(memberId: MemberId, key: string): Promise<void> {
  await platform.repositories.members.model.collection.updateOne({ _id: memberId as never }, { $push: { notices: birthdayNotice(key) } as never });
}

async function memberOf(chat: ReturnType<typeof conversationWith>): Promise<MemberId> {
  const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
  return identity!.memberId!;
}

describe('notices waiting for a member', () => {
  it('are not asked for again when the turn’s read found none, and one queued in between rides on the next reply', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    const memberId = await memberOf(chat);
    const { members } = platform.repositories;

    expect(await members.findWithTierState(memberId)).not.toBeNull(); // the turn's read: nothing waiting
    await queuedElsewhere(memberId, 'birthday:2026');
    // The take is answered from that read; the notice stays queued, not lost.
    expect(await members.takeNotices(memberId)).toEqual([]);
    expect(await members.takeNotices(memberId)).toEqual([birthdayNotice('birthday:2026')]);
    expect(await members.takeNotices(memberId)).toEqual([]);
  });

  it('ride on the reply of the turn whose read found them', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Bea');
    const memberId = await memberOf(chat);
    await queuedElsewhere(memberId, 'birthday:2027');

    await chat.says('card');
    const birthday = platform.catalog.template('notice.birthday', 'en');
    const expected = 'text' in birthday ? birthday.text.replace('{points}', '50') : '?';
    expect(chat.replyTexts()).toContain(expected);
    await chat.says('card');
    expect(chat.replyTexts()).not.toContain(expected);
  });

  it('queued by this server during the turn (a mission completed) are not covered by the read before them', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Cai');
    const memberId = await memberOf(chat);
    const { members } = platform.repositories;

    expect(await members.findWithBalanceState(memberId)).not.toBeNull();
    expect(await members.queueNotice(memberId, birthdayNotice('mission:read-then-queued'))).toBe(true);
    expect(await members.takeNotices(memberId)).toEqual([birthdayNotice('mission:read-then-queued')]);
  });
});

describe("the turn's member reads", () => {
  it('answer each member of a burst, and nobody for an erased member read in the same batch', async () => {
    const joined = [conversationWith(platform, { locale: 'en' }), conversationWith(platform, { locale: 'en' })];
    for (const chat of joined) await chat.joins('Amy');
    const [kept, erased] = await Promise.all(joined.map(memberOf));
    await platform.repositories.members.model.collection.updateOne({ _id: erased as never }, { $set: { deleted: true, deletedAt: new Date() } });
    const { members } = platform.repositories;

    const [keptBalance, erasedBalance, keptTier, erasedTier] = await Promise.all([
      members.findWithBalanceState(kept!),
      members.findWithBalanceState(erased!),
      members.findWithTierState(kept!),
      members.findWithTierState(erased!),
    ]);

    expect(keptBalance?.member.id).toBe(kept);
    expect(keptTier?.member.id).toBe(kept);
    expect(erasedBalance).toBeNull();
    expect(erasedTier).toBeNull();
  });
});
