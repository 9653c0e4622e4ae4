import request from 'supertest';
import type { MemberId } from '../../src/shared/ids';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';
import { aNewMember } from '../support/builders';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({}, '2026-11-23T10:00:00+08:00');
});
afterAll(async () => {
  await platform.close();
});

const marketer = { Authorization: `Bearer ${testAdminTokens.marketer}` };
const staff = { Authorization: `Bearer ${testAdminTokens.admin}` };
let sequence = 0;

async function aMember(overrides: { tier?: string; sandbox?: boolean } = {}): Promise<MemberId> {
  const id = `m_segment_${++sequence}` as MemberId;
  await platform.repositories.members.create(
    aNewMember({
      id,
      name: `Member ${sequence}`,
      tier: overrides.tier ?? 'member',
      identities: [{ channel: 'line', channelUserId: `U${sequence}` }],
      createdAt: new Date('2026-10-01T00:00:00Z'),
    }),
  );
  if (overrides.sandbox) await platform.repositories.members.model.collection.updateOne({ _id: id as never }, { $set: { sandbox: true } });
  return id;
}

const purchase = (memberId: string, amount: number, occurredAt: string, key = `pos-${++sequence}-${memberId}`) =>
  request(platform.app).post('/admin/api/purchases').set(staff).send({ memberId, amount, occurredAt, idempotencyKey: key });

describe('segments and purchases', () => {
  it('records purchases once per key and finds the best customers by RFM score, without sandbox members', async () => {
    const members = [];
    for (let index = 0; index < 5; index += 1) members.push(await aMember());
    const sandbox = await aMember({ sandbox: true });
    // Member i buys i+1 times, spending more each time, most recently the biggest buyers.
    for (const [index, memberId] of members.entries()) {
      for (let time = 0; time <= index; time += 1) {
        expect((await purchase(memberId, 100 * (index + 1), `2026-11-${String(10 + index).padStart(2, '0')}T12:00:00+08:00`)).status).toBe(201);
      }
    }
    for (let time = 0; time < 9; time += 1) await purchase(sandbox, 5000, '2026-11-20T12:00:00+08:00');

    const replay = await purchase(members[0]!, 100, '2026-11-10T12:00:00+08:00', 'pos-receipt-42');
    expect(replay.status).toBe(201);
    expect((await purchase(members[0]!, 100, '2026-11-10T12:00:00+08:00', 'pos-receipt-42')).status).toBe(200);
    const reused = await purchase(members[0]!, 999, '2026-11-10T12:00:00+08:00', 'pos-receipt-42');
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect((await purchase('m_nobody', 100, '2026-11-10T12:00:00+08:00')).status).toBe(404);

    const best = await request(platform.app)
      .post('/admin/api/segments/preview')
      .set(marketer)
      .send({ definition: { rfm: { frequency: { min: 4 }, monetary: { min: 4 } } } });
    expect(best.status).toBe(200);
    expect(best.body).toMatchObject({ size: 2, demoMembers: 0 });
    expect(best.body.sample.map((member: { memberId: string }) => member.memberId).sort()).toEqual([members[3], members[4]].sort());
    expect(best.body.sample[0].rfm).toEqual(expect.objectContaining({ frequency: expect.any(Number) }));

    const everyone = await request(platform.app).post('/admin/api/segments/preview').set(marketer).send({ definition: {} });
    expect(everyone.body.size).toBe(5);
  });

  it('creates, shows with its size, changes and deletes a segment, each write audited', async () => {
    await aMember({ tier: 'gold' });
    const created = await request(platform.app).post('/admin/api/segments').set(marketer).send({ name: 'Gold', definition: { tiers: ['gold'] } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.preview.size).toBe(1);

    const shown = await request(platform.app).get(`/admin/api/segments/${id}`).set({ Authorization: `Bearer ${testAdminTokens.viewer}` });
    expect(shown.body).toMatchObject({ name: 'Gold', definition: { tiers: ['gold'] }, preview: { size: 1 } });

    const changed = await request(platform.app).patch(`/admin/api/segments/${id}`).set(marketer).send({ definition: { tiers: ['gold', 'member'] } });
    expect(changed.body).toMatchObject({ name: 'Gold', preview: { size: 6 } }); // five members and the gold one; never the sandbox member

    expect((await request(platform.app).get('/admin/api/segments').set(marketer)).body.segments).toHaveLength(1);
    expect((await request(platform.app).delete(`/admin/api/segments/${id}`).set(marketer)).status).toBe(204);
    expect((await request(platform.app).get(`/admin/api/segments/${id}`).set(marketer)).status).toBe(404);
    const audit = await platform.repositories.audit.list({ limit: 10, resource: `segment:${id}` });
    expect(audit.map((entry) => entry.action).sort()).toEqual(['segments.create', 'segments.delete', 'segments.update']);
  });

  it('keeps the fields a change leaves out, also when two marketers change different fields at once', async () => {
    const created = await request(platform.app)
      .post('/admin/api/segments')
      .set(marketer)
      .send({ name: 'Lapsed', description: 'No check-in for a month', definition: { tiers: ['member'] } });
    const id = created.body.id as string;

    const renamed = await request(platform.app).patch(`/admin/api/segments/${id}`).set(marketer).send({ name: 'Lapsed members' });
    expect(renamed.body).toMatchObject({ name: 'Lapsed members', description: 'No check-in for a month', definition: { tiers: ['member'] } });

    await Promise.all([
      request(platform.app).patch(`/admin/api/segments/${id}`).set(marketer).send({ description: 'Quiet for 30 days' }).expect(200),
      request(platform.app).patch(`/admin/api/segments/${id}`).set(marketer).send({ definition: { tiers: ['gold'] } }).expect(200),
    ]);
    expect((await request(platform.app).get(`/admin/api/segments/${id}`).set(marketer)).body).toMatchObject({
      name: 'Lapsed members',
      description: 'Quiet for 30 days',
      definition: { tiers: ['gold'] },
    });
    expect((await request(platform.app).patch('/admin/api/segments/seg_missing').set(marketer).send({ name: 'x' })).status).toBe(404);
  });

  it('refuses a malformed definition with the path of each problem, and writes from a viewer', async () => {
    const invalid = await request(platform.app)
      .post('/admin/api/segments')
      .set(marketer)
      .send({ name: 'Bad', definition: { rfm: { recency: { min: 5, max: 2 } }, lastCheckIn: { kind: 'lately', days: 0 }, colour: 'red' } });
    expect(invalid.status).toBe(400);
    const paths = invalid.body.error.details.map((detail: { path: string }) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(['definition.rfm.recency.max', 'definition.lastCheckIn.kind', 'definition.lastCheckIn.days']));
    const viewer = await request(platform.app).post('/admin/api/segments').set({ Authorization: `Bearer ${testAdminTokens.viewer}` }).send({ name: 'X', definition: {} });
    expect(viewer.status).toBe(403);
  });
});
