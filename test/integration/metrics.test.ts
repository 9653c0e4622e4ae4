import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEFAULT_LOCALE: 'en' });
});
afterAll(() => platform.close());

/** A counter's value for one label set in Prometheus text format; 0 when the series is not there. */
function counterValue(metrics: string, name: string, labels: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('GET /metrics', () => {
  it('counts the round trips of the grouped database calls and the calls they carried', async () => {
    const browser = request.agent(platform.app);
    await browser.post('/chat/api/session').send({}).expect(200);
    const before = (await request(platform.app).get('/metrics').expect(200)).text;

    await Promise.all(Array.from({ length: 3 }, () => browser.post('/chat/api/messages').send({ id: randomUUID(), text: 'help' }).expect(200)));

    const after = (await request(platform.app).get('/metrics').expect(200)).text;
    const grown = (name: string) => counterValue(after, name, 'call="inbound_events.insert"') - counterValue(before, name, 'call="inbound_events.insert"');
    expect(grown('loyalty_db_grouped_calls_total')).toBe(3);
    expect(grown('loyalty_db_grouped_round_trips_total')).toBeGreaterThanOrEqual(1);
    expect(grown('loyalty_db_grouped_round_trips_total')).toBeLessThanOrEqual(3);
    expect(after).toContain('# HELP loyalty_db_grouped_round_trips_total');
  });
});
