import { startEmbeddedMongo } from '../../src/database/embedded-mongo';

/** One database server per test run; each test file opens its own database on it (mongo.ts). */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  const mongo = await startEmbeddedMongo({ backend: 'memory', heapMegabytes: 768 });
  process.env.TEST_MONGODB_URI = mongo.uri;
  (globalThis as { embeddedMongo?: typeof mongo }).embeddedMongo = mongo;
}
