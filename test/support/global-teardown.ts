import type { EmbeddedMongo } from '../../src/database/embedded-mongo';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { embeddedMongo?: EmbeddedMongo }).embeddedMongo?.stop();
}
