import pino from 'pino';
import type { InboundEvent } from '../../src/channels/channel';
import { connectMongo } from '../../src/database/mongo-connection';
import { createPlatform } from '../../src/platform';
import { conversationWith } from '../support/conversation';
import { testMongoUri } from '../support/mongo';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEFAULT_LOCALE: 'en' });
});
afterAll(() => platform.close());

const position = (stepId: string) => ({ flowId: 'signup', flowVersion: 1, runId: 'run-1', stepId, variables: { name: 'Amy' }, misses: 0 });

describe('the touch every turn starts with', () => {
  it('answers what is stored: a new identity with its defaults, then each change it records', async () => {
    const { identities } = platform.repositories;
    const key = 'web:touch-test';
    const source = { channel: 'web' as const, channelUserId: 'touch-test' };
    const first = new Date('2026-11-24T10:00:00Z');

    const created = await identities.touch(key, source, first);
    expect(created).toEqual({ key, channel: 'web', channelUserId: 'touch-test', memberId: null, locale: null, following: true, lastInboundAt: first });
    expect(await identities.find(key)).toEqual(created);

    const later = new Date('2026-11-24T11:00:00Z');
    const changed = await identities.touchForTurn(key, source, later, { following: false, locale: 'en' });
    expect(changed.identity).toEqual({ ...created, following: false, locale: 'en', lastInboundAt: later });
    expect(await identities.find(key)).toEqual(changed.identity);
  });

  it('keeps the member and the session a touch does not change, for many identities touched together', async () => {
    const { identities, sessions } = platform.repositories;
    const keys = Array.from({ length: 12 }, (_, index) => `web:touch-many-${index}`);
    const now = new Date('2026-11-24T10:00:00Z');
    await Promise.all(keys.map((key) => identities.touch(key, { channel: 'web', channelUserId: key.slice(4) }, now)));
    await identities.linkMember(keys[3]!, 'm_touch_member' as never);
    expect(await sessions.save(keys[5]!, position('ask-name'), null, now, 'event-touch')).toBe(true);

    const later = new Date('2026-11-24T10:05:00Z');
    const touched = await Promise.all(keys.map((key) => identities.touchForTurn(key, { channel: 'web', channelUserId: key.slice(4) }, later)));

    expect(touched.map((turn) => turn.identity.memberId)).toEqual(keys.map((_, index) => (index === 3 ? 'm_touch_member' : null)));
    expect(touched.map((turn) => turn.session?.stepId ?? null)).toEqual(keys.map((_, index) => (index === 5 ? 'ask-name' : null)));
    expect(touched.every((turn) => turn.identity.lastInboundAt?.getTime() === later.getTime())).toBe(true);
    const stored = await Promise.all(keys.map((key) => identities.find(key)));
    expect(stored.map((identity) => identity?.lastInboundAt)).toEqual(keys.map(() => later));
  });

  it('writes when the person last wrote only once the stored time is a minute old, or in the future', async () => {
    const { identities } = platform.repositories;
    const key = 'web:touch-coarse';
    const source = { channel: 'web' as const, channelUserId: 'touch-coarse' };
    const at = (seconds: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + seconds * 1000);
    await identities.touch(key, source, at(0));

    await identities.touchForTurn(key, source, at(59));
    expect((await identities.find(key))?.lastInboundAt).toEqual(at(0));

    expect((await identities.touchForTurn(key, source, at(60))).identity.lastInboundAt).toEqual(at(60));
    expect((await identities.find(key))?.lastInboundAt).toEqual(at(60));

    // A turn run late (its person acted before the time stored) is not left out: the time is the turn's, as before.
    await identities.touchForTurn(key, source, at(30));
    expect((await identities.find(key))?.lastInboundAt).toEqual(at(30));
  });

  it('creates, with its defaults, a person a turn sees for the first time', async () => {
    const { identities } = platform.repositories;
    const key = 'web:touch-first-turn';
    const now = new Date('2026-11-24T10:00:00Z');

    const first = await identities.touchForTurn(key, { channel: 'web', channelUserId: 'touch-first-turn' }, now);

    const expected = { key, channel: 'web', channelUserId: 'touch-first-turn', memberId: null, locale: null, following: true, lastInboundAt: now };
    expect(first).toEqual({ identity: expected, session: null, lastEnding: null });
    expect(await identities.find(key)).toEqual(expected);
  });
});

describe('sessions, stored with the channel identity', () => {
  it('ends a session only while it is still the one the turn continued', async () => {
    const { sessions } = platform.repositories;
    const key = 'web:end-test';
    const now = new Date('2026-11-24T10:00:00Z');
    await platform.repositories.identities.touch(key, { channel: 'web', channelUserId: 'end-test' }, now);
    expect(await sessions.save(key, position('ask-name'), null, now, 'event-1')).toBe(true);
    const continued = (await sessions.load(key))!;
    // Another turn saves the next question before this one ends the flow it continued.
    expect(await sessions.save(key, position('ask-mobile'), continued, now, 'event-2')).toBe(true);

    await sessions.end(key, continued, 'event-1', now);

    expect(await sessions.load(key)).toMatchObject({ revision: 1, position: { stepId: 'ask-mobile' } });
    await sessions.end(key, (await sessions.load(key))!, 'event-3', now);
    expect(await sessions.load(key)).toBeNull();
  });

  it('comes back with the turn’s touch, and a save only lands on the revision it was loaded at', async () => {
    const { identities, sessions } = platform.repositories;
    const key = 'web:session-test';
    const source = { channel: 'web' as const, channelUserId: 'session-test' };
    const now = new Date('2026-11-24T10:00:00Z');

    expect((await identities.touchForTurn(key, source, now)).session).toBeNull();
    expect(await sessions.save(key, position('ask-name'), null, now, 'event-1')).toBe(true);
    expect(await sessions.save(key, position('ask-other'), null, now, 'event-2')).toBe(false); // another turn created it first

    const { identity, session } = await identities.touchForTurn(key, source, now);
    expect(identity.key).toBe(key);
    expect(session).toMatchObject({ stepId: 'ask-name', revision: 0, variables: { name: 'Amy' } });
    const loaded = await sessions.load(key);
    expect(loaded).toMatchObject({ identityKey: key, revision: 0, position: { stepId: 'ask-name' } });

    expect(await sessions.save(key, position('ask-mobile'), loaded, now, 'event-3')).toBe(true);
    expect(await sessions.save(key, position('ask-birthday'), loaded, now, 'event-4')).toBe(false); // stale: revision 0 is gone
    expect(await sessions.load(key)).toMatchObject({ revision: 1, position: { stepId: 'ask-mobile' }, savedBy: 'event-3' });

    await sessions.clear(key);
    expect(await sessions.load(key)).toBeNull();
    expect(await identities.find(key)).toMatchObject({ key, channel: 'web' }); // the identity stays
  });

  it('asks the question again when the event that led to it is run again, instead of taking it as the answer', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    await chat.taps('intent=leaderboard-name');
    const chooseNickname: InboundEvent = { ...chat.source, kind: 'choice', payload: 'answer=nickname', eventId: 'nickname-tap', receivedAt: platform.clock.now() };

    // The turn saves the session at "which nickname?", then fails (the database goes away before the reply is
    // written); the inbox runs it again, as would the recovery sweep after a crash.
    const takeNotices = jest.spyOn(platform.repositories.members, 'takeNotices').mockRejectedValueOnce(new Error('connection closed'));
    const delivered: string[] = [];
    await platform.inbox.accept([chooseNickname], async (_event, messages) => {
      delivered.push(...messages.map((message) => ('text' in message ? message.text : message.title)));
    });
    await platform.inbox.drain();
    takeNotices.mockRestore();

    // "nickname" was the choice, not the nickname: the question comes again.
    const question = platform.catalog.template('leaderboard.ask-nickname', 'en');
    expect(delivered).toEqual(['text' in question ? question.text : '?']);
    await chat.says('Bobo');
    const identity = await platform.repositories.identities.find(`web:${chat.source.channelUserId}`);
    expect((await platform.repositories.members.leaderboardSettings(identity!.memberId!)).display).toEqual({ kind: 'nickname', nickname: 'Bobo' });
  });
});

describe('the sessions collection of earlier versions', () => {
  const oldFormatSession = (identityKey: string, updatedAt?: Date) => ({
    _id: identityKey,
    flowId: 'signup',
    flowVersion: 1,
    runId: `run-${identityKey}`,
    stepId: 'ask-mobile',
    variables: { name: 'Old Amy' },
    misses: 0,
    revision: 0,
    ...(updatedAt ? { updatedAt } : {}),
  });
  const database = () => platform.repositories.identities.model.db;
  const previousSessions = () => database().collection<{ _id: string }>('sessions');
  const collectionNames = async () => (await database().listCollections()).map((collection) => collection.name);

  /** A server of this version starting on the same database while older ones still serve, as in a rolling upgrade. */
  async function startAnotherServer() {
    const connection = await connectMongo(testMongoUri(), database().name);
    const server = await createPlatform({ config: platform.config, connection, logger: pino({ level: 'silent' }), clock: platform.clock, adminTokens: [] });
    server.liveCatalog.stop();
    server.liveProgramme.stop();
    await connection.close();
  }

  it('keeps, when a new server starts, the sessions an older server can still continue, and deletes the idle ones', async () => {
    const now = platform.clock.now();
    const idleMinutes = platform.config.SESSION_IDLE_MINUTES;
    await previousSessions().insertMany([
      oldFormatSession('line:Ufresh', now.minus({ minutes: 5 }).toJSDate()),
      oldFormatSession('line:Uat-idle-limit', now.minus({ minutes: idleMinutes }).toJSDate()),
      oldFormatSession('line:Uidle', now.minus({ minutes: idleMinutes, seconds: 1 }).toJSDate()),
      oldFormatSession('line:Uundated'),
    ]);

    await startAnotherServer();

    const kept = await previousSessions().find({}).sort({ _id: 1 }).toArray();
    expect(kept.map((session) => session._id)).toEqual(['line:Uat-idle-limit', 'line:Ufresh']);
  });

  it('drops the collection once its last session is idle, with the half-answered signups it held, and can repeat that', async () => {
    const idleMinutes = platform.config.SESSION_IDLE_MINUTES;
    const lastWrite = platform.clock.now().minus({ minutes: 1 });
    await previousSessions().insertOne(oldFormatSession('line:Ulast', lastWrite.toJSDate()));

    platform.clock.set(lastWrite.plus({ minutes: idleMinutes }).toISO()!);
    expect(await platform.jobs.retirePreviousSessions()).toBe('stillInUse');
    expect(await previousSessions().countDocuments({ _id: 'line:Ulast' })).toBe(1);

    platform.clock.set(lastWrite.plus({ minutes: idleMinutes + 1 }).toISO()!);
    expect(await platform.jobs.retirePreviousSessions()).toBe('retired');
    expect(await collectionNames()).not.toContain('sessions');
    // Gone already: the embedded server answers the drop with "ns not found", MongoDB with NamespaceNotFound.
    expect(await platform.jobs.retirePreviousSessions()).toBe('retired');
    expect(await collectionNames()).not.toContain('sessions');
  });
});
