import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signUp } from '../../src/loyalty/members/sign-up';
import { adjustPoints } from '../../src/loyalty/points/adjust-points';
import { programmeRulesFrom } from '../../src/loyalty/programme';
import { redeemReward } from '../../src/loyalty/rewards/redeem-reward';
import type { MissionId } from '../../src/loyalty/missions/mission';
import type { MemberId } from '../../src/shared/ids';
import { consoleArtifactsDir, laptop, phone, see, seeTimeoutMs, signInToConsole, startBrowserStage, visit, type BrowserStage, type Device, type Visit } from '../support/browser';
import { conversationWith } from '../support/conversation';
import { testAdminTokens, type TestPlatform } from '../support/platform';

/**
 * The marketers' console in a real Chromium against the real platform: sign in, find a member,
 * adjust points, create a reward through a validation error, edit tier rules and dry-run them,
 * print point codes, and markup in marketer-edited names shown as text.
 */

const timeoutMs = 60_000;
const artifactsDir = consoleArtifactsDir;

let stage: BrowserStage | undefined;
let platform: TestPlatform | undefined;
let browser: Browser | undefined;
let baseUrl = '';

beforeAll(async () => {
  stage = await startBrowserStage();
  ({ platform, browser, baseUrl } = stage);
}, timeoutMs);

afterAll(() => stage?.close(), timeoutMs);

function openConsole(options: { locale?: 'en' | 'zh-TW'; device?: Device } = {}): Promise<Visit> {
  return visit(stage, '/admin/', { locale: options.locale ?? 'en', device: options.device ?? laptop });
}

function signIn(page: Page, role: keyof typeof testAdminTokens, label = { admin: 'Admin', marketer: 'Marketer', viewer: 'Viewer' }[role]) {
  return signInToConsole(page, testAdminTokens[role], label);
}

async function screenshot(page: Page, name: string): Promise<void> {
  // No spinner or toast mid-animation in the picture.
  await page.locator('.spinner').waitFor({ state: 'detached', timeout: seeTimeoutMs });
  // A sticky top bar would be drawn where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
}

async function memberOnLine(name: string, lineUserId: string): Promise<string> {
  const repositories = platform!.repositories;
  const identityKey = `line:${lineUserId}`;
  const now = platform!.clock.now().toJSDate();
  await repositories.identities.touch(identityKey, { channel: 'line', channelUserId: lineUserId }, now);
  const outcome = await signUp(
    { members: repositories.members, identities: repositories.identities, startingTier: 'member' },
    { identityKey, channel: 'line', channelUserId: lineUserId, name, mobile: '0912345678', birthday: null, locale: 'zh-TW', termsVersion: '1', now, runId: `seed-${lineUserId}`, welcome: { signupBonus: 0, referralBonus: 0 } },
  );
  return outcome.memberId;
}

async function givePoints(memberId: string, points: number): Promise<void> {
  const outcome = await adjustPoints(
    { members: platform!.repositories.members, ledger: platform!.repositories.ledger, earning: programmeRulesFrom(platform!.config).earning },
    { memberId: memberId as MemberId, points, reason: 'seed', idempotencyKey: `seed-${memberId}-${points}`, now: platform!.clock.now() },
  );
  if (outcome.kind !== 'applied') throw new Error(`expected the seed points applied, got ${outcome.kind}`);
}

function uniqueLineId(): string {
  return `U${Math.random().toString(16).slice(2).padEnd(32, '0')}`;
}

describe('the console in a real browser', () => {
  test(
    'an admin signs in, finds a member by LINE id and adjusts their points',
    async () => {
      const lineUserId = uniqueLineId();
      const memberId = await memberOnLine('王小明', lineUserId);
      const { context, page, problems } = await openConsole({ locale: 'zh-TW' });
      try {
        await see(page.getByRole('heading', { name: '會員後台' }));
        await screenshot(page, '01-login');

        await page.getByLabel('管理權杖').fill('not-a-real-token-000000');
        await page.getByRole('button', { name: '登入' }).click();
        await see(page.getByRole('alert').filter({ hasText: '權杖不正確' }));

        await signIn(page, 'admin', '管理員');
        await page.getByRole('group', { name: '語言' }).getByRole('button', { name: 'English' }).click();
        // The dashboard is the landing page; staff at the counter go on to Members.
        await see(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
        await page.getByRole('link', { name: 'Members', exact: true }).click();
        await see(page.getByRole('heading', { name: 'Members', level: 1 }));
        await expect(page.evaluate(() => document.cookie)).resolves.toBe('');

        await page.getByLabel('Channel').selectOption('line');
        await page.getByRole('searchbox').fill(lineUserId);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await see(page.getByRole('link', { name: '王小明' }));
        await screenshot(page, '01b-member-search');
        await page.getByRole('link', { name: '王小明' }).click();
        await see(page.getByRole('heading', { name: '王小明', level: 1 }));
        await screenshot(page, '02-member');

        const adjust = page.getByRole('form', { name: 'Adjust points' });
        await adjust.getByLabel('Points').fill('0');
        await adjust.getByLabel('Reason').fill('Store purchase');
        await adjust.getByRole('button', { name: 'Adjust' }).click();
        // The API's `points: must not be 0` appears under the points field, not in a generic banner only.
        await see(adjust.locator('[data-field-for="points"] .field-error', { hasText: 'must not be 0' }));
        await expect(adjust.getByLabel('Points').getAttribute('aria-invalid')).resolves.toBe('true');
        await screenshot(page, '03-adjust-error');

        await adjust.getByLabel('Points').fill('150');
        await adjust.getByRole('button', { name: 'Adjust' }).click();
        await see(adjust.getByText('Adjusted by +150 points; the balance is now 150.'));
        await see(page.locator('[data-testid="balance"]', { hasText: /^150$/ }));
        await see(page.getByRole('table', { name: 'Ledger' }).getByRole('row').filter({ hasText: 'Store purchase' }));
        await screenshot(page, '04-adjusted');

        const member = await platform!.repositories.members.findById(memberId);
        expect(member?.points).toBe(150);
        expect((await platform!.repositories.ledger.recent(memberId as MemberId, 10)).filter((entry) => entry.reason === 'adjustment')).toHaveLength(1);
        expect(problems.filter((problem) => !problem.includes('401') && !problem.includes('400'))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a marketer creates a reward after fixing the fields the API names, and cannot adjust points',
    async () => {
      const memberId = await memberOnLine('林小華', uniqueLineId());
      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'marketer');
        await page.getByRole('link', { name: 'Rewards' }).click();
        await (await see(page.getByRole('link', { name: 'New reward' }))).click();

        const form = page.getByRole('form', { name: 'Reward details' });
        await form.getByLabel('Name (中文)').fill('期間限定拿鐵');
        await form.getByLabel('Name (English)').fill('Seasonal latte');
        await form.getByLabel('Cost in points').fill('0');
        await form.getByLabel('Stock', { exact: true }).fill('20');
        await form.getByLabel('Image URL').fill('http://example.com/latte.png');
        await form.getByRole('button', { name: 'Create reward' }).click();
        await see(form.locator('[data-field-for="cost"] .field-error'));
        await see(form.locator('[data-field-for="imageUrl"] .field-error', { hasText: 'https' }));
        await screenshot(page, '05-reward-errors');

        await form.getByLabel('Cost in points').fill('120');
        await form.getByLabel('Image URL').fill('');
        await form.getByRole('button', { name: 'Create reward' }).click();
        await see(page.getByRole('heading', { name: 'Rewards', level: 1 }));
        const row = await see(page.getByRole('table', { name: 'Rewards' }).getByRole('row').filter({ hasText: 'Seasonal latte' }));
        await see(row.getByRole('cell', { name: '120', exact: true }));
        await screenshot(page, '06-rewards');

        // A coupon pool from a CSV with a header line and a duplicate: the pool turns on with the distinct codes.
        await row.getByRole('link', { name: 'Seasonal latte' }).click();
        const pool = await see(page.getByRole('form', { name: 'Coupon code pool' }));
        await pool.getByLabel('CSV file').setInputFiles({ name: 'codes.csv', mimeType: 'text/csv', buffer: Buffer.from('code\nLATTE-001\nLATTE-002,extra\n"LATTE-003"\nLATTE-001\n') });
        await pool.getByRole('button', { name: 'Upload' }).click();
        await see(pool.getByText('Added 3; 1 duplicates skipped.'));
        const reward = (await platform!.repositories.rewards.page({ limit: 100 })).rewards.find((candidate) => candidate.name.en === 'Seasonal latte');
        expect(reward?.usesCouponPool).toBe(true);
        expect(await platform!.repositories.rewards.couponCodeCounts(reward!.id)).toEqual({ total: 3, available: 3 });
        await screenshot(page, '06b-coupon-pool');

        // The marketer role may not change balances: the form is not offered (the API would answer 403).
        await page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(page.getByText("Only admins can adjust a member's points."));
        expect(await page.getByRole('form', { name: 'Adjust points' }).count()).toBe(0);
        expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'an admin edits tier rules, sees a broken threshold named inline, dry-runs the draft and publishes',
    async () => {
      const memberId = await memberOnLine('陳大文', uniqueLineId());
      await givePoints(memberId, 300);
      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'admin');
        await page.getByRole('link', { name: 'Tier rules' }).click();
        await see(page.getByRole('heading', { name: 'Tier rules', level: 1 }));
        const silver = page.locator('.tier-table tbody tr').nth(1);
        await silver.getByLabel('Entry threshold').fill('200');
        await silver.getByLabel('Retain threshold').fill('250');
        await page.getByRole('button', { name: 'Dry run this draft' }).click();
        await see(silver.locator('.field-error', { hasText: 'retainThreshold must be at most entryThreshold' }));
        await screenshot(page, '07-tier-rules-error');

        await silver.getByLabel('Retain threshold').fill('150');
        await page.getByRole('button', { name: 'Dry run this draft' }).click();
        const report = await see(page.getByRole('region', { name: 'Dry run result' }));
        expect(Number(await report.locator('[data-testid="upgrades"]').textContent())).toBeGreaterThanOrEqual(1);
        await see(report.getByRole('link', { name: memberId }));
        await screenshot(page, '08-dry-run');
        expect((await platform!.repositories.members.findById(memberId))?.tier).toBe('member');

        await page.getByRole('button', { name: 'Publish rules' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'At the next nightly run' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'Published' }));
        expect((await platform!.repositories.tierRules.current()).tiers[1]).toMatchObject({ entryThreshold: 200, retainThreshold: 150 });
        expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'markup in a reward name and a member name is shown as text and never runs',
    async () => {
      const markup = '<img src=x onerror=alert(1)>';
      const created = await fetch(`${baseUrl}/admin/api/rewards`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${testAdminTokens.marketer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: { 'zh-TW': markup, en: markup }, description: { en: '<script>alert(2)</script>' }, cost: 10, id: 'xss-probe' }),
      });
      expect(created.status).toBe(201);
      const memberId = await memberOnLine(`<b onmouseover=alert(3)>${markup}</b>`, uniqueLineId());
      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'viewer');
        await page.getByRole('link', { name: 'Rewards' }).click();
        await see(page.getByRole('link', { name: markup, exact: true }));
        expect(await page.locator('main img, main script').count()).toBe(0);
        await page.getByRole('link', { name: markup, exact: true }).click();
        await see(page.getByRole('heading', { name: markup, level: 1 }));
        await expect(page.getByLabel('Description (English)').inputValue()).resolves.toBe('<script>alert(2)</script>');
        await screenshot(page, '09-markup-as-text');

        await page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(page.getByRole('heading', { name: `<b onmouseover=alert(3)>${markup}</b>`, level: 1 }));
        expect(await page.locator('main img, main b').count()).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    "a member's choice about promotions and their consent history show on the member page",
    async () => {
      const lineUserId = uniqueLineId();
      const memberId = await memberOnLine('陳美玲', lineUserId);
      const chat = conversationWith(platform!, { channel: 'line', userId: lineUserId, locale: 'zh-TW' });
      await chat.says('停止推播');
      expect(chat.replyTexts()[0]).toMatch(/^好的，已停止傳送優惠推播/);

      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'viewer');
        await page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(page.getByRole('heading', { name: '陳美玲', level: 1 }));
        await see(page.locator('[data-testid="promotions"]', { hasText: 'Stopped' }));
        const consents = page.getByRole('table', { name: 'Consent history' });
        // Newest first: the withdrawal, then what signup recorded.
        await expect(consents.locator('tbody tr').allInnerTexts()).resolves.toEqual([
          expect.stringMatching(/Promotions\s+Withdrawn\s+.+\s+2026-11\s+LINE/),
          expect.stringMatching(/Privacy notice\s+Given\s+.+\s+1\s+LINE/),
          expect.stringMatching(/Terms\s+Given\s+.+\s+1\s+LINE/),
        ]);
        await screenshot(page, '17-member-promotions-stopped');

        await chat.says('恢復推播');
        await page.reload();
        await see(page.locator('[data-testid="promotions"]', { hasText: 'Receives them' }));
        await expect(consents.locator('tbody tr').count()).resolves.toBe(4);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }

      const zh = await openConsole({ locale: 'zh-TW', device: phone });
      try {
        await chat.says('停止推播');
        await signIn(zh.page, 'viewer', '檢視者');
        await zh.page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(zh.page.locator('[data-testid="promotions"]', { hasText: '已停止' }));
        await see(zh.page.getByRole('table', { name: '同意紀錄' }).locator('tbody tr').first().getByText('撤回'));
        await screenshot(zh.page, '18-member-promotions-zh-phone');
        expect(zh.problems).toEqual([]);
      } finally {
        await zh.context.close();
      }
    },
    timeoutMs,
  );

  test(
    'staff stop a member\'s promotions after a phone call, with a reason and a confirmation; resuming them is for an admin',
    async () => {
      const memberId = await memberOnLine('黃小芳', uniqueLineId());
      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'marketer');
        await page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(page.locator('[data-testid="promotions"]', { hasText: 'Receives them since joining' }));
        const form = page.getByRole('form', { name: 'Change promotions for the member' });
        await form.getByRole('button', { name: 'Stop promotions' }).click();
        await see(form.locator('[data-field-for="reason"] .field-error', { hasText: 'Say why' }));

        await form.getByLabel('Reason').fill('Phoned the Xinyi store');
        await form.getByRole('button', { name: 'Stop promotions' }).click();
        const dialog = await see(page.getByRole('dialog', { name: 'Stop promotions for "黃小芳"?' }));
        await see(dialog.getByText('"黃小芳" will get no more broadcasts'));
        await screenshot(page, '18b-member-stop-promotions-dialog');
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        expect((await platform!.repositories.members.findById(memberId))!.consents.filter((consent) => consent.kind === 'marketing')).toEqual([]);

        await form.getByRole('button', { name: 'Stop promotions' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Stop promotions' }).click();
        await see(page.locator('[data-testid="promotions"]', { hasText: /Stopped since .+ \(Staff, on their behalf\)/ }));
        // Replaced in the same step as the status above.
        await expect(page.getByRole('table', { name: 'Consent history' }).locator('tbody tr').first().innerText()).resolves.toMatch(/Promotions\s+Withdrawn\s+.+Staff, on their behalf/);
        // A marketer may honour the objection, not undo it.
        await see(page.getByText('Only an admin can resume them'));
        expect(await page.getByRole('button', { name: 'Resume promotions' }).count()).toBe(0);
        await screenshot(page, '18c-member-promotions-stopped-by-staff');

        const member = await platform!.repositories.members.findById(memberId);
        expect(member!.consents.at(-1)).toMatchObject({ kind: 'marketing', status: 'withdrawn', channel: 'staff' });
        const [entry] = await platform!.repositories.audit.list({ limit: 1, resource: `member:${memberId}` });
        expect(entry).toMatchObject({ action: 'members.recordMarketingChoice', role: 'marketer', after: { reason: 'Phoned the Xinyi store' } });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }

      const zh = await openConsole({ locale: 'zh-TW', device: phone });
      try {
        await signIn(zh.page, 'admin', '管理員');
        await zh.page.goto(`${baseUrl}/admin/#/members/${memberId}`);
        await see(zh.page.locator('[data-testid="promotions"]', { hasText: '人員代為登記' }));
        const form = zh.page.getByRole('form', { name: '代會員變更優惠推播' });
        await form.getByLabel('原因').fill('會員來電要求恢復');
        await form.getByRole('button', { name: '恢復推播' }).tap();
        await zh.page.getByRole('dialog', { name: '要為「黃小芳」恢復優惠推播嗎？' }).getByRole('button', { name: '恢復推播' }).tap();
        await see(zh.page.locator('[data-testid="promotions"]', { hasText: '接收中' }));
        await see(form.getByRole('button', { name: '停止推播' }));
        await screenshot(zh.page, '18d-member-promotions-resumed-zh-phone');
        expect((await platform!.repositories.members.findById(memberId))!.consents.at(-1)).toMatchObject({ status: 'given', channel: 'staff' });
        expect(zh.problems).toEqual([]);
      } finally {
        await zh.context.close();
      }

      // A CRM import's choice shows where it came from.
      const imported = await fetch(`${baseUrl}/admin/api/members`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${testAdminTokens.admin}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ externalId: `crm-console-${memberId}`, displayName: '周杰', phone: '0912345679', marketing: 'withdrawn', marketingAt: '2026-10-01T09:00:00+08:00' }),
      });
      const importedId = ((await imported.json()) as { results: { memberId: string }[] }).results[0]!.memberId;
      const viewer = await openConsole();
      try {
        await signIn(viewer.page, 'viewer');
        await viewer.page.goto(`${baseUrl}/admin/#/members/${importedId}`);
        await see(viewer.page.locator('[data-testid="promotions"]', { hasText: /Stopped since .+ \(CRM import\)/ }));
        expect(await viewer.page.getByRole('form', { name: 'Change promotions for the member' }).count()).toBe(0);
        await screenshot(viewer.page, '18e-member-promotions-crm-import');
        expect(viewer.problems).toEqual([]);
      } finally {
        await viewer.context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a marketer creates a batch of point codes and opens its QR sheet, on a phone',
    async () => {
      const { context, page, problems } = await openConsole({ device: phone });
      try {
        await signIn(page, 'marketer');
        await page.getByRole('button', { name: 'Menu' }).tap();
        await (await see(page.getByRole('link', { name: 'Point codes' }))).tap();
        const form = page.getByRole('form', { name: 'Create point codes' });
        await form.getByLabel('Points per use').fill('30');
        await form.getByLabel('How many codes').fill('3');
        await form.getByLabel('Uses in total').fill('100');
        await form.getByLabel('Expires').fill('2027-01-31T23:59');
        await form.getByLabel('Store').fill('信義店');
        await form.getByRole('button', { name: 'Create' }).tap();
        await see(form.getByText('Created 3 codes.'));
        const created = (await form.locator('.code-list code').allTextContents()).sort();
        expect(created).toHaveLength(3);
        const listed = page.getByRole('table', { name: 'All point codes' });
        for (const code of created) await see(listed.getByRole('cell', { name: code, exact: true }));
        await screenshot(page, '10-point-codes-phone');

        await form.getByRole('link', { name: 'Print this batch' }).tap();
        const cards = page.locator('.qr-card');
        await see(cards.nth(2));
        // Each QR image comes through the API with the bearer token and has really decoded.
        await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img.qr')).every((image) => image.complete && image.naturalWidth > 0), null, {
          timeout: seeTimeoutMs,
        });
        await see(cards.first().getByText('Scan for 30 points'));
        await screenshot(page, '11-qr-sheet-phone');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
  test(
    'staff look a voucher up in Chinese, fulfil it, and cancel another with a refund',
    async () => {
      const memberId = await memberOnLine('張美玲', uniqueLineId());
      await givePoints(memberId, 500);
      const vouchers: string[] = [];
      for (const flowRunId of ['first', 'second']) {
        const outcome = await redeemReward(
          { ...platform!.repositories, rules: programmeRulesFrom(platform!.config) },
          { memberId: memberId as MemberId, rewardId: 'coffee', flowRunId: `${memberId}-${flowRunId}`, locale: 'zh-TW', now: platform!.clock.now() },
        );
        if (outcome.kind !== 'redeemed') throw new Error(`expected redeemed, got ${outcome.kind}`);
        vouchers.push(outcome.redemption.id);
      }
      const { context, page, problems } = await openConsole({ locale: 'zh-TW' });
      try {
        await signIn(page, 'admin', '管理員');
        await page.getByRole('link', { name: '兌換紀錄' }).click();
        await page.getByLabel('兌換碼').fill(vouchers[0]!.toLowerCase());
        await page.getByRole('button', { name: '顯示' }).click();
        const row = await see(page.getByRole('row').filter({ hasText: vouchers[0]! }));
        await see(row.getByText('待使用'));
        await screenshot(page, '12-voucher-lookup-zh');
        await row.getByRole('button', { name: '核銷' }).click();
        await see(page.getByRole('row').filter({ hasText: vouchers[0]! }).getByText('已使用'));

        await page.goto(`${baseUrl}/admin/#/redemptions?code=${vouchers[1]}`);
        const second = await see(page.getByRole('row').filter({ hasText: vouchers[1]! }));
        await second.getByRole('button', { name: '取消並退點' }).click();
        await second.getByRole('button', { name: '確定取消？' }).click();
        await see(page.getByRole('row').filter({ hasText: vouchers[1]! }).getByText('已取消'));
        await screenshot(page, '13-voucher-cancelled-zh');

        expect((await platform!.repositories.redemptions.findById(vouchers[0]!))?.status).toBe('fulfilled');
        expect((await platform!.repositories.redemptions.findById(vouchers[1]!))?.status).toBe('cancelled');
        expect((await platform!.repositories.members.findById(memberId))?.points).toBe(400);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
  test(
    'a marketer schedules a mission after the API points at the end date, then opens the dashboard',
    async () => {
      const { context, page, problems } = await openConsole();
      try {
        await signIn(page, 'marketer');
        await page.getByRole('link', { name: 'Missions' }).click();
        const form = await see(page.getByRole('form', { name: 'New mission' }));
        await form.getByLabel('Mission id').fill('december-check-ins');
        await form.getByLabel('Name (中文)').fill('十二月簽到挑戰');
        await form.getByLabel('Name (English)').fill('December check-ins');
        await form.getByLabel('Target').fill('10');
        await form.getByLabel('Points on completion').fill('200');
        await form.getByLabel('Starts').fill('2026-12-31T00:00');
        await form.getByLabel('Ends').fill('2026-12-01T00:00');
        await form.getByRole('button', { name: 'Create mission' }).click();
        await see(form.locator('[data-field-for="endsAt"] .field-error', { hasText: 'endsAt must be after startsAt' }));
        await screenshot(page, '14-mission-error');

        await form.getByLabel('Starts').fill('2026-12-01T00:00');
        await form.getByLabel('Ends').fill('2027-01-01T00:00');
        await form.getByRole('button', { name: 'Create mission' }).click();
        const row = await see(page.getByRole('table', { name: 'Missions' }).getByRole('row').filter({ hasText: 'December check-ins' }));
        await see(row.getByText('Check in on 10 days'));
        const mission = await platform!.repositories.missions.findById('december-check-ins');
        expect(mission?.startsAt.toISOString()).toBe('2026-11-30T16:00:00.000Z');
        await screenshot(page, '15-missions');

        // A programme with more missions than a page: the list pages on, and a mission on the second page is editable.
        for (let index = 0; index < 55; index += 1) {
          const number = String(index).padStart(2, '0');
          await platform!.repositories.missions.create(
            {
              id: `paging-mission-${number}` as MissionId,
              name: { 'zh-TW': `分頁任務 ${number}`, en: `Paging mission ${number}` },
              startsAt: new Date('2026-12-01T00:00:00Z'),
              endsAt: new Date('2027-01-01T00:00:00Z'),
              goal: { kind: 'checkIns', target: 3 },
              rewardPoints: 5,
              active: true,
            },
            new Date(),
          );
        }
        await page.getByRole('link', { name: /Dashboard/ }).click();
        await see(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
        await page.getByRole('navigation').getByRole('link', { name: /Missions/ }).click();
        const missions = page.getByRole('table', { name: 'Missions' });
        await see(missions.getByRole('row').filter({ hasText: 'Paging mission 00' }));
        expect(await missions.getByRole('row').filter({ hasText: 'Paging mission 54' }).count()).toBe(0);
        await page.getByRole('link', { name: 'Next page' }).click();
        const lastRow = await see(missions.getByRole('row').filter({ hasText: 'Paging mission 54' }));
        expect(await missions.getByRole('row').filter({ hasText: 'Paging mission 00' }).count()).toBe(0);
        await lastRow.getByRole('link', { name: 'Edit' }).click();
        await see(page.getByRole('heading', { name: /Paging mission 54/ }));
        await see(page.getByRole('link', { name: 'First page' }));
        await screenshot(page, '15b-missions-second-page');
        // An edit link to a mission that is not on the page shown (kept from another page, or shared) still opens it.
        await page.getByRole('link', { name: 'First page' }).click();
        await see(missions.getByRole('row').filter({ hasText: 'Paging mission 00' }));
        await page.evaluate(() => {
          window.location.hash = '#/missions?edit=paging-mission-53';
        });
        await see(page.getByRole('heading', { name: /Paging mission 53/ }));
        expect(await missions.getByRole('row').filter({ hasText: 'Paging mission 53' }).count()).toBe(0);

        // The dashboard slot is a real page now (test/browser/console-insights.browser.test.ts draws its charts).
        await page.getByRole('link', { name: /Dashboard/ }).click();
        await see(page.getByRole('heading', { name: 'Dashboard', level: 1 }));
        await see(page.getByRole('group', { name: 'Presets' }));
        expect(problems.filter((problem) => !problem.includes('400'))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
});
