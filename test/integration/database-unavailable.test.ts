import { mongo } from 'mongoose';
import { groupedUpdateOne } from '../../src/database/grouped-calls';
import { startEmbeddedMongo } from '../../src/database/embedded-mongo';
import { isDatabaseUnavailable } from '../../src/database/mongo-connection';

describe('isDatabaseUnavailable', () => {
  it('knows a grouped write that met a stopped database for the outage it is', async () => {
    const database = await startEmbeddedMongo({ backend: 'memory' });
    const client = await mongo.MongoClient.connect(database.uri, { serverSelectionTimeoutMS: 1000 });
    try {
      const counters = client.db('unavailable').collection<{ _id: string; count: number }>('counters');
      await counters.insertOne({ _id: 'c', count: 0 });
      const increment = groupedUpdateOne(counters);
      await database.stop();

      const failure = await increment({ filter: { _id: 'c' }, update: { $inc: { count: 1 } } }).catch((error: unknown) => error);

      expect(failure).toMatchObject({ name: expect.stringMatching(/^Mongo/) });
      expect(isDatabaseUnavailable(failure)).toBe(true);
    } finally {
      await client.close();
      await database.stop();
    }
  }, 20_000);
});
