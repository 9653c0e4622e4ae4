import { DateTime } from 'luxon';
import request from 'supertest';
import type { ChannelName } from '../../src/channels/channel';
import { checkIn } from '../../src/loyalty/check-in/check-in';
import { signUp } from '../../src/loyalty/members/sign-up';
import { programmeRulesFrom } from '../../src/loyalty/programme';
import type { MemberId } from '../../src/shared/ids';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ LOYALTY_TIMEZONE: 'Asia/Taipei' }, '2026-11-16T09:00:00+08:00');
});
afterAll(async () => {
  await platform.close();
});

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

async function joins(name: string, channel: ChannelName, when: string): Promise<MemberId> {
  const source = { channel, channelUserId: `${name}-${channel}` };
  const identityKey = `${channel}:${source.channelUserId}`;
  await platform.repositories.identities.touch(identityKey, source, at(when).toJSDate());
  const outcome = await signUp(
    { ...platform.repositories, startingTier: 'member' },
    { identityKey, ...source, name, mobile: '0912345678', birthday: null, locale: 'en', termsVersion: '2026-11', now: at(when).toJSDate(), runId: `seed-${identityKey}`, welcome: { signupBonus: 0, referralBonus: 0 } },
  );
  return outcome.memberId;
}

async function checksIn(memberId: MemberId, when: string) {
  const rules = programmeRulesFrom(platform.config);
  expect(await checkIn({ ...platform.repositories, rules: rules.checkIn, earning: rules.earning }, memberId, at(when))).toMatchObject({ kind: 'awarded' });
}

describe('GET /admin/api/analytics/dashboard', () => {
  it('shows the figures of a hand-built week, stored by the nightly job, and today computed live', async () => {
    const week = ['16', '17', '18', '19', '20', '21', '22'].map((day) => `2026-11-${day}`);
    const amy = await joins('amy', 'web', '2026-11-16T09:00:00+08:00');
    const ben = await joins('ben', 'line', '2026-11-17T12:00:00+08:00');
    await joins('cat', 'messenger', '2026-11-18T20:00:00+08:00'); // chats, never checks in: active, not checked in
    const sam = await joins('sam', 'line', '2026-11-16T09:00:00+08:00');
    await platform.repositories.members.model.collection.updateOne({ _id: sam as never }, { $set: { sandbox: true } });
    for (const day of week) {
      await checksIn(amy, `${day}T23:30:00+08:00`); // late evening in Taipei is still that loyalty day (15:30 UTC)
      await checksIn(sam, `${day}T10:00:00+08:00`);
    }
    await checksIn(ben, '2026-11-17T12:05:00+08:00');
    await checksIn(ben, '2026-11-19T08:00:00+08:00');
    expect(
      await platform.repositories.ledger.spend({ key: 'redemption:TESTWEEK', memberId: amy, points: 40, reason: 'redemption', note: 'Coffee', now: at('2026-11-21T15:00:00+08:00') }),
    ).toMatchObject({ kind: 'recorded' });

    platform.clock.set('2026-11-23T00:10:00+08:00');
    expect((await platform.jobs.recordDailyStats()).stored).toBe(40);
    expect((await platform.jobs.recordDailyStats()).stored).toBe(0);
    await checksIn(ben, '2026-11-23T00:20:00+08:00');

    const response = await request(platform.app)
      .get('/admin/api/analytics/dashboard?from=2026-11-16&to=2026-11-30')
      .set('Authorization', `Bearer ${testAdminTokens.viewer}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ from: '2026-11-16', to: '2026-11-23', timezone: 'Asia/Taipei' });
    const rows = (response.body.days as Record<string, unknown>[]).map((day) => [
      day.day,
      day.totalMembers,
      day.newSignups,
      day.activeMembers,
      day.checkedIn,
      day.checkInRate,
      (day.points as { issued: number }).issued,
      (day.points as { redeemed: number }).redeemed,
      day.stored,
    ]);
    expect(rows).toEqual([
      // day,        total, new, active, checked in, rate, issued, redeemed, stored
      ['2026-11-16', 1, 1, 1, 1, 1, 10, 0, true],
      ['2026-11-17', 2, 1, 2, 2, 1, 20, 0, true],
      ['2026-11-18', 3, 1, 3, 1, 0.3333, 10, 0, true],
      ['2026-11-19', 3, 0, 3, 2, 0.6667, 20, 0, true],
      ['2026-11-20', 3, 0, 3, 1, 0.3333, 10, 0, true],
      ['2026-11-21', 3, 0, 3, 1, 0.3333, 10, 40, true],
      ['2026-11-22', 3, 0, 3, 1, 0.3333, 60, 0, true], // Amy's 7th day in a row: 10 + 50 streak bonus
      ['2026-11-23', 3, 0, 3, 1, 0.3333, 10, 0, false],
    ]);
    const wednesday = response.body.days[2];
    expect(wednesday.tierMix).toEqual({ member: 3 });
    expect(wednesday.channelMix).toEqual({ web: 1, line: 1, messenger: 1 });
  });

  it('rolls tiers back through the changes made since the first day it needs, reading no older ones', async () => {
    const change = (runId: string, memberId: string, from: string, to: string, iso: string) => ({
      runId,
      memberId: memberId as MemberId,
      from,
      to,
      reason: 'qualified' as const,
      qualifyingPoints: 500,
      at: at(iso).toJSDate(),
    });
    await platform.repositories.tierHistory.record([
      change('tiers-2026-01-01', 'old-change', 'member', 'silver', '2026-01-01T02:00:00+08:00'),
      change('tiers-2026-11-20', 'new-change', 'silver', 'gold', '2026-11-20T02:00:00+08:00'),
    ]);

    const changes = await platform.repositories.programmeFacts.tierChanges(at('2026-10-18T00:00:00+08:00').toJSDate(), 'Asia/Taipei');

    expect(changes.map((fact) => [fact.memberId, fact.day, fact.from, fact.to])).toEqual([['new-change', '2026-11-20', 'silver', 'gold']]);
  });

  it('defaults to the last 30 days and refuses reversed or over-long ranges', async () => {
    const auth = { Authorization: `Bearer ${testAdminTokens.viewer}` };
    const defaults = await request(platform.app).get('/admin/api/analytics/dashboard').set(auth);
    expect(defaults.body).toMatchObject({ from: '2026-10-25', to: '2026-11-23' });
    expect(defaults.body.days).toHaveLength(30);
    const reversed = await request(platform.app).get('/admin/api/analytics/dashboard?from=2026-11-20&to=2026-11-10').set(auth);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe('invalid_range');
    const tooLong = await request(platform.app).get('/admin/api/analytics/dashboard?from=2025-01-01&to=2026-11-10').set(auth);
    expect(tooLong.body.error.code).toBe('range_too_long');
    const malformed = await request(platform.app).get('/admin/api/analytics/dashboard?from=16-11-2026').set(auth);
    expect(malformed.status).toBe(400);
  });
});
