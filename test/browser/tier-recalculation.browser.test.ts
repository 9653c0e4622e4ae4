import path from 'node:path';
import type { Page } from 'playwright-core';
import { consoleArtifactsDir, laptop, see, seeTimeoutMs, signInToConsole, startBrowserStage, visit, type BrowserStage } from '../support/browser';
import { testAdminTokens, type TestPlatform } from '../support/platform';

/**
 * "Run now" on the tier rules page runs in the background: the page follows the run and shows a
 * determinate bar (members processed of the total, percentage), then the same report as before.
 * Enough members that the bar is on screen for a while; that its count rises is checked in
 * test/integration/admin-job-runs.test.ts, where the run can be slowed down.
 */

const timeoutMs = 120_000;
const memberCount = 30_000;
/** One member in 50 has earned Gold; the rest stay where they are. */
const goldEvery = 50;

let stage: BrowserStage | undefined;
let platform: TestPlatform | undefined;

beforeAll(async () => {
  stage = await startBrowserStage();
  platform = stage.platform;
  const members = platform.repositories.members.model;
  for (let start = 0; start < memberCount; start += 5000) {
    const docs = Array.from({ length: 5000 }, (_, offset) => {
      const index = start + offset;
      return {
        _id: `progress-member-${String(index).padStart(6, '0')}`,
        signupKey: `web:progress-${index}`,
        name: `Member ${index}`,
        mobile: '0912345678',
        points: 0,
        earnedTotal: 0,
        tier: 'member',
        earnedByMonth: index % goldEvery === 0 ? { '2026-11': 2500 } : {},
      };
    });
    await members.insertMany(docs, { lean: true });
  }
}, timeoutMs);

afterAll(() => stage?.close(), timeoutMs);

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(consoleArtifactsDir, `${name}.png`), fullPage: true });
}

/** Every reading the page puts on a progress bar (its aria-valuetext), kept even after the bar is gone. */
async function recordProgressReadings(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const readings: string[] = [];
    (window as unknown as { progressReadings: string[] }).progressReadings = readings;
    new MutationObserver((records) => {
      for (const record of records) readings.push((record.target as Element).getAttribute('aria-valuetext') ?? '');
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuetext'] });
  });
  return () => page.evaluate(() => (window as unknown as { progressReadings: string[] }).progressReadings);
}

describe('tier rules "run now" in a real browser', () => {
  test(
    'an admin recalculates now, sees members processed of the total on a determinate bar, then the report',
    async () => {
      const { context, page, problems } = await visit(stage, '/admin/', { locale: 'en', device: laptop });
      try {
        await signInToConsole(page, testAdminTokens.admin, 'Admin');
        await page.getByRole('link', { name: 'Tier rules' }).click();
        await see(page.getByRole('heading', { name: 'Tier rules', level: 1 }));
        const readings = await recordProgressReadings(page);

        await page.getByRole('button', { name: 'Publish rules' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Recalculate now' }).click();
        const bar = page.getByRole('progressbar', { name: 'Recalculating every member under the new rules…' });
        await see(bar.locator('.progress-detail').filter({ hasText: /^[\d,]+ \/ 30,000 members\d+%$/ }), 30_000);
        await screenshot(page, '30-tier-rules-recalculating');

        await see(page.getByRole('alert').filter({ hasText: 'Published and recalculated: 600 moved up, 0 moved down.' }), 60_000);
        const report = await see(page.getByRole('region', { name: 'Recalculation result' }));
        expect(await report.locator('[data-testid="upgrades"]').textContent()).toBe('600');
        expect(await report.locator('[data-testid="unchanged"]').textContent()).toBe('29,400');
        await expect(bar.count()).resolves.toBe(0);
        await page.locator('.spinner').waitFor({ state: 'detached', timeout: seeTimeoutMs });
        await screenshot(page, '31-tier-rules-recalculated-report');

        const seen = await readings();
        expect(seen.every((reading) => /^[\d,]+ \/ 30,000 members \(\d+%\)$/.test(reading))).toBe(true);
        const counts = seen.map((reading) => Number(reading.split(' / ')[0]!.replaceAll(',', '')));
        expect(counts).toEqual([...counts].sort((a, b) => a - b));
        expect(seen.at(-1)).toBe('30,000 / 30,000 members (100%)');
        expect((await platform!.repositories.memberTiers.tierOf('progress-member-000000'))!.tier).toBe('gold');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a marketer dry-runs a draft in Chinese: the bar counts members, then the dry-run report',
    async () => {
      const { context, page, problems } = await visit(stage, '/admin/', { locale: 'zh-TW', device: laptop });
      try {
        await signInToConsole(page, testAdminTokens.marketer, '行銷人員');
        await page.getByRole('link', { name: '等級規則' }).click();
        await see(page.getByRole('heading', { name: '等級規則', level: 1 }));
        const readings = await recordProgressReadings(page);
        const gold = page.locator('.tier-table tbody tr').nth(2);
        await gold.getByLabel('升級門檻').fill('3000');
        await gold.getByLabel('保級門檻').fill('2600');

        // The second and third readings of the run fail (a server restarting behind the load balancer): the page
        // rides them out.
        let statusReadings = 0;
        await page.route('**/admin/api/jobs/runs/*', (route) =>
          [1, 2].includes(statusReadings++)
            ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"restarting"}}' })
            : route.continue(),
        );
        await page.getByRole('button', { name: '試算這份草稿' }).click();
        const bar = page.getByRole('progressbar', { name: '正在試算所有會員…' });
        await see(bar.locator('.progress-detail').filter({ hasText: /^已處理 [\d,]+ \/ 30,000 位會員\d+%$/ }), 30_000);
        await screenshot(page, '32-tier-rules-dry-running-zh');

        const report = await see(page.getByRole('region', { name: '試算結果' }), 60_000);
        // Under the draft, the 600 Golds have not earned enough to keep Gold: one tier down, to Silver.
        expect(await report.locator('[data-testid="downgrades"]').textContent()).toBe('600');
        await page.locator('.spinner').waitFor({ state: 'detached', timeout: seeTimeoutMs });
        await screenshot(page, '33-tier-rules-dry-run-report-zh');
        expect((await readings()).at(-1)).toBe('已處理 30,000 / 30,000 位會員 (100%)');
        expect((await platform!.repositories.memberTiers.tierOf('progress-member-000000'))!.tier).toBe('gold');
        // The browser reports the two failed readings it was given; nothing else went wrong.
        const failedReadings = 'console: Failed to load resource: the server responded with a status of 503 (Service Unavailable)';
        expect(problems).toEqual([failedReadings, failedReadings]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
});
