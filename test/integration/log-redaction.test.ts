import request from 'supertest';
import { createLogger } from '../../src/shared/logger';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { deliverToLine, lineEventFactory } from '../support/line-events';
import { captureLogs } from '../support/log-capture';
import { startTestPlatform, testLineSecret, type TestPlatform } from '../support/platform';

const logs = captureLogs();
const logger = createLogger('info', false, logs.stream);

let platform: TestPlatform;
let line: FakeLineApi;
beforeAll(async () => {
  line = await startFakeLineApi();
  platform = await startTestPlatform(
    {
      LINE_CHANNEL_SECRET: testLineSecret,
      LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
      LINE_API_BASE_URL: line.baseUrl,
      DEFAULT_LOCALE: 'en',
      PUBLIC_BASE_URL: 'https://loyalty.example.com',
    },
    undefined,
    logger,
  );
});
afterAll(async () => {
  await platform.close();
  await line.close();
});

const name = 'Helen Wu';
const mobile = '0912000111';
const birthday = '1988-07-06';
const freeText = 'Is the oolong at the Xinyi store still half price?';

describe('logs at info level', () => {
  it('never contain the phone number, birthday, name or message text of a whole journey', async () => {
    const events = lineEventFactory('01JREDACT');
    const userId = events.userId();
    // Spent reply tokens make every reply fall back to push, which logs at info: the journey does log.
    let sequence = 0;
    const spent = () => ({ replyToken: `expired-${(sequence += 1)}` });
    const send = (event: unknown) => deliverToLine(platform, [event]);

    await send(events.text(userId, 'join', spent()));
    await send(events.postback(userId, 'answer=agree', spent()));
    await send(events.text(userId, name, spent()));
    await send(events.text(userId, mobile, spent()));
    await send(events.text(userId, birthday, spent()));
    await send(events.text(userId, freeText, spent()));
    await send(events.text(userId, 'export my data', spent()));
    const pushed = JSON.stringify(line.pushes().at(-1)!.body);
    const exportPath = /https:\/\/loyalty\.example\.com(\/privacy\/export\/[A-Za-z0-9_.-]+)/.exec(pushed)![1]!;
    const download = await request(platform.app).get(exportPath);
    expect(download.status).toBe(200);
    expect(download.text).toContain(mobile);
    await send(events.text(userId, 'delete my account', spent()));
    await send(events.postback(userId, 'answer=delete', spent()));
    expect(await platform.repositories.identities.find(`line:${userId}`)).toBeNull();

    // A careless log call with personal fields is censored too.
    logger.info({ member: { name, mobile, birthday }, text: freeText }, 'member details');

    expect(logs.lines.length).toBeGreaterThanOrEqual(10);
    expect(logs.lines.some((entry) => entry.includes('LINE reply token rejected'))).toBe(true);
    expect(logs.lines.some((entry) => entry.includes('[redacted]'))).toBe(true);
    const everything = logs.lines.join('\n');
    for (const personal of [name, mobile, birthday, freeText, 'oolong']) expect(everything).not.toContain(personal);
  });
});
