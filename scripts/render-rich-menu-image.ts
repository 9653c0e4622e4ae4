import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { richMenuImageSize } from '../src/channels/line/line-rich-menu';

/**
 * Dev-only: renders assets/line-rich-menu.html to assets/line-rich-menu.png at the rich menu's exact size.
 * Run after editing the HTML: `npx tsx scripts/render-rich-menu-image.ts`, then `npm run line:richmenu`.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const assetsDir = path.join(__dirname, '..', 'assets');
const htmlPath = path.join(assetsDir, 'line-rich-menu.html');
const pngPath = path.join(assetsDir, 'line-rich-menu.png');
// PLATFORMS.md 1.7: LINE rejects a rich menu image over 1 MB.
const maxImageBytes = 1024 * 1024;

async function main(): Promise<number> {
  if (!existsSync(chromiumPath)) {
    console.error(`Chromium not found at ${chromiumPath}: install it (Debian: apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji) or set CHROMIUM_PATH.`);
    return 1;
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: richMenuImageSize, deviceScaleFactor: 1 });
    // The page must be self-contained: anything it tries to fetch is a mistake in the HTML.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: pngPath, type: 'png', clip: { x: 0, y: 0, ...richMenuImageSize } });
  } finally {
    await browser.close();
  }
  const bytes = statSync(pngPath).size;
  if (bytes > maxImageBytes) {
    console.error(`${pngPath} is ${bytes} bytes, over LINE's 1 MB limit: simplify the HTML (fewer gradients, flatter colours).`);
    return 1;
  }
  console.log(`Rendered ${path.relative(process.cwd(), pngPath)}: ${richMenuImageSize.width}×${richMenuImageSize.height}, ${(bytes / 1024).toFixed(0)} KB`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
