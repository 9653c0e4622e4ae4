// npm run ledger:verify — checks the ledger invariant for every member (docs/ledger.md).
// Uses MONGODB_URI; without it, opens the embedded database under DATA_DIR (stop the server first:
// the H2 file has one writer). While the server runs, GET /admin/api/ledger/verify does the same.
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { connectMongo } from '../src/database/mongo-connection';
import { verifyLedger } from '../src/loyalty/points/verify-ledger';
import { createRepositories } from '../src/repositories';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig();
  const embedded = config.MONGODB_URI ? undefined : await startEmbeddedMongo({ backend: 'h2', dataDir: config.DATA_DIR });
  const connection = await connectMongo(config.MONGODB_URI ?? embedded!.uri);
  try {
    const started = performance.now();
    const report = await verifyLedger(createRepositories(connection));
    console.log(
      `Checked ${report.membersChecked} members (${report.pointsOutstanding} points outstanding) in ${Math.round(performance.now() - started)} ms:` +
        ' balance = remaining lots = applied ledger entries, no lot below zero, no negative balance.',
    );
    for (const problem of report.problems) console.log(`  member ${problem.memberId}: ${problem.problem}`);
    console.log(report.ok ? 'OK' : `${report.problems.length} problem(s) found`);
    return report.ok ? 0 : 1;
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
