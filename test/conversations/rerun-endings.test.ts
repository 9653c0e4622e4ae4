import { randomUUID } from 'node:crypto';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import type { RewardId } from '../../src/loyalty/rewards/reward';
import type { MemberId } from '../../src/shared/ids';
import { aReward } from '../support/builders';
import { conversationWith, describe as describeMessage } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

// A turn that ended its flow and then failed (here the notices read at the very end of the turn; in life the database
// going away before the reply, or the server dying before the event is marked handled) is run again by the inbox or the
// recovery sweep. Its session is gone by then: the ending it left makes the same event reach the same ending again.

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

/** Runs the event as LINE's webhook would, its turn failing once after the flow ended; returns what was delivered. */
async function runFailingOnceAfterTheEnding(event: InboundEvent): Promise<string[]> {
  const takeNotices = jest.spyOn(platform.repositories.members, 'takeNotices').mockRejectedValueOnce(new Error('connection closed'));
  const delivered: OutboundMessage[] = [];
  await platform.inbox.accept([event], async (_event, messages) => {
    delivered.push(...messages);
  });
  await platform.inbox.drain();
  expect(takeNotices).toHaveBeenCalled();
  return delivered.map(describeMessage);
}

describe('a turn that ended its flow, run again', () => {
  it('answers the last signup question again with the welcome and the card, and pays the welcome gift once', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.taps('intent=signup');
    await chat.taps('answer=agree');
    await chat.says('Dora');
    await chat.says('0912345678');
    const skipBirthday: InboundEvent = { ...chat.source, kind: 'choice', payload: 'answer=skip', eventId: randomUUID(), receivedAt: platform.clock.now() };

    const replies = await runFailingOnceAfterTheEnding(skipBirthday);

    expect(replies[0]).toContain('Welcome aboard, Dora! Your 50-point welcome gift is in.');
    expect(replies[1]).toContain("Dora's membership card\nPoints: 50");
    const identityKey = `web:${chat.source.channelUserId}`;
    const memberId = (await platform.repositories.identities.find(identityKey))!.memberId!;
    expect(await platform.repositories.members.model.countDocuments({ signupKey: identityKey })).toBe(1);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(50);
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'signupBonus' })).toBe(1);

    // The ending belongs to its own event: the same answer sent again is a new message, the question long gone.
    await chat.taps('answer=skip');
    expect(chat.replyTexts()).toEqual([expect.not.stringContaining('Welcome aboard')]);
  });

  it('confirms a redemption again with the same voucher, spending the points and the stock once', async () => {
    const reward = aReward({ id: `rerun-${randomUUID().slice(0, 8)}` as RewardId, cost: 100, stock: 5 });
    await platform.repositories.rewards.create(reward, platform.clock.now().toJSDate());
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Eli');
    const memberId = (await platform.repositories.identities.find(`web:${chat.source.channelUserId}`))!.memberId! as MemberId;
    await platform.repositories.ledger.earn({ key: `seed:${memberId}`, memberId, points: 200, reason: 'adjustment', now: platform.clock.now(), expiresAt: null });
    await chat.taps(`intent=redeem&reward=${reward.id}`);
    const confirm: InboundEvent = { ...chat.source, kind: 'choice', payload: 'answer=confirm', eventId: randomUUID(), receivedAt: platform.clock.now() };

    const replies = await runFailingOnceAfterTheEnding(confirm);

    const { redemptions } = await platform.repositories.redemptions.list({ memberId, limit: 10 });
    expect(redemptions).toHaveLength(1);
    expect(redemptions[0]).toMatchObject({ status: 'redeemed', cost: 100 });
    expect(replies.join('\n')).toContain(redemptions[0]!.id);
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(150);
    expect((await platform.repositories.rewards.findById(reward.id))!.stock).toBe(4);
  });
});

describe('the ending a flow leaves', () => {
  it('is replaced by the next session saved and forgotten with the session', async () => {
    const { identities, sessions } = platform.repositories;
    const key = `web:ending-${randomUUID()}`;
    const source = { channel: 'web' as const, channelUserId: key.slice(4) };
    const now = platform.clock.now().toJSDate();
    const position = (stepId: string) => ({ flowId: 'signup', flowVersion: 1, runId: 'run-1', stepId, variables: { name: 'Amy' }, misses: 0 });
    await identities.touchForTurn(key, source, now);
    await sessions.save(key, position('ask-birthday'), null, now, 'event-1');
    const continued = await sessions.load(key);

    await sessions.end(key, continued!, 'event-2', now);
    const afterEnd = await identities.touchForTurn(key, source, now);
    expect(afterEnd.session).toBeNull();
    expect(afterEnd.lastEnding).toMatchObject({ endedBy: 'event-2', session: { stepId: 'ask-birthday', runId: 'run-1', savedBy: 'event-1' } });

    expect(await sessions.save(key, position('ask-name'), null, now, 'event-3')).toBe(true);
    expect((await identities.touchForTurn(key, source, now)).lastEnding).toBeNull();

    await sessions.end(key, (await sessions.load(key))!, 'event-4', now);
    await sessions.clear(key);
    expect(await identities.touchForTurn(key, source, now)).toMatchObject({ session: null, lastEnding: null });
  });

  it('goes an hour after the flow ended, and a session left idle goes an hour after it could no longer be continued', async () => {
    const { identities, sessions } = platform.repositories;
    const idleMinutes = 30;
    const source = (key: string) => ({ channel: 'web' as const, channelUserId: key.slice(4) });
    const position = { flowId: 'signup', flowVersion: 1, runId: 'run-1', stepId: 'ask-birthday', variables: { name: 'Amy' }, misses: 0 };
    const at = (minutesAgo: number) => new Date(platform.clock.now().toMillis() - minutesAgo * 60_000);
    const keys = { recentEnding: `web:recent-${randomUUID()}`, oldEnding: `web:old-${randomUUID()}`, idle: `web:idle-${randomUUID()}`, waiting: `web:waiting-${randomUUID()}` };
    for (const key of Object.values(keys)) await identities.touchForTurn(key, source(key), at(0));
    await sessions.save(keys.recentEnding, position, null, at(59), 'event-a');
    await sessions.end(keys.recentEnding, (await sessions.load(keys.recentEnding))!, 'event-b', at(59));
    await sessions.save(keys.oldEnding, position, null, at(61), 'event-c');
    await sessions.end(keys.oldEnding, (await sessions.load(keys.oldEnding))!, 'event-d', at(61));
    await sessions.save(keys.idle, position, null, at(idleMinutes + 61), 'event-e');
    await sessions.save(keys.waiting, position, null, at(idleMinutes + 59), 'event-f');

    await sessions.forgetIdle(at(0), idleMinutes);

    const state = async (key: string) => identities.touchForTurn(key, source(key), at(0));
    expect((await state(keys.recentEnding)).lastEnding).toMatchObject({ endedBy: 'event-b' });
    expect((await state(keys.oldEnding)).lastEnding).toBeNull();
    expect((await state(keys.idle)).session).toBeNull();
    expect((await state(keys.waiting)).session).toMatchObject({ savedBy: 'event-f' });
  });
});
