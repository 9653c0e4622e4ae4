import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedMongoClassPath } from '../../src/database/embedded-mongo';

/**
 * Compiles and runs one of the Java checks in embedded-mongo/ (`<name>.java`, a class with a main) against the
 * installed launcher and jars; it prints "ok", or what failed and exits 1. Answers what a test compares.
 */
export function runJavaCheck(name: string): { status: number | null; output: string } {
  const classes = mkdtempSync(join(tmpdir(), 'java-check-'));
  try {
    execFileSync('javac', ['-d', classes, '-cp', embeddedMongoClassPath, join(__dirname, `../../embedded-mongo/${name}.java`)]);
    const run = spawnSync('java', ['-cp', `${classes}:${embeddedMongoClassPath}`, name], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout.trim() };
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
}
