// Fetches mongo-java-server with Maven and compiles the launcher, into the git-ignored
// .cache/embedded-mongo. Runs on `npm install`; skipped when nothing changed since last time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'embedded-mongo');
const cacheDir = join(root, '.cache', 'embedded-mongo');
const stampFile = join(cacheDir, 'stamp');

const stamp = createHash('sha256')
  .update(readFileSync(join(sourceDir, 'pom.xml')))
  .update(readFileSync(join(sourceDir, 'EmbeddedMongo.java')))
  .digest('hex');

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  process.exit(0);
}

function has(command) {
  try {
    execFileSync(command, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!has('mvn') || !has('javac')) {
  console.warn(
    '[embedded-mongo] skipped: Maven and a JDK 17 (mvn, javac) are needed for the embedded database.\n' +
      '[embedded-mongo] Set MONGODB_URI to use your own MongoDB instead, or install them and run `npm rebuild`.',
  );
  process.exit(0);
}

const started = Date.now();
rmSync(cacheDir, { recursive: true, force: true });
mkdirSync(cacheDir, { recursive: true });
console.log('[embedded-mongo] fetching mongo-java-server with Maven…');
execFileSync(
  'mvn',
  ['-q', '-B', '-f', join(sourceDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(cacheDir, 'lib')}`],
  { stdio: 'inherit' },
);
execFileSync(
  'javac',
  ['-d', join(cacheDir, 'classes'), '-cp', join(cacheDir, 'lib', '*'), join(sourceDir, 'EmbeddedMongo.java')],
  { stdio: 'inherit' },
);
writeFileSync(stampFile, stamp);
console.log(`[embedded-mongo] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
