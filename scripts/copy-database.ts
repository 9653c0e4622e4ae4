// npm run db:copy -- <target MongoDB URI> — moves a programme from the embedded database to MongoDB.
// Stop the bot server first (the H2 file has one writer, and nothing may change while copying).
// The source is MONGODB_URI when set, else the embedded database under DATA_DIR; the target must be empty.
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { copyDatabase } from '../src/database/copy-database';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { connectMongo } from '../src/database/mongo-connection';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const targetUri = process.argv[2];
  if (targetUri === undefined || !/^mongodb(\+srv)?:\/\//.test(targetUri)) {
    console.error('Usage: npm run db:copy -- mongodb://user:pass@host:27017/loyalty   (the target database must be empty)');
    return 2;
  }
  const config = loadConfig();
  const embedded = config.MONGODB_URI ? undefined : await startEmbeddedMongo({ backend: 'h2', dataDir: config.DATA_DIR });
  const source = await connectMongo(config.MONGODB_URI ?? embedded!.uri);
  const target = await connectMongo(targetUri);
  try {
    const outcome = await copyDatabase(source, target, {
      onProgress: ({ collection, copied }) => process.stdout.write(`\r${collection}: ${copied.toLocaleString('en')} documents`),
    });
    process.stdout.write('\n');
    if (outcome.kind === 'targetNotEmpty') {
      console.error(`The target already has data in ${outcome.collections.join(', ')}: copy into an empty database.`);
      return 1;
    }
    for (const { name, documents } of outcome.collections) console.log(`${name}: ${documents}`);
    console.log('Done. Set MONGODB_URI to the target and start the server: it creates the indexes at startup.');
    return 0;
  } finally {
    await source.close();
    await target.close();
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
