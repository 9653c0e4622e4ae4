// The browser tests drive Debian's Chromium (playwright-core cannot download a browser here).
// Installs it with apt-get when missing and we are root; otherwise says what to install.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packages = ['chromium', 'fonts-noto-cjk', 'fonts-noto-color-emoji'];

function hasCjkFont() {
  try {
    return execSync('fc-list :lang=zh-tw family', { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

if (existsSync(chromium) && hasCjkFont()) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !existsSync('/usr/bin/apt-get')) {
  console.error(
    `The browser tests need Chromium at ${chromium} and a Chinese font. Install them, e.g.\n` +
      `  sudo apt-get install -y ${packages.join(' ')}\n` +
      'or point CHROMIUM_PATH at a Chromium binary.',
  );
  process.exit(1);
}
console.log(`[test browser] installing ${packages.join(', ')} with apt-get…`);
const started = Date.now();
execSync('apt-get update -qq', { stdio: 'inherit' });
execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages.join(' ')}`, {
  stdio: 'inherit',
});
console.log(`[test browser] ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
