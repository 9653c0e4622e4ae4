import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { consoleArtifactsDir, phone, see, seeTimeoutMs, startBrowserStage, visit, wideLaptop, type BrowserStage, type Device, type Visit } from '../support/browser';
import { testAdminTokens, type TestPlatform } from '../support/platform';

/**
 * The "done when": a marketer changes the check-in wording in the console's form view,
 * trips over a YAML mistake shown on its line, fixes it, tries the draft in the embedded preview,
 * publishes, sees a customer on the real web chat get the new wording, and rolls it back.
 */

const timeoutMs = 90_000;
const artifactsDir = consoleArtifactsDir;
const laptop = wideLaptop;
const shippedWording = '✅ 簽到成功！';
const newWording = '🌟 簽到完成，謝謝你今天也來！+{points} 點，目前共 {balance} 點。';

let stage: BrowserStage | undefined;
let platform: TestPlatform | undefined;
let browser: Browser | undefined;
let baseUrl = '';

beforeAll(async () => {
  stage = await startBrowserStage();
  ({ platform, browser, baseUrl } = stage);
}, timeoutMs);

afterAll(() => stage?.close(), timeoutMs);

// A 400 the editor shows inline (a validation error) is logged by Chromium as a failed resource; it is expected here.
function open(url: string, device: Device, locale: 'en' | 'zh-TW'): Promise<Visit> {
  return visit(stage, url, { device, locale, expectedConsoleErrors: /400/ });
}

async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.locator('.spinner, .preview-typing').first().waitFor({ state: 'detached', timeout: seeTimeoutMs });
  // A sticky top bar would be drawn where the page was scrolled to.
  if (options.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: options.fullPage ?? false });
}

/** A member joining on the web chat in Chinese; `chat` is the log to read, `say` types into the page's composer. */
async function joinInChat(scope: Locator, say: (text: string) => Promise<void>, tap: (name: string) => Promise<void>): Promise<void> {
  await see(scope.getByText('歡迎加入會員！'));
  await tap('同意並加入');
  await see(scope.getByText('請問怎麼稱呼你？'));
  await say('林小美');
  await see(scope.getByText('謝謝 林小美！請輸入你的手機號碼'));
  await say('0912345678');
  await see(scope.getByText('最後，你的生日是？'));
  await tap('略過');
  await see(scope.getByText('🎉 歡迎加入，林小美！'));
}

describe('flows and templates in the console', () => {
  test(
    'a marketer rewords the check-in reply, previews it, publishes it to the web chat and rolls it back',
    async () => {
      const consoleVisit = await open('/admin/', laptop, 'en');
      const { page } = consoleVisit;
      let customer: Visit | undefined;
      try {
        await page.getByLabel('Admin token').fill(testAdminTokens.marketer);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await see(page.locator('.topbar .role', { hasText: 'Marketer' }));

        await page.getByRole('link', { name: 'Flows & templates' }).click();
        await see(page.getByRole('heading', { name: 'Flows & templates', level: 1 }));
        await screenshot(page, '20-content-list', { fullPage: true });
        await page.getByRole('link', { name: 'checkin', exact: true }).click();
        await see(page.getByRole('heading', { name: 'checkin', level: 1 }));

        // The wording form: the Chinese text of checkin.awarded, as a plain field.
        const awarded = page.locator('fieldset', { has: page.locator('legend', { hasText: /^checkin\.awarded$/ }) });
        const chineseText = awarded.locator('[lang="zh-Hant-TW"]').getByLabel('Message');
        await expect(chineseText.inputValue()).resolves.toContain(shippedWording);
        await chineseText.fill(newWording);
        await screenshot(page, '21-content-form');
        await page.getByRole('button', { name: 'Save draft' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'Draft saved' }));
        await see(page.getByText('Unpublished draft'));

        // A YAML mistake: an unclosed quote, shown on its own line and in the list.
        await page.getByRole('tab', { name: 'YAML · 中文' }).click();
        const yaml = page.getByLabel('YAML (中文)');
        const saved = await yaml.inputValue();
        expect(saved).toContain('🌟 簽到完成');
        const lines = saved.split('\n');
        const brokenLine = lines.findIndex((line) => line.includes('🌟 簽到完成')) + 1;
        // The colon after `text` forgotten: the parser names this very line.
        lines[brokenLine - 1] = lines[brokenLine - 1]!.replace('text:', 'text');
        await yaml.fill(lines.join('\n'));
        await page.getByRole('button', { name: 'Save draft' }).click();
        const mark = await see(page.locator('.yaml-mark').first());
        await expect(mark.textContent()).resolves.toContain('Implicit keys need to be on a single line');
        await see(page.getByRole('alert').filter({ hasText: `templates/zh-TW/checkin.yaml (draft) · line ${brokenLine}, column 3 — not valid YAML` }));
        await expect(page.locator('.yaml-line-error').allTextContents()).resolves.toEqual([String(brokenLine)]);
        await screenshot(page, '22-content-yaml-error');

        await yaml.fill(saved);
        await page.getByRole('button', { name: 'Save draft' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'Draft saved' }));
        expect(await page.locator('.yaml-mark').count()).toBe(0);

        // The embedded preview chats on the draft: join as the sandbox member, check in, see the new wording.
        const preview = page.getByRole('region', { name: 'Preview' });
        await preview.getByLabel('Preview language').selectOption('zh-TW');
        const previewLog = preview.getByRole('log');
        const previewSay = async (text: string) => {
          await preview.getByLabel('Message').fill(text);
          await preview.getByRole('button', { name: 'Send' }).click();
        };
        const previewTap = async (name: string) => (await see(previewLog.getByRole('button', { name, exact: true }))).click();
        await previewTap('Check in');
        await see(previewLog.getByText('這個功能限會員使用'));
        await previewTap('加入會員');
        await joinInChat(previewLog, previewSay, previewTap);
        await previewSay('簽到');
        await see(previewLog.getByText('🌟 簽到完成，謝謝你今天也來！+10 點'));
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, '23-content-preview');

        // Publishing asks first, showing what changes.
        await page.getByRole('button', { name: 'Publish', exact: true }).click();
        const dialog = await see(page.getByRole('dialog', { name: 'Publish "checkin"?' }));
        await see(dialog.locator('.diff-add', { hasText: '🌟 簽到完成' }));
        await screenshot(page, '24-content-publish-confirm');
        await dialog.getByRole('button', { name: 'Publish' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'Published as v1' }));

        // A customer on the real web chat, in another browser, gets the new wording.
        customer = await open('/chat', phone, 'zh-TW');
        const chat = customer.page;
        const chatSay = async (text: string) => {
          await chat.getByRole('textbox').fill(text);
          await chat.getByRole('textbox').press('Enter');
        };
        const chatTap = async (name: string) => (await see(chat.getByRole('button', { name, exact: true }))).tap();
        await joinInChat(chat.getByRole('log'), chatSay, chatTap);
        await chatSay('簽到');
        await see(chat.getByText('🌟 簽到完成，謝謝你今天也來！+10 點'));
        await chat.locator('#typing').waitFor({ state: 'hidden', timeout: seeTimeoutMs });
        await chat.screenshot({ path: path.join(artifactsDir, '25-web-chat-new-wording.png') });

        // The versions: compare the shipped file with what is live, then roll back to it.
        const shippedRow = page.getByRole('row', { name: /v0/ });
        await shippedRow.getByRole('button', { name: 'Compare v0 with live' }).click();
        await see(page.locator('.diff-output .diff-remove', { hasText: shippedWording }));
        await see(page.locator('.diff-output .diff-add', { hasText: '🌟 簽到完成' }));
        await page.locator('.diff-output').scrollIntoViewIfNeeded();
        await screenshot(page, '26-content-versions-diff');
        await shippedRow.getByRole('button', { name: 'Roll back to v0' }).click();
        const rollback = await see(page.getByRole('dialog', { name: 'Roll back to v0?' }));
        await rollback.getByRole('button', { name: 'Roll back' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'v2 holds the content of v0' }));
        await see(page.getByRole('row', { name: /v2/ }).getByText('Live', { exact: true }));

        // The next day, the same customer's check-in says the shipped wording again.
        platform!.clock.set(platform!.clock.now().plus({ days: 1 }).toISO()!);
        await chatSay('簽到');
        await see(chat.getByText(`${shippedWording}+10 點`));
        await chat.locator('#typing').waitFor({ state: 'hidden', timeout: seeTimeoutMs });
        await chat.screenshot({ path: path.join(artifactsDir, '27-web-chat-rolled-back.png') });

        expect(consoleVisit.problems).toEqual([]);
        expect(customer.problems).toEqual([]);
      } catch (error) {
        // What the pages showed when it failed, for whoever reads the CI log.
        await page.screenshot({ path: path.join(artifactsDir, 'failed-content-console.png') }).catch(() => undefined);
        await customer?.page.screenshot({ path: path.join(artifactsDir, 'failed-content-web-chat.png') }).catch(() => undefined);
        throw error;
      } finally {
        await customer?.context.close();
        await consoleVisit.context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a marketer sets an earn multiplier, dry-runs the rules and publishes them recalculating now',
    async () => {
      const { context, page, problems } = await open('/admin/', laptop, 'en');
      try {
        await page.getByLabel('Admin token').fill(testAdminTokens.marketer);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await see(page.locator('.topbar .role', { hasText: 'Marketer' }));
        await page.getByRole('link', { name: 'Tier rules' }).click();
        const gold = page.locator('.tier-table tbody tr').nth(2);
        const multiplier = gold.getByLabel('Earn multiplier (1–10)');
        await expect(multiplier.inputValue()).resolves.toBe('1.5');

        await multiplier.fill('12');
        await page.getByRole('button', { name: 'Dry run this draft' }).click();
        await see(gold.locator('.field-error'));
        await multiplier.fill('1.75');
        await page.getByRole('button', { name: 'Dry run this draft' }).click();
        await see(page.getByRole('region', { name: 'Dry run result' }));

        await page.getByRole('button', { name: 'Publish rules' }).click();
        const question = await see(page.getByRole('dialog', { name: 'When should members move?' }));
        await screenshot(page, '28-tier-rules-when');
        await question.getByRole('button', { name: 'Recalculate now' }).click();
        await see(page.getByRole('alert').filter({ hasText: 'Published and recalculated' }));
        await see(page.getByRole('region', { name: 'Recalculation result' }));
        await screenshot(page, '29-tier-rules-recalculated', { fullPage: true });
        expect((await platform!.repositories.tierRules.current()).tiers[2]).toMatchObject({ id: 'gold', earnMultiplier: 1.75 });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
});
