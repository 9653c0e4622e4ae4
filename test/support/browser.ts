import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from './platform';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const consoleArtifactsDir = path.join(__dirname, '..', '..', 'test-artifacts', 'console');

/** The real platform listening on a free port, and Debian's Chromium to drive it. */
export interface BrowserStage {
  platform: TestPlatform;
  browser: Browser;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startBrowserStage(env: Record<string, string> = {}, options: { now?: string; artifactsDir?: string } = {}): Promise<BrowserStage> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it (Debian: apt-get install chromium fonts-noto-cjk) or set CHROMIUM_PATH.`);
  }
  mkdirSync(options.artifactsDir ?? consoleArtifactsDir, { recursive: true });
  const platform = await startTestPlatform(env, options.now);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = platform.app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    platform,
    browser,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await browser.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close();
    },
  };
}

export const laptop = { viewport: { width: 1280, height: 860 } } as const;
export const wideLaptop = { viewport: { width: 1360, height: 900 } } as const;
export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
export type Device = typeof laptop | typeof wideLaptop | typeof phone;

export const seeTimeoutMs = 10_000;

/** A page opened in a fresh context, and everything that must never happen on it. */
export interface Visit {
  context: BrowserContext;
  page: Page;
  /** Native dialogs (an injected alert), page errors, console errors (CSP violations show there). */
  problems: string[];
}

/**
 * Opens `url` (a path on the stage) in a fresh context in Taipei time, collecting problems. `expectedConsoleErrors`
 * names console errors that are part of the journey (a 400 a form shows inline is logged by Chromium as a failed resource).
 */
export async function visit(
  stage: BrowserStage | undefined,
  url: string,
  options: { locale: 'en' | 'zh-TW'; device: Device; expectedConsoleErrors?: RegExp },
): Promise<Visit> {
  if (!stage) throw new Error('Chromium did not start (see beforeAll)');
  const context = await stage.browser.newContext({ ...options.device, locale: options.locale, timezoneId: 'Asia/Taipei', reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !options.expectedConsoleErrors?.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${stage.baseUrl}${url}`);
  return { context, page, problems };
}

export async function see(locator: Locator, timeoutMs = seeTimeoutMs): Promise<Locator> {
  await locator.waitFor({ state: 'visible', timeout: timeoutMs });
  return locator;
}

/** Signs in on the console's token form and waits for the top bar to show the role (`roleLabel`, when given). */
export async function signInToConsole(page: Page, token: string, roleLabel?: string, timeoutMs = seeTimeoutMs): Promise<void> {
  await page.getByLabel(/Admin token|管理權杖/).fill(token);
  await page.getByRole('button', { name: /Sign in|登入/ }).click();
  await see(roleLabel === undefined ? page.locator('.topbar .role') : page.locator('.topbar .role', { hasText: roleLabel }), timeoutMs);
}
