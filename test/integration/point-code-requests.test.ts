import { DateTime } from 'luxon';
import request from 'supertest';
import { collectPoints, type CollectPointsDeps } from '../../src/loyalty/point-codes/collect-points';
import { newMemberId } from '../../src/shared/ids';
import { aNewMember } from '../support/builders';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());

const zone = 'Asia/Taipei';
const now = DateTime.fromISO('2026-11-23T10:00:00', { zone });

describe('a store code collected again with the same request', () => {
  it('answers as collected, not used up, when its use lies past the first hundred slots and the code has filled up since', async () => {
    const code = await request(platform.app)
      .post('/admin/api/point-codes')
      .set('Authorization', `Bearer ${testAdminTokens.marketer}`)
      .send({ points: 1, maxUses: 101, perMemberLimit: 101, expiresAt: now.plus({ days: 1 }).toISO() });
    expect(code.status).toBe(201);
    const memberId = newMemberId();
    await platform.repositories.members.create(aNewMember({ id: memberId, createdAt: now.minus({ days: 1 }).toJSDate() }));
    const deps: CollectPointsDeps = { ...platform.repositories, earning: { expiry: { kind: 'never' }, zone } };
    const collect = (requestId: string) => collectPoints(deps, { typedCode: code.body.codes[0].code as string, memberId, requestId, now });

    for (let use = 1; use <= 101; use += 1) expect(await collect(`request-${use}`)).toMatchObject({ kind: 'collected' });
    expect(await collect('request-102')).toEqual({ kind: 'usedUp' });

    // The 101st use, in slot 101, asked for again (a redelivery): the code is full now, and that use is this request's.
    expect(await collect('request-101')).toMatchObject({ kind: 'collected', points: 1 });
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(101);
  }, 60_000);
});
