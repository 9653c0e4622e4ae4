import request from 'supertest';
import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ SIGNUP_BONUS_POINTS: '50' });
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });

/** A member who joined in chat: name, mobile and birthday as a person would give them. */
async function aMember(): Promise<{ id: MemberId; chat: ReturnType<typeof conversationWith> }> {
  const chat = conversationWith(platform, { locale: 'en', channel: 'line', userId: `U${Date.now().toString(16)}${Math.random().toString(16).slice(2)}` });
  await chat.joins('Grace Ho', '0955666777', '1992-12-31');
  const identity = await platform.repositories.identities.find(`line:${chat.source.channelUserId}`);
  return { id: identity!.memberId! as MemberId, chat };
}

async function auditOf(id: MemberId) {
  return platform.repositories.audit.list({ limit: 10, resource: `member:${id}` });
}

describe('GET /admin/api/members/:id/export', () => {
  it('gives an admin the member’s whole file and audits the export without copying it', async () => {
    const { id, chat } = await aMember();
    const response = await request(platform.app).get(`/admin/api/members/${id}/export`).set(as('admin'));
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toBe(`attachment; filename=member-${id}.json`);
    expect(response.body).toMatchObject({
      profile: { id, name: 'Grace Ho', mobile: '0955666777', birthday: '1992-12-31', points: 50 },
      identities: [{ channel: 'line', channelUserId: chat.source.channelUserId }],
      ledger: [{ reason: 'signupBonus', points: 50 }],
    });

    const [entry] = await auditOf(id);
    expect(entry).toMatchObject({ action: 'members.export', resource: `member:${id}`, role: 'admin' });
    const audited = JSON.stringify(entry);
    for (const personal of ['Grace Ho', '0955666777', '1992-12-31', chat.source.channelUserId]) expect(audited).not.toContain(personal);
  });

  it.each(['marketer', 'viewer'] as const)('refuses the %s role', async (role) => {
    const { id } = await aMember();
    const response = await request(platform.app).get(`/admin/api/members/${id}/export`).set(as(role));
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
    expect(await auditOf(id)).toEqual([]);
  });

  it('answers 401 without a token, 400 for a malformed id and 404 for an unknown member', async () => {
    expect((await request(platform.app).get('/admin/api/members/m_AAAAAAAAAAAAAAAA/export')).status).toBe(401);
    const malformed = await request(platform.app).get('/admin/api/members/nobody/export').set(as('admin'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_request');
    const unknown = await request(platform.app).get('/admin/api/members/m_AAAAAAAAAAAAAAAA/export').set(as('admin'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('member_not_found');
  });

  it('leaves the members router on the same path working', async () => {
    const { id } = await aMember();
    const response = await request(platform.app).get(`/admin/api/members/${id}`).set(as('marketer'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id, points: 50 });
  });
});

describe('DELETE /admin/api/members/:id', () => {
  it('erases the member for an admin, audits it without personal data, and a retry answers the same', async () => {
    const { id, chat } = await aMember();
    const response = await request(platform.app).delete(`/admin/api/members/${id}`).set(as('admin'));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id,
      deleted: true,
      deletedAt: platform.clock.now().toJSDate().toISOString(),
      replayed: false,
      vouchersCancelled: 0,
      pointsForfeited: 50,
    });

    const [entry] = await auditOf(id);
    expect(entry).toMatchObject({
      action: 'members.erase',
      before: { deleted: false },
      after: { deleted: true, vouchersCancelled: 0, pointsForfeited: 50 },
    });
    const audited = JSON.stringify(entry);
    for (const personal of ['Grace Ho', '0955666777', '1992-12-31', chat.source.channelUserId]) expect(audited).not.toContain(personal);

    const retry = await request(platform.app).delete(`/admin/api/members/${id}`).set(as('admin'));
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id, deleted: true, replayed: true });
    expect(await auditOf(id)).toHaveLength(1);

    expect((await request(platform.app).get(`/admin/api/members/${id}`).set(as('admin'))).status).toBe(404);
    expect((await request(platform.app).get(`/admin/api/members/${id}/export`).set(as('admin'))).status).toBe(404);
    const lookup = await request(platform.app)
      .get('/admin/api/members')
      .query({ channel: 'line', channelUserId: chat.source.channelUserId })
      .set(as('admin'));
    expect(lookup.status).toBe(404);
  });

  it.each(['marketer', 'viewer'] as const)('refuses the %s role and erases nothing', async (role) => {
    const { id } = await aMember();
    const response = await request(platform.app).delete(`/admin/api/members/${id}`).set(as(role));
    expect(response.status).toBe(403);
    expect(await platform.repositories.members.findById(id)).toMatchObject({ name: 'Grace Ho' });
  });

  it('answers 404 for an unknown member', async () => {
    const response = await request(platform.app).delete('/admin/api/members/m_AAAAAAAAAAAAAAAA').set(as('admin'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('member_not_found');
  });
});
