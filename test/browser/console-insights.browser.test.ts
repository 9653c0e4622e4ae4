import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { signUp } from '../../src/loyalty/members/sign-up';
import { startFakeLineApi, type FakeLineApi } from '../fakes/fake-line-api';
import { consoleArtifactsDir, phone, see as seeWithin, signInToConsole, startBrowserStage, visit, wideLaptop, type BrowserStage, type Device, type Visit } from '../support/browser';
import { testAdminTokens, testLineSecret, type TestPlatform } from '../support/platform';

/**
 * "Measure and act" in a real Chromium: the dashboard draws its charts from five weeks of demo
 * history (check-in rate first), a marketer builds a segment and sees its size before saving,
 * broadcasts to it through the cost preview and watches it reach done on a fake LINE API, and
 * reads the audit log's before/after of that send.
 */

const timeoutMs = 120_000;
const seeTimeoutMs = 15_000;
const artifactsDir = consoleArtifactsDir;
const laptop = wideLaptop;
const now = '2026-11-23T10:00:00+08:00';
const charts = ['checkInRate', 'members', 'points', 'rewards', 'channels', 'tiers'];

let stage: BrowserStage | undefined;
let platform: TestPlatform | undefined;
let line: FakeLineApi | undefined;
let browser: Browser | undefined;
let baseUrl = '';

beforeAll(async () => {
  line = await startFakeLineApi();
  stage = await startBrowserStage(
    {
      LINE_CHANNEL_SECRET: testLineSecret,
      LINE_CHANNEL_ACCESS_TOKEN: 'test-line-access-token',
      LINE_API_BASE_URL: line.baseUrl,
      LINE_MONTHLY_PUSH_BUDGET: '500',
      DEFAULT_LOCALE: 'zh-TW',
    },
    { now },
  );
  ({ platform, browser, baseUrl } = stage);
  await expect(platform.jobs.seedDemoHistory()).resolves.toMatchObject({ kind: 'seeded' });
}, timeoutMs);

afterAll(async () => {
  await stage?.close();
  await line?.close();
}, timeoutMs);

function openConsole(url: string, locale: 'en' | 'zh-TW', device: Device = laptop): Promise<Visit> {
  return visit(stage, `/admin/${url}`, { locale, device });
}

function signIn(page: Page, role: keyof typeof testAdminTokens): Promise<void> {
  return signInToConsole(page, testAdminTokens[role], undefined, seeTimeoutMs);
}

const see = (locator: Locator) => seeWithin(locator, seeTimeoutMs);

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.locator('.spinner').waitFor({ state: 'detached', timeout: seeTimeoutMs });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage });
}

/** Per chart on the page: its Chart.js type, the points per dataset, and how many canvas pixels are painted. */
async function drawnCharts(page: Page): Promise<Record<string, { type: string; points: number[]; painted: number }>> {
  await page.locator('.dashboard[data-ready="true"]').waitFor({ timeout: seeTimeoutMs });
  // Drawing runs after the page is in place; wait until every canvas has a chart.
  await page.waitForFunction((count) => document.querySelectorAll('canvas[data-chart]').length === count && Array.from(document.querySelectorAll('canvas[data-chart]')).every((canvas) => (window as unknown as { Chart: { getChart(canvas: Element): unknown } }).Chart.getChart(canvas)), charts.length);
  return page.evaluate(() => {
    type ChartLike = { config: { type: string }; data: { datasets: { data: unknown[] }[] } };
    const chartOf = (window as unknown as { Chart: { getChart(canvas: Element): ChartLike } }).Chart.getChart;
    const result: Record<string, { type: string; points: number[]; painted: number }> = {};
    for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]'))) {
      const chart = chartOf(canvas);
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted += 1;
      result[canvas.dataset.chart!] = { type: chart.config.type, points: chart.data.datasets.map((dataset) => dataset.data.filter((value) => value !== null).length), painted };
    }
    return result;
  });
}

async function lineMember(name: string, lineUserId: string): Promise<string> {
  const repositories = platform!.repositories;
  const identityKey = `line:${lineUserId}`;
  const at = platform!.clock.now().toJSDate();
  await repositories.identities.touch(identityKey, { channel: 'line', channelUserId: lineUserId }, at);
  const outcome = await signUp(
    { members: repositories.members, identities: repositories.identities, startingTier: 'member' },
    { identityKey, channel: 'line', channelUserId: lineUserId, name, mobile: '0912345678', birthday: null, locale: 'zh-TW', termsVersion: '1', now: at, runId: `seed-${lineUserId}`, welcome: { signupBonus: 0, referralBonus: 0 } },
  );
  return outcome.memberId;
}

describe('measure and act in the console', () => {
  test(
    'the dashboard lands after sign-in and charts the demo history, check-in rate first',
    async () => {
      const api = await request(platform!.app).get('/admin/api/analytics/dashboard').set('Authorization', `Bearer ${testAdminTokens.viewer}`);
      const latestFullDay = (api.body.days as { day: string; checkInRate: number }[]).at(-2)!;
      expect(latestFullDay.day).toBe('2026-11-22');
      const expectedRate = `${(Math.round(latestFullDay.checkInRate * 1000) / 10).toLocaleString('zh-TW', { maximumFractionDigits: 1 })}%`;

      const { context, page, problems } = await openConsole('', 'zh-TW');
      try {
        await signIn(page, 'viewer');
        await see(page.getByRole('heading', { name: '總覽', level: 1 }));
        const drawn = await drawnCharts(page);
        expect(Object.keys(drawn).sort()).toEqual([...charts].sort());
        for (const [name, chart] of Object.entries(drawn)) {
          // Each chart has data and painted a real share of its canvas (axes, lines, bars, legend).
          expect({ name, hasPoints: chart.points.some((count) => count > 0) }).toEqual({ name, hasPoints: true });
          expect({ name, painted: chart.painted > 2000 }).toEqual({ name, painted: true });
        }
        expect(drawn.checkInRate).toMatchObject({ type: 'line', points: [30] });
        expect(drawn.tiers!.points.every((count) => count === 30)).toBe(true);
        await expect(page.locator('[data-metric="checkInRate"]').textContent()).resolves.toBe(expectedRate);
        await see(page.getByText(/11月22日.*有 \d+ 位簽到/));
        await screenshot(page, '40-dashboard-zh');

        // The 7-day preset: fewer days, same headline day.
        await page.getByRole('link', { name: '近 7 天' }).click();
        await page.waitForFunction(() => document.querySelector('[aria-current="true"]')?.textContent === '近 7 天');
        const week = await drawnCharts(page);
        expect(week.checkInRate!.points).toEqual([7]);
        await expect(page.locator('[data-metric="checkInRate"]').textContent()).resolves.toBe(expectedRate);

        // Days before the programme existed: the empty state, no charts.
        await page.goto(`${baseUrl}/admin/#/dashboard?from=2025-01-01&to=2025-01-07`);
        await see(page.getByRole('heading', { name: '這段期間還沒有數據' }));
        await expect(page.locator('canvas').count()).resolves.toBe(0);
        await screenshot(page, '41-dashboard-empty');

        await page.getByRole('group', { name: '語言' }).getByRole('button', { name: 'English' }).click();
        await page.getByRole('link', { name: 'Last 90 days' }).click();
        const quarter = await drawnCharts(page);
        expect(quarter.checkInRate!.points[0]).toBeGreaterThanOrEqual(35);
        await see(page.getByText('Days in the programme time zone Asia/Taipei', { exact: false }));
        await screenshot(page, '42-dashboard-en-90-days');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }

      const mobile = await openConsole('#/dashboard', 'zh-TW', phone);
      try {
        await signIn(mobile.page, 'viewer');
        await drawnCharts(mobile.page);
        await screenshot(mobile.page, '43-dashboard-phone');
        expect(mobile.problems).toEqual([]);
      } finally {
        await mobile.context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a marketer sizes a segment, sends it a broadcast through the cost preview, and reads the send in the audit log',
    async () => {
      const onLine = [];
      for (const [index, name] of ['陳大文', '李美玲', '張志豪'].entries()) {
        const lineUserId = `U${(index + 1).toString(16).padStart(32, 'a')}`;
        onLine.push({ memberId: await lineMember(name, lineUserId), lineUserId });
      }
      const definition = { channels: ['line'] };
      const preview = await request(platform!.app).post('/admin/api/segments/preview').set('Authorization', `Bearer ${testAdminTokens.marketer}`).send({ definition });
      const size = preview.body.size as number;
      expect(size).toBeGreaterThan(onLine.length);

      const { context, page, problems } = await openConsole('', 'en');
      try {
        await signIn(page, 'marketer');
        await page.getByRole('link', { name: 'Segments' }).click();
        await (await see(page.getByRole('link', { name: 'New segment' }))).click();
        const form = page.getByRole('form', { name: 'Segment' });
        await form.getByLabel('Name').fill('LINE followers');
        // Every member first, then narrowed to LINE: the size follows each change before saving.
        await see(page.locator('.preview-size'));
        await form.getByLabel('LINE', { exact: true }).check();
        await see(page.locator(`.preview-size[data-size="${size}"]`));
        await see(page.getByText(`${size.toLocaleString('en')} members`, { exact: true }));
        await form.getByLabel('Points at least').fill('10');
        await form.getByLabel('Points at most').fill('5');
        await see(form.locator('[data-field-for="definition.points.max"] .field-error', { hasText: 'min must not be above max' }));
        await screenshot(page, '44-segment-error');
        await form.getByLabel('Points at least').fill('');
        await form.getByLabel('Points at most').fill('');
        await see(page.locator(`.preview-size[data-size="${size}"]`));
        const sampleLink = page.getByRole('table', { name: 'Sample members' }).getByRole('link').first();
        await expect(sampleLink.getAttribute('href')).resolves.toBe(`#/members/${encodeURIComponent(preview.body.sample[0].memberId)}`);
        await screenshot(page, '45-segment-form');
        await form.getByRole('button', { name: 'Create segment' }).click();
        await see(page.getByRole('heading', { name: 'LINE followers', level: 1 }));
        const segments = await platform!.repositories.segments.list();
        const segment = segments.find((saved) => saved.name === 'LINE followers')!;
        expect(segment.definition).toEqual(definition);

        await page.getByRole('link', { name: 'Broadcast to this segment' }).click();
        const broadcastForm = page.getByRole('form', { name: 'New broadcast' });
        await see(broadcastForm);
        await expect(broadcastForm.getByLabel('Segment').inputValue()).resolves.toBe(segment.id);
        await broadcastForm.getByLabel('Name', { exact: true }).fill('Double points weekend');
        await broadcastForm.getByRole('button', { name: 'Create and see the cost' }).click();
        await see(broadcastForm.locator('[data-field-for="message"] .field-error, .form-status-error').first());
        await broadcastForm.getByLabel('Message (中文)').fill('本週末點數加倍！');
        await broadcastForm.getByLabel('Message (English)').fill('Double points this weekend!');
        await broadcastForm.getByRole('button', { name: 'Create and see the cost' }).click();

        await see(page.getByRole('heading', { name: /Double points weekend/, level: 1 }));
        const cost = page.locator('.broadcast-cost');
        await see(cost.getByText(`The segment has ${size.toLocaleString('en')} members now`));
        await see(cost.getByText(`${onLine.length} pushes needed, 500 left this month`));
        await see(cost.getByText('demo members'));
        // What members get: each language's message, ending with how to stop promotions.
        const memberView = page.locator('.broadcast-preview');
        await see(memberView.getByRole('heading', { name: 'What members get' }));
        await expect(memberView.locator('[data-locale="zh-TW"] .preview-bubble').innerText()).resolves.toBe('本週末點數加倍！\n\n回覆「停止推播」即可不再收到優惠訊息');
        await expect(memberView.locator('[data-locale="en"] .preview-bubble').innerText()).resolves.toBe('Double points this weekend!\n\nReply "stop promotions" to stop offers');
        await screenshot(page, '46-broadcast-cost');
        await memberView.screenshot({ path: path.join(artifactsDir, '46b-broadcast-preview.png') });

        await page.getByRole('button', { name: 'Send now…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Send this broadcast?' });
        await see(dialog.getByText(`${onLine.length} pushes needed`));
        await screenshot(page, '47-broadcast-confirm', false);
        await dialog.getByRole('button', { name: 'Send', exact: true }).click();

        await see(page.locator('.progress-status[data-status="sent"]'));
        await see(page.locator('.delivery-legend [data-outcome="sent"]', { hasText: String(onLine.length) }));
        await see(page.locator('.delivery-legend [data-outcome="skipped"]', { hasText: String(size - onLine.length) }));
        const results = page.getByRole('table', { name: 'Results per member' });
        await see(results.getByText('Demo member').first());
        await page.getByLabel('Show').selectOption('sent');
        await see(page.locator('.section-header select').and(page.getByLabel('Show')));
        await page.waitForFunction(() => location.hash.endsWith('?status=sent'));
        await see(results.getByRole('row').filter({ hasText: onLine[0]!.memberId }).getByText('Sent'));
        await expect(results.locator('tbody tr').count()).resolves.toBe(onLine.length);
        await screenshot(page, '48-broadcast-sent');
        const pushedTo = line!.pushes().map((push) => (push.body as { to: string }).to);
        expect(pushedTo.sort()).toEqual(onLine.map((member) => member.lineUserId).sort());
        expect((line!.pushes()[0]!.body as { messages: { text: string }[] }).messages[0]!.text).toBe('本週末點數加倍！\n\n回覆「停止推播」即可不再收到優惠訊息');
        await expect(page.getByRole('button', { name: 'Send now…' }).count()).resolves.toBe(0);

        await page.getByRole('link', { name: 'Broadcasts' }).first().click();
        await see(page.getByRole('table', { name: 'Broadcasts' }).getByRole('row').filter({ hasText: 'Double points weekend' }).getByText('Sent'));
        await screenshot(page, '49-broadcasts');

        await page.getByRole('link', { name: 'Audit log' }).click();
        const log = page.getByRole('table', { name: 'Audit log' });
        const sendRow = log.getByRole('row').filter({ hasText: 'broadcasts.send' });
        await see(sendRow);
        await see(log.getByRole('row').filter({ hasText: `segment:${segment.id}` }));
        await screenshot(page, '50-audit-log');
        await sendRow.getByRole('button', { name: /View/ }).click();
        const change = page.getByRole('dialog', { name: 'Before and after' });
        const status = change.locator('tr[data-path="status"]');
        await see(status);
        await expect(status.getAttribute('class')).resolves.toBe('diff-changed');
        await expect(status.locator('.diff-before').textContent()).resolves.toBe('"draft"');
        await expect(status.locator('.diff-after').textContent()).resolves.toBe('"scheduled"');
        await screenshot(page, '51-audit-before-after', false);
        await change.getByRole('button', { name: 'Close' }).click();

        await page.getByLabel('Action').fill('segments.create');
        await page.getByRole('button', { name: 'Filter' }).click();
        await see(page.getByRole('link', { name: 'Clear filters' }));
        await expect(log.getByRole('row').filter({ hasText: 'broadcasts.send' }).count()).resolves.toBe(0);
        await see(log.getByRole('row').filter({ hasText: 'segments.create' }));

        // The same pages in Chinese.
        await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: '中文' }).click();
        await page.getByRole('link', { name: '分眾' }).click();
        await see(page.getByRole('table', { name: '分眾' }).getByRole('row').filter({ hasText: 'LINE followers' }).getByText('頻道：LINE'));
        await screenshot(page, '52-segments-zh');
        await page.goto(`${baseUrl}/admin/#/broadcasts/${(await platform!.repositories.broadcasts.list(1))[0]!.id}`);
        await see(page.locator('.progress-status', { hasText: '傳送完成' }));
        await screenshot(page, '53-broadcast-zh');
        expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
});
