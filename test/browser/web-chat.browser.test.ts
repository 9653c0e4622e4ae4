import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startTestPlatform, testAdminTokens, type TestPlatform } from '../support/platform';

/**
 * A newcomer on a phone, in a real Chromium, against the real platform: join, check in, see the card,
 * switch to English. CI installs the Debian `chromium`, `fonts-noto-cjk` and `fonts-noto-color-emoji` packages.
 */

const timeoutMs = 60_000;
// How long one visible-text assertion may wait; each reply is one local request plus the page's ~350 ms typing pause.
const seeTimeoutMs = 10_000;
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifactsDir = path.join(__dirname, '..', '..', 'test-artifacts');
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;

let platform: TestPlatform | undefined;
let server: Server | undefined;
let browser: Browser | undefined;
let baseUrl = '';

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}. Install it (Debian: apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji) ` +
        'or set CHROMIUM_PATH to a Chromium/Chrome executable. The browser test does not skip without it.',
    );
  }
  mkdirSync(artifactsDir, { recursive: true });
  platform = await startTestPlatform();
  const app = platform.app;
  server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  } catch (error) {
    throw new Error(`Could not launch Chromium at ${chromiumPath} (set CHROMIUM_PATH to another executable): ${String(error)}`);
  }
}, timeoutMs);

afterAll(async () => {
  await browser?.close();
  if (server) {
    const listening = server;
    listening.closeAllConnections();
    await new Promise<void>((resolve) => listening.close(() => resolve()));
  }
  await platform?.close();
}, timeoutMs);

/** A fresh visitor: no cookies, a phone screen, and a record of anything that should never happen. */
async function openChat(query = ''): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; pageErrors: string[] }> {
  if (!browser) throw new Error('Chromium did not start (see beforeAll)');
  const context = await browser.newContext({ ...phone, locale: 'zh-TW', timezoneId: 'Asia/Taipei', reducedMotion: 'reduce' });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${baseUrl}/chat${query}`);
  return { context, page, dialogs, pageErrors };
}

/** Waits (without a fixed sleep) until the locator is visible; fails naming the locator if it never is. */
async function see(locator: Locator): Promise<Locator> {
  await locator.waitFor({ state: 'visible', timeout: seeTimeoutMs });
  return locator;
}

async function say(page: Page, text: string): Promise<void> {
  const input = page.getByRole('textbox');
  await input.fill(text);
  await input.press('Enter');
}

/** A tap on a button the bot offered (a quick-reply chip or a card action), once it has appeared. */
async function tap(page: Page, name: string): Promise<void> {
  await (await see(page.getByRole('button', { name, exact: true }))).tap();
}

/** Waits for the bot to finish answering, so a screenshot shows the whole reply rather than the typing dots. */
async function settled(page: Page): Promise<void> {
  await page.locator('#typing').waitFor({ state: 'hidden', timeout: seeTimeoutMs });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await settled(page);
  await page.screenshot({ path: path.join(artifactsDir, `web-chat-${name}.png`) });
}

function cards(page: Page): Locator {
  return page.getByRole('log').getByRole('article');
}

/** The value next to a label in a membership card, e.g. 點數 → "10 點". */
function cardField(card: Locator, label: string): Locator {
  return card.locator('.card-field').filter({ has: card.page().getByRole('term').filter({ hasText: label }) }).getByRole('definition');
}

async function joinAs(page: Page, name: string, mobile: string): Promise<void> {
  await see(page.getByText('歡迎加入會員！'));
  await tap(page, '同意並加入');
  await see(page.getByText('請問怎麼稱呼你？'));
  await say(page, name);
  await see(page.getByText(`謝謝 ${name}！請輸入你的手機號碼`));
  await say(page, mobile);
  await see(page.getByText('最後，你的生日是？'));
  await tap(page, '略過');
}

describe('web chat in a real browser', () => {
  test(
    'a newcomer joins, checks in, sees the card grow, and switches to English',
    async () => {
      const { context, page, dialogs, pageErrors } = await openChat();
      try {
        // The page greets a first-time visitor with the consent question and its two choices.
        await see(page.getByText('歡迎加入會員！🎉'));
        await see(page.getByRole('button', { name: '同意並加入', exact: true }));
        await see(page.getByRole('button', { name: '不同意', exact: true }));
        await screenshot(page, '01-consent');

        await tap(page, '同意並加入');
        await see(page.getByText('請問怎麼稱呼你？'));
        await say(page, '王小明');
        await see(page.getByText('謝謝 王小明！請輸入你的手機號碼'));
        await say(page, '0912345678');
        await see(page.getByText('最後，你的生日是？'));
        await screenshot(page, '02-birthday-question');
        await tap(page, '略過');

        // Welcome text, then the membership card with the name in its title and no points yet.
        await see(page.getByText('🎉 歡迎加入，王小明！'));
        const welcomeCard = await see(cards(page).first());
        expect(await welcomeCard.getByRole('heading').textContent()).toContain('王小明');
        await see(cardField(welcomeCard, '點數').filter({ hasText: /^50 點$/ }));
        await screenshot(page, '03-welcome-card');

        await say(page, '簽到');
        const confirmation = await see(page.getByText('✅ 簽到成功！'));
        expect(await confirmation.textContent()).toContain('+10 點');
        await screenshot(page, '04-check-in');

        await tap(page, '會員卡');
        await see(cards(page).nth(1));
        const latestCard = cards(page).last();
        await see(cardField(latestCard, '點數').filter({ hasText: /^60 點$/ }));
        expect(await latestCard.getByRole('heading').textContent()).toContain('王小明');
        await screenshot(page, '05-card-after-check-in');

        // The header toggle switches the page and the bot's replies to English.
        const languages = page.getByRole('group', { name: '語言' });
        await languages.getByRole('button', { name: 'English', exact: true }).tap();
        await see(page.getByText('Switched to English', { exact: true }));
        await see(page.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'English', pressed: true }));
        await see(page.getByRole('textbox', { name: 'Message' }));
        await say(page, 'help');
        await see(page.getByText("Hi! I'm your membership assistant."));
        await see(page.getByRole('button', { name: 'My card', exact: true }));
        await screenshot(page, '06-english-help');

        expect(dialogs).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'text that looks like HTML is shown as literal text and never runs',
    async () => {
      const { context, page, dialogs, pageErrors } = await openChat();
      const markup = '<img src=x onerror=alert(1)>';
      try {
        await joinAs(page, markup, '0987654321');

        const log = page.getByRole('log');
        // The member's own bubble, the bot's echo of the name and the card title all show the characters as typed.
        await see(log.getByText(markup, { exact: true }));
        await see(log.getByText(`謝謝 ${markup}！請輸入你的手機號碼`));
        await see(page.getByText(`🎉 歡迎加入，${markup}！`));
        const card = await see(cards(page).first());
        expect(await card.getByRole('heading').textContent()).toBe(`${markup} 的會員卡`);
        await say(page, '<b>bold?</b>');
        await see(log.getByText('<b>bold?</b>', { exact: true }));
        await see(page.getByText('抱歉，我不太明白'));
        await screenshot(page, '07-html-as-text');

        expect(await log.locator('img, b').count()).toBe(0);
        expect(dialogs).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a member collects points with a store code and redeems a reward for a voucher',
    async () => {
      const created = await fetch(`${baseUrl}/admin/api/point-codes`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${testAdminTokens.marketer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ points: 100, maxUses: 10, expiresAt: '2027-01-31T00:00:00+08:00', storeLabel: '信義店' }),
      });
      expect(created.status).toBe(201);
      const code = ((await created.json()) as { codes: { code: string }[] }).codes[0]!.code;

      const { context, page, dialogs, pageErrors } = await openChat();
      try {
        await joinAs(page, '林小華', '0911222333');
        await see(page.getByText('🎉 歡迎加入，林小華！'));
        await say(page, `集點 ${code.toLowerCase()}`);
        await see(page.getByText('+100 點'));
        await screenshot(page, '08-collect');

        await say(page, '兌換');
        await see(page.getByText('🎁 點數兌換（目前有 150 點）'));
        await screenshot(page, '09-rewards');
        await page.getByRole('button', { name: /中杯美式咖啡/ }).last().tap();
        await see(page.getByText('確定要兌換「中杯美式咖啡」嗎？'));
        await tap(page, '確定兌換');
        const voucher = await see(cards(page).filter({ hasText: '🎉 兌換成功！' }).last());
        await see(cardField(voucher, '剩餘點數').filter({ hasText: /^50 點$/ }));
        expect(await cardField(voucher, '兌換碼').textContent()).toMatch(/^[A-Z2-9]{8}$/);
        await screenshot(page, '10-voucher');

        expect(dialogs).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );

  test(
    'a friend’s invite link types the invite in; sent, it welcomes the visitor by the friend’s masked name',
    async () => {
      const friend = await openChat();
      let code = '';
      try {
        await joinAs(friend.page, '王小明', '0911333444');
        await see(friend.page.getByText('🎉 歡迎加入，王小明！'));
        await say(friend.page, '邀請朋友');
        // Without PUBLIC_BASE_URL the server knows no public link, so the member gets the code to pass on.
        const invite = await see(friend.page.getByText(/你的邀請碼/));
        code = /邀請 ([A-Z0-9]{6})/.exec((await invite.textContent()) ?? '')?.[1] ?? '';
        expect(code).toMatch(/^[A-Z2-9]{6}$/);
      } finally {
        await friend.context.close();
      }

      const { context, page, dialogs, pageErrors } = await openChat(`?invite=${code}`);
      try {
        await see(page.getByText('歡迎加入會員！'));
        expect(await page.getByRole('textbox').inputValue()).toBe(`INVITE ${code}`);
        await page.getByRole('textbox').press('Enter');
        await see(page.getByText('👋 歡迎！你的朋友 王*明 邀請你加入會員。'));
        await screenshot(page, '11-invited');
        expect(dialogs).toEqual([]);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    timeoutMs,
  );
});
