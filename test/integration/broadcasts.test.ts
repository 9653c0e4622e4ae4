import request from 'supertest';
import { startFakeGraphApi, type FakeGraphApi } from '../fakes/fake-graph-api';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import type { ChannelName } from '../../src/channels/channel';
import type { MemberId } from '../../src/shared/ids';
import { startTestPlatform, testAdminTokens, testLineSecret, type TestPlatform } from '../support/platform';
import { aNewMember } from '../support/builders';
import { deliverToLine, lineEventFactory } from '../support/line-events';

let platform: TestPlatform;
let line: FakeLineApi;
let graph: FakeGraphApi;

beforeAll(async () => {
  line = await startFakeLineApi();
  graph = await startFakeGraphApi();
  platform = await startTestPlatform({
    LINE_CHANNEL_SECRET: testLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
    LINE_MONTHLY_PUSH_BUDGET: '3',
    MESSENGER_APP_SECRET: 'test-messenger-app-secret',
    MESSENGER_PAGE_ACCESS_TOKEN: 'test-page-access-token',
    MESSENGER_VERIFY_TOKEN: 'test-verify-token',
    MESSENGER_API_BASE_URL: graph.baseUrl,
    DEFAULT_LOCALE: 'zh-TW',
  });
});
afterAll(async () => {
  await platform.close();
  await line.close();
  await graph.close();
});

const admin = () => ({ Authorization: `Bearer ${testAdminTokens.marketer}` });
let sequence = 0;
const lineUserId = () => `U${(++sequence).toString(16).padStart(32, '0')}`;
const psid = () => `${1_000_000 + ++sequence}`;

async function aMember(tier: string, identities: { channel: ChannelName; channelUserId: string; lastInboundHoursAgo?: number }[], flags: { demo?: boolean; locale?: 'en' | 'zh-TW' } = {}) {
  // Shaped like a real member id (m_ and 16 characters), so the admin API takes it.
  const id = `m_broadcast${String(++sequence).padStart(7, '0')}` as MemberId;
  const now = platform.clock.now();
  await platform.repositories.members.create(
    aNewMember({
      id,
      name: `Member ${sequence}`,
      locale: flags.locale ?? null,
      tier,
      identities: identities.map(({ channel, channelUserId }) => ({ channel, channelUserId })),
      createdAt: now.minus({ days: 10 }).toJSDate(),
    }),
  );
  for (const identity of identities) {
    const key = `${identity.channel}:${identity.channelUserId}`;
    await platform.repositories.identities.touch(key, identity, now.minus({ hours: identity.lastInboundHoursAgo ?? 100 }).toJSDate());
    await platform.repositories.identities.linkMember(key, id);
  }
  // The demo flag is written by the demo seeding, straight into the document.
  if (flags.demo) await platform.repositories.members.model.collection.updateOne({ _id: id as never }, { $set: { demo: true } });
  return { id, ...Object.fromEntries(identities.map((identity) => [identity.channel, identity.channelUserId])) } as { id: MemberId; line?: string; messenger?: string };
}

/** The shipped opt-out footer (templates/<locale>/broadcast.yaml) every broadcast ends with. */
const footer = { 'zh-TW': '回覆「停止推播」即可不再收到優惠訊息', en: 'Reply "stop promotions" to stop offers' };
const linePushTexts = () => line.pushes().map((push) => (push.body as { messages: { text: string }[] }).messages.map((message) => message.text));

const linePushRecipients = () => line.pushes().map((push) => (push.body as { to: string }).to);
const messengerRecipients = () => graph.messages().map((message) => (message.body.recipient as { id: string }).id);

describe('broadcasts to a segment', () => {
  it('reaches each member of the segment once, by Messenger inside 24 hours or LINE within the quota, and resumes next month', async () => {
    const onMessenger = await aMember('silver', [{ channel: 'messenger', channelUserId: psid(), lastInboundHoursAgo: 2 }], { locale: 'en' });
    const outsideWindow = await aMember('silver', [{ channel: 'messenger', channelUserId: psid(), lastInboundHoursAgo: 30 }]);
    const webOnly = await aMember('silver', [{ channel: 'web', channelUserId: 'web-visitor-1' }]);
    const demo = await aMember('silver', [{ channel: 'line', channelUserId: lineUserId() }], { demo: true });
    const onLine = [];
    for (let index = 0; index < 4; index += 1) onLine.push(await aMember('silver', [{ channel: 'line', channelUserId: lineUserId() }]));
    const gold = await aMember('gold', [{ channel: 'line', channelUserId: lineUserId() }]);

    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Silver members', definition: { tiers: ['silver'] } });
    expect(segment.status).toBe(201);
    expect(segment.body.preview).toMatchObject({ size: 8, demoMembers: 1 });

    const created = await request(platform.app)
      .post('/admin/api/broadcasts')
      .set(admin())
      .send({ segmentId: segment.body.id, message: { 'zh-TW': '本週末點數加倍！', en: 'Double points this weekend!' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', counts: { sent: 0, skipped: 0, failed: 0, claimed: 0 } });
    const id = created.body.id as string;

    const cost = await request(platform.app).get(`/admin/api/broadcasts/${id}/cost`).set(admin());
    expect(cost.body).toEqual({
      recipients: 8,
      line: { enabled: true, pushesNeeded: 4, monthlyBudget: 3, remainingThisMonth: 3, shortBy: 1 },
      messenger: { enabled: true, insideWindow: 1, outsideWindow: 1 },
      noPushChannel: 1,
      unfollowed: 0,
      demoMembers: 1,
    });

    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);
    await platform.jobs.dispatchBroadcasts();
    const stopped = await request(platform.app).get(`/admin/api/broadcasts/${id}`).set(admin());
    expect(stopped.body.status).toBe('stoppedQuota');
    expect(linePushRecipients()).toHaveLength(3);

    // Next month the quota is fresh; the member still in the window wrote again.
    platform.clock.set('2026-12-01T10:00:00+08:00');
    await platform.repositories.identities.touch(`messenger:${onMessenger.messenger}`, { channel: 'messenger', channelUserId: onMessenger.messenger! }, platform.clock.now().minus({ hours: 1 }).toJSDate());
    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);
    await platform.jobs.dispatchBroadcasts();

    const finished = await request(platform.app).get(`/admin/api/broadcasts/${id}`).set(admin());
    expect(finished.body).toMatchObject({ status: 'sent', recipients: 8, counts: { sent: 5, skipped: 3, failed: 0, claimed: 0 } });
    expect(linePushRecipients().sort()).toEqual(onLine.map((member) => member.line!).sort());
    expect(messengerRecipients()).toEqual([onMessenger.messenger]);
    expect(graph.messages()[0]!.body.message).toMatchObject({ text: `Double points this weekend!\n\n${footer.en}` });
    expect(linePushRecipients()).not.toContain(demo.line);
    expect(linePushRecipients()).not.toContain(gold.line);
    expect((line.pushes()[0]!.body as { messages: { text: string }[] }).messages[0]!.text).toBe(`本週末點數加倍！\n\n${footer['zh-TW']}`);

    const skipped = await request(platform.app).get(`/admin/api/broadcasts/${id}/recipients?status=skipped`).set(admin());
    expect(Object.fromEntries(skipped.body.results.map((result: { memberId: string; reason: string }) => [result.memberId, result.reason]))).toEqual({
      [outsideWindow.id]: 'outsideMessengerWindow',
      [webOnly.id]: 'noPushChannel',
      [demo.id]: 'demoMember',
    });

    // Sending a finished broadcast again is refused, so nobody hears it twice.
    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(409);
    const audit = await platform.repositories.audit.list({ limit: 10, resource: `broadcast:${id}` });
    expect(audit.map((entry) => entry.action).sort()).toEqual(['broadcasts.create', 'broadcasts.send', 'broadcasts.send']);
  });

  it('does not message again the members a crashed run claimed or reached', async () => {
    platform.clock.set('2027-01-05T10:00:00+08:00');
    line.reset();
    const members = [];
    for (let index = 0; index < 4; index += 1) members.push(await aMember('bronze-test', [{ channel: 'line', channelUserId: lineUserId() }]));
    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Bronze on LINE', definition: { tiers: ['bronze-test'], channels: ['line'] } });
    const created = await request(platform.app)
      .post('/admin/api/broadcasts')
      .set(admin())
      .send({ segmentId: segment.body.id, message: { en: 'Hello' }, scheduledAt: '2027-01-05T09:00:00+08:00' });
    const id = created.body.id as string;
    expect(created.body.status).toBe('scheduled');

    // What a process killed mid-run leaves: one member claimed (push maybe made), one reached, the lease still held.
    const { broadcasts } = platform.repositories;
    const now = platform.clock.now().toJSDate();
    expect(await broadcasts.claimRun(id, 'crashed-process', now, new Date(now.getTime() + 120_000))).toBe(true);
    await broadcasts.claimRecipient(id, members[0]!.id, now);
    await broadcasts.claimRecipient(id, members[1]!.id, now);
    await broadcasts.settleRecipient(id, { memberId: members[1]!.id, status: 'sent', channel: 'line', reason: null, at: now });

    await platform.jobs.dispatchBroadcasts();
    expect(line.pushes()).toHaveLength(0); // the lease has not run out: the crashed run might still be alive

    platform.clock.set('2027-01-05T10:03:00+08:00');
    await platform.jobs.dispatchBroadcasts();
    expect(linePushRecipients().sort()).toEqual([members[2]!.line!, members[3]!.line!].sort());
    const status = await request(platform.app).get(`/admin/api/broadcasts/${id}`).set(admin());
    expect(status.body).toMatchObject({ status: 'sent', counts: { sent: 3, claimed: 1, skipped: 0, failed: 0 } });

    await platform.jobs.dispatchBroadcasts();
    expect(line.pushes()).toHaveLength(2);
  });

  it('leaves out members who stopped promotions, in the segment size, the cost and the send, and reaches the others', async () => {
    platform.clock.set('2027-03-02T10:00:00+08:00');
    line.reset();
    graph.reset();
    const events = lineEventFactory('01MARKETING');
    const says = (member: { line?: string }, text: string) => deliverToLine(platform, [events.text(member.line!, text)]);
    const stopped = await aMember('consent-test', [{ channel: 'line', channelUserId: lineUserId() }]);
    const resumed = await aMember('consent-test', [{ channel: 'line', channelUserId: lineUserId() }]);
    const neverAsked = await aMember('consent-test', [{ channel: 'line', channelUserId: lineUserId() }]);
    const stoppedOnMessenger = await aMember('consent-test', [{ channel: 'messenger', channelUserId: psid(), lastInboundHoursAgo: 1 }]);
    await says(stopped, '停止推播');
    await says(resumed, 'stop promotions');
    await says(resumed, '恢復推播');
    await platform.repositories.members.appendConsent(
      stoppedOnMessenger.id,
      { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: platform.clock.now().toJSDate(), channel: 'messenger' },
      0,
    );
    line.reset();

    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Consent test', definition: { tiers: ['consent-test'] } });
    expect(segment.body.preview).toMatchObject({ size: 2 });
    expect(segment.body.preview.sample.map((member: { memberId: string }) => member.memberId).sort()).toEqual([resumed.id, neverAsked.id].sort());
    const created = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { en: 'Spring sale!' } });
    const id = created.body.id as string;
    const cost = await request(platform.app).get(`/admin/api/broadcasts/${id}/cost`).set(admin());
    expect(cost.body).toMatchObject({ recipients: 2, line: { pushesNeeded: 2 }, messenger: { insideWindow: 0, outsideWindow: 0 } });

    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);
    await platform.jobs.dispatchBroadcasts();
    expect(linePushRecipients().sort()).toEqual([resumed.line, neverAsked.line].sort());
    expect(messengerRecipients()).toEqual([]);
    const finished = await request(platform.app).get(`/admin/api/broadcasts/${id}`).set(admin());
    expect(finished.body).toMatchObject({ status: 'sent', recipients: 2, counts: { sent: 2, skipped: 0, failed: 0, claimed: 0 } });
  });

  it('leaves out a member whose CRM import said they opted out of promotions, and reaches the one restored by staff', async () => {
    platform.clock.set('2027-08-04T10:00:00+08:00');
    line.reset();
    const adminToken = { Authorization: `Bearer ${testAdminTokens.admin}` };
    const rows = ['withdrawn', 'withdrawn', 'given', null].map((marketing, index) => ({
      externalId: `crm-broadcast-${index}`,
      displayName: `Imported ${index}`,
      phone: `091200100${index}`,
      identities: [{ channel: 'line', channelUserId: lineUserId() }],
      ...(marketing === null ? {} : { marketing, marketingAt: '2027-08-01T09:00:00+08:00' }),
    }));
    const imported = await request(platform.app).post('/admin/api/members').set(adminToken).send({ members: rows });
    expect(imported.body.summary).toEqual({ created: 4, updated: 0, errors: 0 });
    const [optedOut, restored, optedIn, notSaid] = imported.body.results.map((result: { memberId: string }) => result.memberId) as string[];
    // Imports start everyone in the first tier: a tier of their own keeps other tests' members out of this segment.
    await platform.repositories.members.model.collection.updateMany({ _id: { $in: [optedOut, restored, optedIn, notSaid] as never[] } }, { $set: { tier: 'import-test' } });
    const restoring = await request(platform.app).put(`/admin/api/members/${restored}/marketing`).set(adminToken).send({ status: 'given', reason: 'Asked for offers again at the store' });
    expect(restoring.body).toMatchObject({ recorded: true, marketingChoice: { status: 'given', channel: 'staff' } });

    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Imported', definition: { tiers: ['import-test'] } });
    expect(segment.body.preview).toMatchObject({ size: 3 });
    const created = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { en: 'Welcome offer' } });
    const id = created.body.id as string;
    expect((await request(platform.app).get(`/admin/api/broadcasts/${id}/cost`).set(admin())).body).toMatchObject({ recipients: 3 });
    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);
    await platform.jobs.dispatchBroadcasts();

    const lineIdOf = (index: number) => rows[index]!.identities[0]!.channelUserId;
    expect(linePushRecipients().sort()).toEqual([lineIdOf(1), lineIdOf(2), lineIdOf(3)].sort());
    expect(linePushRecipients()).not.toContain(lineIdOf(0));
  });

  it('looks each group of recipients up again as it reaches them: one who stopped promotions or was erased meanwhile gets nothing', async () => {
    platform.clock.set('2027-03-09T10:00:00+08:00');
    graph.reset();
    const members: Awaited<ReturnType<typeof aMember>>[] = [];
    // More than one group of recipients (20): the last two are looked up after the run has sent to the first group.
    for (let index = 0; index < 22; index += 1) {
      members.push(await aMember('midway-test', [{ channel: 'messenger', channelUserId: psid(), lastInboundHoursAgo: 1 }]));
    }
    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Midway test', definition: { tiers: ['midway-test'] } });
    const created = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { en: 'Flash sale!' } });
    const id = created.body.id as string;
    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);

    // While the 20th message waits for its answer, of the two members not reached yet one stops promotions and the
    // other is erased.
    let answered = 0;
    let notReached: typeof members = [];
    graph.beforeAnsweringSends(async (recipientId) => {
      answered += 1;
      if (answered < 20) return;
      graph.beforeAnsweringSends(null);
      const reached = new Set([...messengerRecipients(), recipientId]);
      notReached = members.filter((member) => !reached.has(member.messenger!));
      expect(notReached).toHaveLength(2);
      await platform.repositories.members.appendConsent(
        notReached[0]!.id,
        { kind: 'marketing', version: '2026-11', status: 'withdrawn', at: platform.clock.now().toJSDate(), channel: 'messenger' },
        0,
      );
      const erased = await request(platform.app).delete(`/admin/api/members/${notReached[1]!.id}`).set({ Authorization: `Bearer ${testAdminTokens.admin}` });
      expect(erased.status).toBe(200);
    });
    await platform.jobs.dispatchBroadcasts();

    const saleRecipients = graph
      .messages()
      .filter((message) => JSON.stringify(message.body.message).includes('Flash sale!'))
      .map((message) => (message.body.recipient as { id: string }).id);
    expect(saleRecipients).toHaveLength(20);
    expect(saleRecipients).not.toContain(notReached[0]!.messenger);
    expect(saleRecipients).not.toContain(notReached[1]!.messenger);
    const recipients = await request(platform.app).get(`/admin/api/broadcasts/${id}/recipients`).set(admin());
    const reasonOf = (memberId: string) => (recipients.body.results as { memberId: string; reason: string | null }[]).find((row) => row.memberId === memberId)?.reason;
    expect(reasonOf(notReached[0]!.id)).toBe('stoppedPromotions');
    expect(reasonOf(notReached[1]!.id)).toBe('erased');
    const finished = await request(platform.app).get(`/admin/api/broadcasts/${id}`).set(admin());
    expect(finished.body).toMatchObject({ status: 'sent', recipients: 22, counts: { sent: 20, skipped: 2, failed: 0, claimed: 0 } });
  });

  it('answers 400 for an unknown segment or template, and 404 for an unknown broadcast', async () => {
    const noSegment = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: 'seg_nope', message: { en: 'Hi' } });
    expect(noSegment.status).toBe(400);
    expect(noSegment.body.error.code).toBe('segment_not_found');
    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'All', definition: {} });
    const noTemplate = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { templateId: 'no.such.template' } });
    expect(noTemplate.body.error.code).toBe('template_not_found');
    const empty = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: {} });
    expect(empty.status).toBe(400);
    expect((await request(platform.app).get('/admin/api/broadcasts/bc_unknown').set(admin())).status).toBe(404);
  });

  it('keeps a scheduled broadcast until it is due, and a cancelled one for good', async () => {
    platform.clock.set('2027-02-01T10:00:00+08:00');
    line.reset();
    const member = await aMember('scheduled-test', [{ channel: 'line', channelUserId: lineUserId() }]);
    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Scheduled', definition: { tiers: ['scheduled-test'] } });
    const later = await request(platform.app)
      .post('/admin/api/broadcasts')
      .set(admin())
      .send({ segmentId: segment.body.id, message: { templateId: 'common.gave-up' }, scheduledAt: '2027-02-01T12:00:00+08:00' });
    expect(later.status).toBe(201);
    const cancelled = await request(platform.app)
      .post('/admin/api/broadcasts')
      .set(admin())
      .send({ segmentId: segment.body.id, message: { en: 'Never' }, scheduledAt: '2027-02-01T11:00:00+08:00' });
    expect((await request(platform.app).post(`/admin/api/broadcasts/${cancelled.body.id}/cancel`).set(admin())).body.status).toBe('cancelled');

    await platform.jobs.dispatchBroadcasts();
    expect(line.pushes()).toHaveLength(0);
    platform.clock.set('2027-02-01T12:00:30+08:00');
    await platform.jobs.dispatchBroadcasts();
    expect(linePushRecipients()).toEqual([member.line]);
    expect((line.pushes()[0]!.body as { messages: { text: string }[] }).messages[0]!.text).toContain('我們之後再繼續'); // no locale on the member: DEFAULT_LOCALE
    expect((await request(platform.app).get(`/admin/api/broadcasts/${cancelled.body.id}`).set(admin())).body.status).toBe('cancelled');
  });
});

describe('sending and cancelling a broadcast', () => {
  it('answers the preview of a broadcast whose template a later publish removed with a 409, and cancels it at its run with nobody claimed', async () => {
    platform.clock.set('2027-06-01T10:00:00+08:00');
    line.reset();
    await aMember('removed-template-test', [{ channel: 'line', channelUserId: lineUserId() }], { locale: 'en' });
    const footerOnly = `broadcast.opt-out-footer:\n  text: 'Reply "stop promotions" to stop offers'\n`;
    const publish = async (content: string) => {
      expect((await request(platform.app).put('/admin/api/templates/broadcast').set(admin()).send({ content: { en: content, 'zh-TW': content } })).status).toBe(200);
      expect((await request(platform.app).post('/admin/api/templates/broadcast/publish').set(admin())).status).toBe(200);
    };
    try {
      await publish(`${footerOnly}promo.summer:\n  text: 'Summer sale!'\n`);
      const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Removed template', definition: { tiers: ['removed-template-test'] } });
      const created = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { templateId: 'promo.summer' } });
      expect(created.status).toBe(201);
      await publish(footerOnly);

      const preview = await request(platform.app).get(`/admin/api/broadcasts/${created.body.id}/preview`).set(admin());
      expect(preview.status).toBe(409);
      expect(preview.body.error.code).toBe('broadcast_template_missing');
      expect((await request(platform.app).post(`/admin/api/broadcasts/${created.body.id}/send`).set(admin())).status).toBe(202);
      await platform.jobs.dispatchBroadcasts();

      const after = await request(platform.app).get(`/admin/api/broadcasts/${created.body.id}`).set(admin());
      expect(after.body).toMatchObject({ status: 'cancelled', counts: { sent: 0, skipped: 0, failed: 0, claimed: 0 } });
      expect(line.pushes()).toHaveLength(0);
    } finally {
      await request(platform.app).post('/admin/api/templates/broadcast/reset').set(admin());
    }
  });

  it('refuses what its state does not allow with a 409 naming the state, and an unknown broadcast with a 404', async () => {
    const segment = await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: 'Lifecycle', definition: { tiers: ['lifecycle-test'] } });
    const draft = await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId: segment.body.id, message: { en: 'Hello' } });
    const act = (action: 'send' | 'cancel', id = draft.body.id as string) => request(platform.app).post(`/admin/api/broadcasts/${id}/${action}`).set(admin());

    expect((await act('cancel')).body).toMatchObject({ status: 'cancelled' });
    const sendCancelled = await act('send');
    expect(sendCancelled.status).toBe(409);
    expect(sendCancelled.body.error).toMatchObject({ code: 'broadcast_not_sendable', message: expect.stringContaining('is cancelled') });
    const cancelAgain = await act('cancel');
    expect(cancelAgain.status).toBe(409);
    expect(cancelAgain.body.error).toMatchObject({ code: 'broadcast_not_cancellable', message: expect.stringContaining('is cancelled already') });
    expect((await act('send', 'bc_missing')).status).toBe(404);
    expect((await act('cancel', 'bc_missing')).body.error.code).toBe('broadcast_not_found');
  });
});

describe('the opt-out footer of broadcasts', () => {
  const segmentOf = async (tier: string) =>
    (await request(platform.app).post('/admin/api/segments').set(admin()).send({ name: `Footer ${tier}`, definition: { tiers: [tier] } })).body.id as string;
  const broadcastTo = async (segmentId: string, message: object) =>
    (await request(platform.app).post('/admin/api/broadcasts').set(admin()).send({ segmentId, message })).body.id as string;
  const send = async (id: string) => {
    expect((await request(platform.app).post(`/admin/api/broadcasts/${id}/send`).set(admin())).status).toBe(202);
    await platform.jobs.dispatchBroadcasts();
  };

  it('shows in the preview what members get: each language of the message, ending with its footer', async () => {
    const segmentId = await segmentOf('preview-test');
    const text = await broadcastTo(segmentId, { 'zh-TW': '本週末點數加倍！', en: 'Double points this weekend!' });
    const preview = await request(platform.app).get(`/admin/api/broadcasts/${text}/preview`).set({ Authorization: `Bearer ${testAdminTokens.viewer}` });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      messages: [
        { locale: 'zh-TW', message: { kind: 'text', text: `本週末點數加倍！\n\n${footer['zh-TW']}` } },
        { locale: 'en', message: { kind: 'text', text: `Double points this weekend!\n\n${footer.en}` } },
      ],
    });

    // A template goes out in every language; its buttons stay.
    const template = await broadcastTo(segmentId, { templateId: 'common.gave-up' });
    const messages = (await request(platform.app).get(`/admin/api/broadcasts/${template}/preview`).set(admin())).body.messages;
    expect(messages.map((preview: { locale: string }) => preview.locale)).toEqual(['zh-TW', 'en']);
    expect(messages[1].message).toEqual({
      kind: 'text',
      text: `No problem, let's pick this up later. Tap a button below whenever you're ready 🙂\n\n${footer.en}`,
      choices: [{ label: 'Menu', payload: 'intent=help' }],
    });
    expect((await request(platform.app).get('/admin/api/broadcasts/bc_unknown/preview').set(admin())).status).toBe(404);
  });

  it('keeps the footer when a text reaches Messenger\'s 2,000-character limit: the marketer\'s words are cut instead', async () => {
    platform.clock.set('2027-04-01T10:00:00+08:00');
    graph.reset();
    const member = await aMember('long-text-test', [{ channel: 'messenger', channelUserId: psid(), lastInboundHoursAgo: 1 }], { locale: 'en' });
    await send(await broadcastTo(await segmentOf('long-text-test'), { en: 'x'.repeat(2000) }));

    expect(messengerRecipients()).toEqual([member.messenger]);
    const sent = (graph.messages()[0]!.body.message as { text: string }).text;
    expect(sent.length).toBeLessThanOrEqual(2000);
    expect(sent.endsWith(`…\n\n${footer.en}`)).toBe(true);
  });

  it('goes out as the marketer published it, filled like any template, and cannot be deleted', async () => {
    platform.clock.set('2027-05-03T10:00:00+08:00');
    line.reset();
    const member = await aMember('edited-footer-test', [{ channel: 'line', channelUserId: lineUserId() }], { locale: 'en' });
    const { name } = (await platform.repositories.members.findById(member.id))!;
    const edited = `broadcast.opt-out-footer:\n  text: 'Not for you, {name}? Reply "stop promotions" <b>&amp;</b> we stop.{unknown}'\n`;
    try {
      expect((await request(platform.app).put('/admin/api/templates/broadcast').set(admin()).send({ content: { en: edited } })).status).toBe(200);
      expect((await request(platform.app).post('/admin/api/templates/broadcast/publish').set(admin())).status).toBe(200);

      await send(await broadcastTo(await segmentOf('edited-footer-test'), { en: 'Spring sale!' }));
      expect(linePushRecipients()).toEqual([member.line]);
      // LINE and Messenger show text as it is: the markup stays characters, an unknown placeholder fills to nothing.
      expect(linePushTexts()).toEqual([[`Spring sale!\n\nNot for you, ${name}? Reply "stop promotions" <b>&amp;</b> we stop.`]]);

      const withoutFooter = await request(platform.app).put('/admin/api/templates/broadcast').set(admin()).send({ content: { en: '# nothing here\n{}\n' } });
      expect(withoutFooter.status).toBe(400);
      expect(withoutFooter.body.error.details).toContainEqual(expect.objectContaining({ path: 'broadcast.opt-out-footer', reason: 'the runner needs this template' }));

      const blank = await request(platform.app).put('/admin/api/templates/broadcast').set(admin()).send({ content: { en: 'broadcast.opt-out-footer:\n  text: "{nothing}"\n' } });
      expect(blank.status).toBe(400);
      expect(blank.body.error.details).toContainEqual(expect.objectContaining({ path: 'broadcast.opt-out-footer', reason: expect.stringContaining('fills to nothing') }));
      const long = await request(platform.app).put('/admin/api/templates/broadcast').set(admin()).send({ content: { en: `broadcast.opt-out-footer:\n  text: "${'x'.repeat(201)}"\n` } });
      expect(long.status).toBe(400);
      expect(long.body.error.details).toContainEqual(expect.objectContaining({ path: 'broadcast.opt-out-footer', reason: expect.stringContaining('200 characters') }));
    } finally {
      await request(platform.app).post('/admin/api/templates/broadcast/reset').set(admin());
    }
  });
});
