import type { mongo } from 'mongoose';
import { groupedUpdateOne } from '../../src/database/grouped-calls';
import { openTestDatabase, type TestDatabase } from '../support/mongo';

interface Counter {
  _id: string;
  count: number;
}

let database: TestDatabase;
let counters: mongo.Collection<Counter>;

beforeAll(async () => {
  database = await openTestDatabase();
  counters = database.collection<Counter>('counters') as unknown as mongo.Collection<Counter>;
});
afterAll(() => database.dropAndClose());
beforeEach(() => counters.deleteMany({}));

/** Counts the bulk writes the collection is sent, by wrapping its method (the driver sends one command per call). */
function countingBulkWrites(collection: mongo.Collection<Counter>) {
  const sizes: number[] = [];
  const original = collection.bulkWrite.bind(collection);
  const counting = Object.create(collection) as mongo.Collection<Counter>;
  counting.bulkWrite = (operations, options) => {
    sizes.push(operations.length);
    return original(operations, options);
  };
  return { counting, sizes };
}

describe('groupedUpdateOne', () => {
  it('writes the updates of a burst together and each lands', async () => {
    await counters.insertMany(Array.from({ length: 20 }, (_, index) => ({ _id: `c${index}`, count: 0 })));
    const { counting, sizes } = countingBulkWrites(counters);
    const increment = groupedUpdateOne(counting);

    await Promise.all(Array.from({ length: 20 }, (_, index) => increment({ filter: { _id: `c${index}` }, update: { $inc: { count: 1 } } })));

    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(20);
    expect(sizes.length).toBeLessThan(20);
    const counts = (await counters.find({}).toArray()).map((doc) => doc.count);
    expect(counts).toEqual(Array.from({ length: 20 }, () => 1));
  });

  it('rejects only the update the database refused; the others in its batch land', async () => {
    await counters.insertMany([
      { _id: 'number', count: 0 },
      // A field $inc cannot add to: the database refuses that update alone.
      { _id: 'text', count: 'not a number' as unknown as number },
    ]);
    const increment = groupedUpdateOne(counters);

    const outcomes = await Promise.allSettled([
      increment({ filter: { _id: 'number' }, update: { $inc: { count: 1 } } }),
      increment({ filter: { _id: 'text' }, update: { $inc: { count: 1 } } }),
      increment({ filter: { _id: 'number' }, update: { $inc: { count: 1 } } }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await counters.findOne({ _id: 'number' }))?.count).toBe(2);
    expect((await counters.findOne({ _id: 'text' }))?.count).toBe('not a number' as unknown as number);
  });
});
