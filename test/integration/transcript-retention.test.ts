import type { MemberId } from '../../src/shared/ids';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

describe('transcript retention', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ TRANSCRIPT_RETENTION_DAYS: '30' }, '2026-11-01T09:00:00+08:00');
  });
  afterAll(() => platform.close());

  it('sweeps lines older than TRANSCRIPT_RETENTION_DAYS and keeps the rest', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Ivy');
    const memberId = (await platform.repositories.identities.find(`web:${chat.source.channelUserId}`))!.memberId! as MemberId;
    await chat.says('check in');
    platform.clock.set('2026-11-20T09:00:00+08:00');
    await chat.says('card');

    const texts = async () => (await platform.repositories.transcripts.ofMember(memberId)).map((line) => `${line.direction}: ${line.text}`);
    expect(await texts()).toContain('inbound: check in');

    // 30 days after the first turns, less a minute: nothing is old enough yet.
    platform.clock.set('2026-12-01T08:59:00+08:00');
    expect(await platform.jobs.sweepTranscripts()).toEqual({ deleted: 0 });

    platform.clock.set('2026-12-01T09:01:00+08:00');
    const { deleted } = await platform.jobs.sweepTranscripts();
    expect(deleted).toBeGreaterThanOrEqual(4);
    const kept = await texts();
    expect(kept).not.toContain('inbound: check in');
    expect(kept[0]).toBe('inbound: card');
    expect(kept.length).toBeGreaterThan(1);
    expect(await platform.jobs.sweepTranscripts()).toEqual({ deleted: 0 });
  });

  it('keeps each turn’s lines in order, however many lines and however many turns are written together', async () => {
    const at = new Date('2026-11-24T10:00:00Z');
    const turn = (memberId: string, count: number) =>
      Array.from({ length: count }, (_, n) => ({ memberId: memberId as MemberId, identityKey: `web:${memberId}`, channel: 'web' as const, direction: 'outbound' as const, text: `line ${n}`, at }));
    // Written at once, the turns share one insert: each turn's lines must still sort by their place in that turn.
    await Promise.all([platform.repositories.transcripts.record(turn('m_order_a', 3)), platform.repositories.transcripts.record(turn('m_order_b', 12))]);
    await Promise.all([platform.repositories.transcripts.record(turn('m_order_c', 5)), platform.repositories.transcripts.record(turn('m_order_d', 12))]);
    for (const [memberId, count] of [['m_order_b', 12], ['m_order_d', 12]] as const) {
      const texts = (await platform.repositories.transcripts.ofMember(memberId as MemberId)).map((line) => line.text);
      expect(texts).toEqual(Array.from({ length: count }, (_, n) => `line ${n}`));
    }
  });
});

describe('transcript retention 0', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ TRANSCRIPT_RETENTION_DAYS: '0' });
  });
  afterAll(() => platform.close());

  it('records no transcript at all', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Jack');
    await chat.says('check in');
    const memberId = (await platform.repositories.identities.find(`web:${chat.source.channelUserId}`))!.memberId! as MemberId;
    expect(await platform.repositories.transcripts.ofMember(memberId)).toEqual([]);
  });
});
