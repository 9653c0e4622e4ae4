import { randomBytes } from 'node:crypto';
import { connectMongo, type Connection } from '../../src/database/mongo-connection';

export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI ?? process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('No test database: jest globalSetup starts one, or set MONGODB_URI');
  return uri;
}

/** A fresh database for one test file, dropped afterwards. */
export async function openTestDatabase(): Promise<Connection & { dropAndClose(): Promise<void> }> {
  const connection = await connectMongo(testMongoUri(), `test_${randomBytes(6).toString('hex')}`);
  return Object.assign(connection, {
    async dropAndClose() {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  });
}
