// npm run tiers:recalculate [-- --dry-run] — the nightly tier recalculation, run now
// (src/loyalty/tiers/recalculate-tiers.ts). Uses MONGODB_URI; without it, opens the embedded
// database under DATA_DIR (stop the server first: the H2 file has one writer). While the server
// runs, POST /admin/api/jobs/tier-recalculation does the same. Safe beside a running server on
// MongoDB: the lease lets one run at a time, and an interrupted run resumes from its checkpoint.
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { connectMongo, initModels } from '../src/database/mongo-connection';
import { recalculateTiers, type RecalculationProgress } from '../src/loyalty/tiers/recalculate-tiers';
import { createRepositories, modelsOf } from '../src/repositories';
import { systemClock } from '../src/shared/clock';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const dryRun = process.argv.includes('--dry-run');
  const config = loadConfig();
  const embedded = config.MONGODB_URI ? undefined : await startEmbeddedMongo({ backend: 'h2', dataDir: config.DATA_DIR });
  const connection = await connectMongo(config.MONGODB_URI ?? embedded!.uri);
  try {
    const repositories = createRepositories(connection);
    await initModels(modelsOf(repositories));
    const report = progressReporter(process.stdout.isTTY === true);
    const result = await recalculateTiers(repositories, {
      now: systemClock.now(),
      zone: config.LOYALTY_TIMEZONE,
      dryRun,
      leaseClock: () => systemClock.now().toJSDate(),
      onProgress: report,
    });
    report.done();
    if (result.kind === 'leaseHeld') {
      console.log(`Another run holds the lease (${result.owner}, until ${result.expiresAt.toISOString()}); nothing done.`);
      return 1;
    }
    console.log(
      `${result.dryRun ? 'Dry run (nothing written)' : `Run ${result.runId}${result.resumed ? ' (resumed)' : ''}`}: ` +
        `${result.upgrades} upgrades, ${result.downgrades} downgrades, ${result.unchanged} unchanged in ${result.durationMs} ms`,
    );
    for (const [change, members] of Object.entries(result.samples)) console.log(`  ${change}: ${members.join(', ')}`);
    return 0;
  } finally {
    await connection.close();
    await embedded?.stop();
  }
}

/** A one-line bar with an ETA on a terminal; a plain line at most every 2 s otherwise (logs, CI). */
function progressReporter(isTerminal: boolean) {
  const started = performance.now();
  let lastLine = 0;
  const report = ({ processed, total }: RecalculationProgress) => {
    const elapsed = (performance.now() - started) / 1000;
    const ratio = total === 0 ? 1 : Math.min(1, processed / total);
    const eta = processed === 0 ? '?' : `${Math.round((elapsed / processed) * (total - processed))} s`;
    if (isTerminal) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stdout.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${processed}/${total} ${Math.round(ratio * 100)}% ETA ${eta}   `);
    } else if (processed === total || elapsed - lastLine >= 2) {
      lastLine = elapsed;
      console.log(`tiers: ${processed}/${total} members (${Math.round(ratio * 100)}%), ETA ${eta}`);
    }
  };
  return Object.assign(report, { done: () => isTerminal && process.stdout.write('\n') });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
