// npm run tiers:recalculate [-- --dry-run] — the nightly tier recalculation, run now
// (src/loyalty/tiers/recalculate-tiers.ts). Uses MONGODB_URI; without it, opens the embedded
// database under DATA_DIR (stop the server first: the H2 file has one writer). While the server
// runs, POST /admin/api/jobs/tier-recalculation does the same. Safe beside a running server on
// MongoDB: the lease lets one run at a time, and an interrupted run resumes from its checkpoint.
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { connectMongo, initModels } from '../src/database/mongo-connection';
import { recalculateTiers } from '../src/loyalty/tiers/recalculate-tiers';
import { createRepositories, modelsOf } from '../src/repositories';
import { systemClock } from '../src/shared/clock';
import { progressReporter } from './progress-reporter';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const dryRun = process.argv.includes('--dry-run');
  const config = loadConfig();
  const embedded = config.MONGODB_URI ? undefined : await startEmbeddedMongo({ backend: 'h2', dataDir: config.DATA_DIR });
  const connection = await connectMongo(config.MONGODB_URI ?? embedded!.uri);
  try {
    const repositories = createRepositories(connection);
    await initModels(modelsOf(repositories));
    const report = progressReporter('tiers', 'members', process.stdout.isTTY === true);
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
