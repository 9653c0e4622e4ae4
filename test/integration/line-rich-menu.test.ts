import { readFileSync } from 'node:fs';
import path from 'node:path';
import { richMenuImagePath, setUpLineRichMenu } from '../../scripts/line-richmenu';
import { loadConfig } from '../../src/config';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';

let fake: FakeLineApi;

beforeAll(async () => {
  fake = await startFakeLineApi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => fake.reset());

function run(env: Record<string, string>, imagePath?: string) {
  const output = { log: [] as string[], error: [] as string[] };
  const config = loadConfig(env);
  const done = setUpLineRichMenu(config, { log: (line) => output.log.push(line), error: (line) => output.error.push(line) }, imagePath);
  return done.then((code) => ({ code, ...output }));
}

const lineEnv = () => ({ LINE_CHANNEL_SECRET: 'test-line-channel-secret', LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token', LINE_API_BASE_URL: fake.baseUrl });

describe('npm run line:richmenu', () => {
  it('creates the menu, uploads the PNG to the same LINE root and makes it the default', async () => {
    const { code, log, error } = await run(lineEnv());

    expect(error).toEqual([]);
    expect(code).toBe(0);
    const [richMenuId] = [...fake.richMenus.keys()];
    expect(log.at(-1)).toBe(`Rich menu id: ${richMenuId}`);
    expect(fake.defaultRichMenuId()).toBe(richMenuId);
    expect(fake.requests.map((request) => `${request.method} ${request.path} → ${request.status}`)).toEqual([
      'POST /v2/bot/richmenu → 200',
      `POST /v2/bot/richmenu/${richMenuId}/content → 200`,
      `POST /v2/bot/user/all/richmenu/${richMenuId} → 200`,
    ]);
    expect(fake.requests.every((request) => request.headers.authorization === 'Bearer test-line-access-token')).toBe(true);
    const stored = fake.richMenus.get(richMenuId!);
    expect(stored?.image?.contentType).toBe('image/png');
    expect(stored?.image?.bytes.equals(readFileSync(richMenuImagePath))).toBe(true);
    expect(stored?.menu).toMatchObject({ size: { width: 2500, height: 843 }, selected: true, chatBarText: '會員選單' });
    expect((stored?.menu.areas as unknown[]).map((area) => (area as { action: unknown }).action)).toEqual([
      { type: 'postback', label: '每日簽到', data: 'intent=checkin', displayText: '每日簽到' },
      { type: 'postback', label: '會員卡', data: 'intent=card', displayText: '會員卡' },
      { type: 'postback', label: '兌換禮物', data: 'intent=rewards', displayText: '兌換禮物' },
      { type: 'postback', label: '集點', data: 'intent=collect', displayText: '集點' },
      { type: 'postback', label: '點數紀錄', data: 'intent=history', displayText: '點數紀錄' },
      { type: 'postback', label: '說明', data: 'intent=help', displayText: '說明' },
    ]);
  });

  it('exits 1 naming LINE_CHANNEL_ACCESS_TOKEN when LINE is not configured, and calls nothing', async () => {
    const { code, log, error } = await run({});

    expect(code).toBe(1);
    expect(log).toEqual([]);
    expect(error).toEqual([expect.stringContaining('LINE_CHANNEL_ACCESS_TOKEN')]);
    expect(fake.requests).toEqual([]);
  });

  it('refuses an image LINE would reject before calling LINE', async () => {
    const { code, error } = await run(lineEnv(), path.join(__dirname, '..', '..', 'assets', 'line-rich-menu.html'));

    expect(code).toBe(1);
    expect(error.join('\n')).toMatch(/Not a PNG/);
    expect(fake.requests).toEqual([]);
  });

  it('exits 1 with the step that failed when LINE cannot be reached', async () => {
    const { code, error } = await run({ ...lineEnv(), LINE_API_BASE_URL: 'http://127.0.0.1:1' });

    expect(code).toBe(1);
    expect(error).toEqual([expect.stringMatching(/^Could not create the rich menu: .*LINE_CHANNEL_ACCESS_TOKEN/)]);
  });
});
