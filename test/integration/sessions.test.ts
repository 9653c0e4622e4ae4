import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());

const position = (stepId: string) => ({ flowId: 'signup', flowVersion: 1, runId: 'run-1', stepId, variables: { name: 'Amy' }, misses: 0 });

describe('sessions, stored with the channel identity', () => {
  it('comes back with the turn’s touch, and a save only lands on the revision it was loaded at', async () => {
    const { identities, sessions } = platform.repositories;
    const key = 'web:session-test';
    const source = { channel: 'web' as const, channelUserId: 'session-test' };
    const now = new Date('2026-11-24T10:00:00Z');

    expect((await identities.touchForTurn(key, source, now)).session).toBeNull();
    expect(await sessions.save(key, position('ask-name'), null, now)).toBe(true);
    expect(await sessions.save(key, position('ask-other'), null, now)).toBe(false); // another turn created it first

    const { identity, session } = await identities.touchForTurn(key, source, now);
    expect(identity.key).toBe(key);
    expect(session).toMatchObject({ stepId: 'ask-name', revision: 0, variables: { name: 'Amy' } });
    const loaded = await sessions.load(key);
    expect(loaded).toMatchObject({ identityKey: key, revision: 0, position: { stepId: 'ask-name' } });

    expect(await sessions.save(key, position('ask-mobile'), loaded, now)).toBe(true);
    expect(await sessions.save(key, position('ask-birthday'), loaded, now)).toBe(false); // stale: revision 0 is gone
    expect(await sessions.load(key)).toMatchObject({ revision: 1, position: { stepId: 'ask-mobile' } });

    await sessions.clear(key);
    expect(await sessions.load(key)).toBeNull();
    expect(await identities.find(key)).toMatchObject({ key, channel: 'web' }); // the identity stays
  });
});
