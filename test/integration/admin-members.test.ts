import request from 'supertest';
import { newMemberId, type MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';
import { aNewMember } from '../support/builders';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());

const as = (role: keyof typeof testAdminTokens) => ({ Authorization: `Bearer ${testAdminTokens[role]}` });
const unique = () => Math.random().toString(36).slice(2, 10);

async function aMember(fields: { name?: string; mobile?: string; identities?: { channel: 'line'; channelUserId: string }[] } = {}): Promise<MemberId> {
  const id = newMemberId();
  await platform.repositories.members.create(aNewMember({ id, ...fields, createdAt: platform.clock.now().toJSDate() }));
  return id;
}

const importing = (body: object) => request(platform.app).post('/admin/api/members').set(as('admin')).send(body);

describe('POST /admin/api/members (CRM import)', () => {
  it('creates a member with opening points on the ledger, and a re-import updates without paying twice', async () => {
    const externalId = `crm-${unique()}`;
    const first = await importing({ externalId, displayName: '王小明', phone: '0922333444', birthday: '1990-04-01', locale: 'zh-TW', openingPoints: 120 });
    expect(first.status).toBe(200);
    expect(first.body.summary).toEqual({ created: 1, updated: 0, errors: 0 });
    expect(first.body.results[0]).toMatchObject({ externalId, status: 'created', openingPoints: 'awarded' });
    const memberId = first.body.results[0].memberId;

    const again = await importing({ externalId, displayName: '王大明', phone: '0922333555', birthday: '1990-04-01', locale: 'en', openingPoints: 500 });
    expect(again.body.results[0]).toEqual({ externalId, status: 'updated', memberId, openingPoints: 'alreadyAwarded' });

    const member = await request(platform.app).get(`/admin/api/members/${memberId}`).set(as('viewer'));
    expect(member.body).toMatchObject({ name: '王大明', mobile: '0922333555', birthday: '1990-04-01', locale: 'en', points: 120, tier: 'member' });
    const ledger = await request(platform.app).get(`/admin/api/members/${memberId}/ledger`).set(as('viewer'));
    expect(ledger.body.entries.map((entry: { key: string; points: number }) => [entry.key, entry.points])).toEqual([[`import:${externalId}`, 120]]);
  });

  it('imports a batch row by row: a bad row is reported and the others are saved', async () => {
    const [good, bad, twice] = [`crm-${unique()}`, `crm-${unique()}`, `crm-${unique()}`];
    const response = await importing({
      members: [
        { externalId: good, displayName: 'Cathy', phone: '+886 933 444 555' },
        { externalId: bad, displayName: 'Dan', phone: 'call me' },
        { externalId: twice, displayName: 'Eve', phone: '0944555666' },
        { externalId: twice, displayName: 'Eve again', phone: '0944555666' },
        { displayName: 'No id', phone: '0944555666' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.summary).toEqual({ created: 2, updated: 0, errors: 3 });
    expect(response.body.results.map((result: { status: string }) => result.status)).toEqual(['created', 'error', 'created', 'error', 'error']);
    expect(response.body.results[1]).toMatchObject({ externalId: bad, reason: expect.stringMatching(/^phone: a phone number/) });
    expect(response.body.results[3].reason).toMatch(/appears twice/);
    expect(response.body.results[4]).toMatchObject({ externalId: null, reason: expect.stringMatching(/externalId/) });
  });

  it('links channel identities, so the LINE user is recognised before their first chat', async () => {
    const lineUserId = `U${unique()}${unique()}`;
    const response = await importing({ externalId: `crm-${unique()}`, displayName: 'Fay', phone: '0955666777', identities: [{ channel: 'line', channelUserId: lineUserId }] });
    const memberId = response.body.results[0].memberId;

    const found = await request(platform.app).get('/admin/api/members').query({ channel: 'line', channelUserId: lineUserId }).set(as('viewer'));
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: memberId, identities: [{ channel: 'line', channelUserId: lineUserId }] });
    expect(await platform.repositories.identities.find(`line:${lineUserId}`)).toMatchObject({ memberId, lastInboundAt: null });

    const chat = conversationWith(platform, { channel: 'line', userId: lineUserId, locale: 'en' });
    await chat.says('check in');
    expect((await platform.repositories.members.findById(memberId))!.checkIn.streak).toBe(1);
  });

  it('refuses to give a channel identity that belongs to another member', async () => {
    const lineUserId = `U${unique()}`;
    const owner = await aMember();
    await platform.repositories.identities.claimForMember(`line:${lineUserId}`, { channel: 'line', channelUserId: lineUserId }, owner, new Date());
    const response = await importing({ externalId: `crm-${unique()}`, displayName: 'Gus', phone: '0966777888', identities: [{ channel: 'line', channelUserId: lineUserId }] });
    expect(response.body.results[0]).toMatchObject({ status: 'error', reason: expect.stringContaining(`is member ${owner} already`) });
    expect(response.body.summary.created).toBe(0);
  });

  it('lands concurrent imports of one row on one member and pays once', async () => {
    const externalId = `crm-${unique()}`;
    const row = { externalId, displayName: 'Hana', phone: '0977888999', openingPoints: 40 };
    const answers = await Promise.all([importing(row), importing(row), importing(row)]);
    const memberIds = new Set(answers.map((answer) => answer.body.results[0].memberId));
    expect(memberIds.size).toBe(1);
    const [memberId] = [...memberIds];
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(40);
  });

  it('imports 1,000 members in one request', async () => {
    const batch = unique();
    const rows = Array.from({ length: 1000 }, (_, index) => ({
      externalId: `bulk-${batch}-${index}`,
      displayName: `Bulk member ${index}`,
      phone: `09${String(index).padStart(8, '0')}`,
      birthday: '1985-12-31',
      locale: 'zh-TW',
    }));
    const started = Date.now();
    const response = await importing({ members: rows });
    const seconds = (Date.now() - started) / 1000;
    expect(response.status).toBe(200);
    expect(response.body.summary).toEqual({ created: 1000, updated: 0, errors: 0 });
    // About 2 round trips a row: the time is the database's (the report quotes it).
    console.info(`imported 1,000 members in ${seconds.toFixed(1)} s`);
  }, 300_000);

  it('answers a single invalid member with 400 and a batch over 1,000 rows with 400', async () => {
    const single = await importing({ externalId: 'x', displayName: '', phone: '0912345678' });
    expect(single.status).toBe(400);
    expect(single.body.error.details).toEqual([expect.objectContaining({ path: 'displayName' })]);
    const rows = Array.from({ length: 1001 }, (_, index) => ({ externalId: `e${index}`, displayName: 'X', phone: '0912345678' }));
    expect((await importing({ members: rows })).status).toBe(400);
  });

  it('is for admins only: a marketer and a viewer are refused', async () => {
    const row = { externalId: `crm-${unique()}`, displayName: 'Ivy', phone: '0912000111' };
    expect((await request(platform.app).post('/admin/api/members').set(as('marketer')).send(row)).status).toBe(403);
    expect((await request(platform.app).post('/admin/api/members').set(as('viewer')).send(row)).status).toBe(403);
  });
});

describe('an import that races an erasure', () => {
  it('writes no name, phone or channel back onto a member whose erasure has begun or finished', async () => {
    const members = platform.repositories.members;
    const erasing = await aMember({ name: 'Una', mobile: '0912121212' });
    await members.beginErasure(erasing, platform.clock.now().toJSDate());
    const erased = await aMember({ name: 'Vic', mobile: '0913131313' });
    await members.beginErasure(erased, platform.clock.now().toJSDate());
    await members.finishErasure(erased, platform.clock.now().toJSDate());

    for (const id of [erasing, erased]) {
      // What importMember does for a row it found before the erasure began.
      await members.updateProfile(id, { name: 'Back again', mobile: '0999999999', birthday: '1990-01-01', locale: 'en' });
      await members.addIdentity(id, { channel: 'line', channelUserId: `U${unique()}` });
      const stored = await members.model.findById(id).lean();
      expect(stored).toMatchObject({ name: '', mobile: '', birthday: null });
      expect(stored?.identities ?? []).toEqual([]);
    }
  });
});

describe('GET /admin/api/members?q=', () => {
  const search = (query: Record<string, string | number>) => request(platform.app).get('/admin/api/members').query(query).set(as('viewer'));

  it('finds members by part of the name, the phone (any punctuation) or a channel user id', async () => {
    const tag = unique();
    const byName = await aMember({ name: `Jasmine ${tag}` });
    const byPhone = await aMember({ mobile: `09${tag.replace(/\D/g, '').padEnd(8, '7').slice(0, 8)}` });
    const byChannel = await aMember({ identities: [{ channel: 'line', channelUserId: `U-${tag}-line` }] });

    expect((await search({ q: `jasmine ${tag.toUpperCase()}` })).body.members.map((member: { id: string }) => member.id)).toEqual([byName]);
    const mobile = (await platform.repositories.members.findById(byPhone))!.mobile;
    const dashed = `${mobile.slice(0, 4)}-${mobile.slice(4, 7)}-${mobile.slice(7)}`;
    expect((await search({ q: dashed })).body.members.map((member: { id: string }) => member.id)).toContain(byPhone);
    expect((await search({ q: `U-${tag}-line` })).body.members.map((member: { id: string }) => member.id)).toEqual([byChannel]);
  });

  it('takes the text literally: regex characters match nothing special', async () => {
    const tag = unique();
    await aMember({ name: `Kim ${tag}` });
    expect((await search({ q: '.*' })).body.members).toEqual([]);
    expect((await search({ q: `(${tag}` })).body.members).toEqual([]);
    expect((await search({ q: `Kim ${tag}` })).body.members).toHaveLength(1);
  });

  it('pages the results with nextCursor', async () => {
    const tag = unique();
    const ids = [await aMember({ name: `Lee ${tag}` }), await aMember({ name: `Lee ${tag}` }), await aMember({ name: `Lee ${tag}` })].sort();
    const first = await search({ q: tag, limit: 2 });
    expect(first.body.members.map((member: { id: string }) => member.id)).toEqual(ids.slice(0, 2));
    expect(first.body.nextCursor).toBe(ids[1]);
    const second = await search({ q: tag, limit: 2, cursor: first.body.nextCursor });
    expect(second.body).toEqual({ members: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
  });

  it('lists every member when there is no q, and refuses channel without channelUserId', async () => {
    const all = await search({ limit: 100 });
    expect(all.status).toBe(200);
    expect(all.body.members.length).toBeGreaterThan(0);
    expect((await search({ channel: 'line' })).status).toBe(400);
  });
});

describe('GET /admin/api/members/:id', () => {
  it('says whether promotions reach the member, with their consent records in the order they were made', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const chat = conversationWith(platform, { locale: 'en', channel: 'line' });
    await chat.joins('Iris');
    const memberId = (await platform.repositories.identities.find(`line:${chat.source.channelUserId}`))!.memberId!;
    const detail = () => request(platform.app).get(`/admin/api/members/${memberId}`).set(as('viewer'));

    expect((await detail()).body).toMatchObject({ mayReceiveMarketing: true });
    platform.clock.set('2026-11-24T09:30:00+08:00');
    await chat.says('stop promotions');

    const member = await detail();
    expect(member.status).toBe(200);
    expect(member.body.mayReceiveMarketing).toBe(false);
    expect(member.body.consents).toEqual([
      { kind: 'terms', version: '2026-11', status: 'given', at: '2026-11-23T02:00:00.000Z', channel: 'line' },
      { kind: 'privacy', version: '2026-11', status: 'given', at: '2026-11-23T02:00:00.000Z', channel: 'line' },
      { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: '2026-11-24T01:30:00.000Z', channel: 'line' },
    ]);
    // The look-up by channel identity answers the same member.
    const found = await request(platform.app).get('/admin/api/members').query({ channel: 'line', channelUserId: chat.source.channelUserId }).set(as('viewer'));
    expect(found.body).toMatchObject({ id: memberId, mayReceiveMarketing: false });
  });
});

describe('GET /admin/api/members/:id/tier-history and /ledger', () => {
  it('pages tier changes newest first', async () => {
    const memberId = await aMember();
    await platform.repositories.tierHistory.record([
      { runId: 'run-1', memberId, from: 'member', to: 'silver', reason: 'qualified' as never, qualifyingPoints: 600, at: new Date('2026-09-01T00:00:00Z') },
      { runId: 'run-2', memberId, from: 'silver', to: 'gold', reason: 'qualified' as never, qualifyingPoints: 2100, at: new Date('2026-10-01T00:00:00Z') },
    ]);
    const first = await request(platform.app).get(`/admin/api/members/${memberId}/tier-history`).query({ limit: 1 }).set(as('viewer'));
    expect(first.status).toBe(200);
    expect(first.body.changes).toEqual([expect.objectContaining({ from: 'silver', to: 'gold', qualifyingPoints: 2100 })]);
    const second = await request(platform.app)
      .get(`/admin/api/members/${memberId}/tier-history`)
      .query({ limit: 1, cursor: first.body.nextCursor })
      .set(as('viewer'));
    expect(second.body).toEqual({ changes: [expect.objectContaining({ from: 'member', to: 'silver' })], nextCursor: null });
  });

  it('answers 404 for an unknown member', async () => {
    const response = await request(platform.app).get(`/admin/api/members/${newMemberId()}/tier-history`).set(as('viewer'));
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('member_not_found');
  });

  it('pages ledger entries written in the same millisecond in order', async () => {
    const memberId = await aMember();
    const now = platform.clock.now();
    for (const points of [10, 20, 30]) {
      await platform.repositories.ledger.earn({ key: `seed:${memberId}:${points}`, memberId, points, reason: 'adjustment', now, expiresAt: null });
    }
    const first = await request(platform.app).get(`/admin/api/members/${memberId}/ledger`).query({ limit: 2 }).set(as('viewer'));
    expect(first.body.entries.map((entry: { points: number }) => entry.points)).toEqual([30, 20]);
    const second = await request(platform.app).get(`/admin/api/members/${memberId}/ledger`).query({ limit: 2, cursor: first.body.nextCursor }).set(as('viewer'));
    expect(second.body).toEqual({ entries: [expect.objectContaining({ points: 10 })], nextCursor: null });
  });
});

describe('POST /admin/api/members (CRM import): the member\'s choice about promotions', () => {
  const detailOf = async (memberId: string) => (await request(platform.app).get(`/admin/api/members/${memberId}`).set(as('viewer'))).body;
  const marketingRecordsOf = async (memberId: string) =>
    (await detailOf(memberId)).consents.filter((consent: { kind: string }) => consent.kind === 'marketing');

  it('records a CRM opt-out as a marketing record from the import, which the member page and the export show', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const externalId = `crm-${unique()}`;
    const response = await importing({ externalId, displayName: 'Jenny', phone: '0912777888', marketing: 'withdrawn', marketingAt: '2026-10-05T14:30:00+08:00' });
    expect(response.body.results[0]).toMatchObject({ externalId, status: 'created', marketing: 'recorded' });
    const memberId = response.body.results[0].memberId;

    const record = { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: '2026-10-05T06:30:00.000Z', channel: 'import' };
    expect(await detailOf(memberId)).toMatchObject({
      mayReceiveMarketing: false,
      marketingChoice: { status: 'withdrawn', at: '2026-10-05T06:30:00.000Z', channel: 'import' },
      consents: [record],
    });
    const exported = await request(platform.app).get(`/admin/api/members/${memberId}/export`).set(as('admin'));
    expect(exported.status).toBe(200);
    expect(exported.body.consents).toEqual([record]);
  });

  it('records nothing more when the same row is imported again, and the change when a later import says otherwise', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const row = { externalId: `crm-${unique()}`, displayName: 'Ken', phone: '0912777999', marketing: 'withdrawn' };
    const first = await importing(row);
    const memberId = first.body.results[0].memberId;
    expect(first.body.results[0].marketing).toBe('recorded');

    platform.clock.set('2026-11-24T10:00:00+08:00');
    expect((await importing(row)).body.results[0]).toEqual({ externalId: row.externalId, status: 'updated', memberId, openingPoints: 'none', marketing: 'alreadyInEffect' });
    expect(await marketingRecordsOf(memberId)).toHaveLength(1);

    platform.clock.set('2026-11-25T10:00:00+08:00');
    // Undated, "given" could be a stale sync: it never undoes an objection on record.
    expect((await importing({ ...row, marketing: 'given' })).body.results[0].marketing).toBe('laterChoiceInEffect');
    expect(await marketingRecordsOf(memberId)).toHaveLength(1);
    expect((await importing({ ...row, marketing: 'given', marketingAt: '2026-11-25T09:00:00+08:00' })).body.results[0].marketing).toBe('recorded');
    expect(await marketingRecordsOf(memberId)).toEqual([
      { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: '2026-11-23T02:00:00.000Z', channel: 'import' },
      { kind: 'marketing', version: '2026-11', status: 'given', at: '2026-11-25T01:00:00.000Z', channel: 'import' },
    ]);
    expect((await detailOf(memberId)).mayReceiveMarketing).toBe(true);

    // A row without the field leaves the choice as it is and answers as before.
    const without = await importing({ externalId: row.externalId, displayName: 'Ken', phone: '0912777999' });
    expect(without.body.results[0]).toEqual({ externalId: row.externalId, status: 'updated', memberId, openingPoints: 'none' });
    expect(await marketingRecordsOf(memberId)).toHaveLength(2);
  });

  it('keeps a choice the member made in chat after the CRM recorded its own', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const lineUserId = `U${unique()}${unique()}`;
    const row = { externalId: `crm-${unique()}`, displayName: 'Lia', phone: '0912666555', identities: [{ channel: 'line', channelUserId: lineUserId }] };
    const memberId = (await importing(row)).body.results[0].memberId;
    const chat = conversationWith(platform, { channel: 'line', userId: lineUserId, locale: 'en' });
    await chat.says('stop promotions');

    const stale = await importing({ ...row, marketing: 'given', marketingAt: '2026-11-20T09:00:00+08:00' });
    expect(stale.body.results[0].marketing).toBe('laterChoiceInEffect');
    expect(await detailOf(memberId)).toMatchObject({ mayReceiveMarketing: false, marketingChoice: { status: 'withdrawn', channel: 'line' } });

    platform.clock.set('2026-11-26T10:00:00+08:00');
    const newer = await importing({ ...row, marketing: 'given', marketingAt: '2026-11-25T18:00:00+08:00' });
    expect(newer.body.results[0].marketing).toBe('recorded');
    expect(await detailOf(memberId)).toMatchObject({ mayReceiveMarketing: true, marketingChoice: { status: 'given', at: '2026-11-25T10:00:00.000Z', channel: 'import' } });
  });

  it('keeps a withdrawal made at the same moment as the CRM record, and takes a CRM clock a little ahead as now', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const row = { externalId: `crm-${unique()}`, displayName: 'Tao', phone: '0912444555', marketing: 'withdrawn', marketingAt: '2026-11-22T08:00:00+08:00' };
    const memberId = (await importing(row)).body.results[0].memberId;
    const tie = await importing({ ...row, marketing: 'given' });
    expect(tie.body.results[0].marketing).toBe('laterChoiceInEffect');
    expect((await detailOf(memberId)).mayReceiveMarketing).toBe(false);

    const ahead = await importing({ ...row, marketing: 'given', marketingAt: '2026-11-23T10:02:00+08:00' });
    expect(ahead.body.results[0]).toMatchObject({ status: 'updated', marketing: 'recorded' });
    expect((await detailOf(memberId)).marketingChoice).toEqual({ status: 'given', at: '2026-11-23T02:00:00.000Z', channel: 'import' });
  });

  it('reports a bad marketing or marketingAt in its row and imports the others', async () => {
    platform.clock.set('2026-11-23T10:00:00+08:00');
    const ids = Array.from({ length: 5 }, () => `crm-${unique()}`);
    const response = await importing({
      members: [
        { externalId: ids[0], displayName: 'Mo', phone: '0912000001', marketing: 'no' },
        { externalId: ids[1], displayName: 'Nia', phone: '0912000002', marketingAt: '2026-10-01T09:00:00+08:00' },
        { externalId: ids[2], displayName: 'Oz', phone: '0912000003', marketing: 'withdrawn', marketingAt: '2026-10-01' },
        { externalId: ids[3], displayName: 'Pia', phone: '0912000004', marketing: 'withdrawn', marketingAt: '2027-01-01T09:00:00+08:00' },
        { externalId: ids[4], displayName: 'Quinn', phone: '0912000005', marketing: 'withdrawn' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.summary).toEqual({ created: 1, updated: 0, errors: 4 });
    const reasons = response.body.results.map((result: { reason?: string }) => result.reason);
    expect(reasons[0]).toMatch(/^marketing: /);
    expect(reasons[1]).toBe('marketingAt: send marketing (given or withdrawn) with marketingAt');
    expect(reasons[2]).toMatch(/^marketingAt: a time with its offset/);
    expect(reasons[3]).toMatch(/^marketingAt: 2027-01-01T01:00:00.000Z is later than now/);
    expect(response.body.results[4]).toMatchObject({ status: 'created', marketing: 'recorded' });
    expect(await platform.repositories.members.findBySignupKey(`crm:${ids[3]}`)).toBeNull();

    const single = await importing({ externalId: `crm-${unique()}`, displayName: 'Ray', phone: '0912000006', marketing: 'maybe' });
    expect(single.status).toBe(400);
    expect(single.body.error.details).toEqual([expect.objectContaining({ path: 'marketing' })]);
  });
});

describe('PUT /admin/api/members/:id/marketing', () => {
  const recording = (memberId: string, body: object, role: keyof typeof testAdminTokens = 'admin') =>
    request(platform.app).put(`/admin/api/members/${memberId}/marketing`).set(as(role)).send(body);
  const auditOf = (memberId: string) => platform.repositories.audit.list({ limit: 10, resource: `member:${memberId}` });

  it('records a withdrawal staff took on the phone, answers the choice in effect and audits who and why', async () => {
    platform.clock.set('2026-11-27T15:00:00+08:00');
    const memberId = await aMember();
    const response = await recording(memberId, { status: 'withdrawn', reason: 'Phoned the Xinyi store' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: memberId, recorded: true, marketingChoice: { status: 'withdrawn', at: '2026-11-27T07:00:00.000Z', channel: 'staff' } });

    const member = (await request(platform.app).get(`/admin/api/members/${memberId}`).set(as('viewer'))).body;
    expect(member.mayReceiveMarketing).toBe(false);
    expect(member.consents).toEqual([{ kind: 'marketing', version: '2026-11', status: 'withdrawn', at: '2026-11-27T07:00:00.000Z', channel: 'staff' }]);
    const [entry] = await auditOf(memberId);
    expect(entry).toMatchObject({
      action: 'members.recordMarketingChoice',
      role: 'admin',
      before: { marketing: 'given' },
      after: { marketing: 'withdrawn', recorded: true, reason: 'Phoned the Xinyi store' },
    });

    // Saying it again records nothing, and is audited as asked.
    platform.clock.set('2026-11-28T09:00:00+08:00');
    const again = await recording(memberId, { status: 'withdrawn', reason: 'Wrote in again' });
    expect(again.body).toEqual({ id: memberId, recorded: false, marketingChoice: { status: 'withdrawn', at: '2026-11-27T07:00:00.000Z', channel: 'staff' } });
    expect((await platform.repositories.members.findById(memberId))!.consents).toHaveLength(1);
    expect(await auditOf(memberId)).toHaveLength(2);
  });

  it('lets a marketer record a withdrawal; promotions again are for an admin, and a viewer may do neither', async () => {
    platform.clock.set('2026-11-27T15:00:00+08:00');
    const memberId = await aMember();
    expect((await recording(memberId, { status: 'withdrawn', reason: 'Asked at the counter' }, 'viewer')).status).toBe(403);
    expect((await recording(memberId, { status: 'withdrawn', reason: 'Asked at the counter' }, 'marketer')).body).toMatchObject({ recorded: true });

    const restoring = await recording(memberId, { status: 'given', reason: 'Changed their mind' }, 'marketer');
    expect(restoring.status).toBe(403);
    expect(restoring.body.error.message).toMatch(/resume promotions/);
    expect((await platform.repositories.members.findById(memberId))!.consents.map((consent) => consent.status)).toEqual(['withdrawn']);

    const restored = await recording(memberId, { status: 'given', reason: 'Changed their mind' });
    expect(restored.body).toMatchObject({ recorded: true, marketingChoice: { status: 'given', channel: 'staff' } });
    expect((await auditOf(memberId)).map((entry) => entry.role)).toEqual(['admin', 'marketer']);
  });

  it('answers 404 for an unknown or erased member and 400 for a choice it cannot read', async () => {
    const unknown = await recording(newMemberId(), { status: 'withdrawn', reason: 'Phoned' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('member_not_found');

    const erased = await aMember();
    expect((await request(platform.app).delete(`/admin/api/members/${erased}`).set(as('admin'))).status).toBe(200);
    expect((await recording(erased, { status: 'withdrawn', reason: 'Phoned' })).status).toBe(404);

    const memberId = await aMember();
    const badStatus = await recording(memberId, { status: 'stop', reason: 'Phoned' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.details).toEqual([expect.objectContaining({ path: 'status' })]);
    const noReason = await recording(memberId, { status: 'withdrawn', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect((await recording('nobody', { status: 'withdrawn', reason: 'Phoned' })).status).toBe(400);
    expect(await auditOf(memberId)).toEqual([]);
  });
});
