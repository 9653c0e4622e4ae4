import { randomBytes } from 'node:crypto';
import { createInboundEventRepository, type InboundEventRepository } from '../../src/conversation/inbound-event-repository';
import { connectMongo, initModels, type Connection } from '../../src/database/mongo-connection';

export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI ?? process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('No test database: jest globalSetup starts one, or set MONGODB_URI');
  return uri;
}

/** The database name in whatever URI the suite runs against (embedded, replica set, Atlas). */
export function uriWithDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`Cannot put a database name into ${uri}`);
  return `${match[1]}/${database}${match[2] ?? ''}`;
}

export type TestDatabase = Connection & { dropAndClose(): Promise<void> };

/** A fresh database for one test file, dropped afterwards. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const connection = await connectMongo(testMongoUri(), `test_${randomBytes(6).toString('hex')}`);
  return Object.assign(connection, {
    async dropAndClose() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  });
}

/** A fresh database holding only the inbound events collection, for tests of the inbox and its repository. */
export async function openInboundEventDatabase(): Promise<{ connection: TestDatabase; inboundEvents: InboundEventRepository }> {
  const connection = await openTestDatabase();
  const inboundEvents = createInboundEventRepository(connection);
  await initModels([inboundEvents.model]);
  return { connection, inboundEvents };
}
