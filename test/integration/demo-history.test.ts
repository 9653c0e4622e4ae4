import request from 'supertest';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({}, '2026-11-23T10:00:00+08:00');
});
afterAll(async () => {
  await platform.close();
});

type Day = { day: string; totalMembers: number; activeMembers: number; checkedIn: number; checkInRate: number | null; stored: boolean; points: Record<string, number>; tierMix: Record<string, number>; redemptionsByReward: Record<string, number> };

describe('the demo programme history (DEMO_DATA)', () => {
  it('seeds five weeks once, keeps the ledger invariant and gives the dashboard believable figures', async () => {
    const seed = await platform.jobs.seedDemoHistory();
    expect(seed).toMatchObject({ kind: 'seeded', members: 200 });
    expect(await platform.jobs.seedDemoHistory()).toEqual({ kind: 'alreadySeeded' });

    const report = await verifyLedger(platform.repositories);
    expect(report.problems).toEqual([]);

    const response = await request(platform.app)
      .get('/admin/api/analytics/dashboard?from=2026-10-19&to=2026-11-23')
      .set('Authorization', `Bearer ${testAdminTokens.viewer}`);
    expect(response.status).toBe(200);
    const days = response.body.days as Day[];
    expect(days).toHaveLength(36);
    expect(days.slice(0, 35).every((day) => day.stored)).toBe(true);
    expect(days.at(-1)!.stored).toBe(false);
    const rates = days.slice(0, 35).map((day) => day.checkInRate!);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(0.55);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.9);
    expect(days[34]!.totalMembers).toBe(200);
    expect(days[0]!.totalMembers).toBeLessThan(120);
    const sum = (key: string) => days.reduce((total, day) => total + (day.points[key] ?? 0), 0);
    expect(sum('issued')).toBeGreaterThan(0);
    expect(sum('redeemed')).toBeGreaterThan(0);
    expect(sum('expired')).toBeGreaterThan(0);
    expect(days[34]!.tierMix.silver ?? 0).toBeGreaterThan(days[0]!.tierMix.silver ?? 0);
    expect(Object.keys(days.reduce((all, day) => ({ ...all, ...day.redemptionsByReward }), {}))).toEqual(expect.arrayContaining(['coffee']));

    const segment = await request(platform.app)
      .post('/admin/api/segments/preview')
      .set('Authorization', `Bearer ${testAdminTokens.marketer}`)
      .send({ definition: {} });
    expect(segment.body).toMatchObject({ size: 200, demoMembers: 200 });
    expect(segment.body.sample[0].name).toMatch(/^Demo member \d{3} \(fake\)$/);
  }, 90_000);
});
