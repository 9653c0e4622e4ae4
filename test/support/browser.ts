import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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
