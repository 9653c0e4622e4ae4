import { mongo } from 'mongoose';
import { groupedFindById, groupedInsertOne, groupedUpdateOne } from '../../src/database/grouped-calls';
import { openTestDatabase, testMongoUri, type TestDatabase } from '../support/mongo';

interface Counter {
  _id: string;
  count: number;
}

let database: TestDatabase;
/** A client of its own, so that the tests can watch the commands it sends. */
let watchedClient: mongo.MongoClient;
let counters: mongo.Collection<Counter>;

beforeAll(async () => {
  database = await openTestDatabase();
  watchedClient = await mongo.MongoClient.connect(testMongoUri(), { monitorCommands: true });
  counters = watchedClient.db(database.name).collection<Counter>('counters') as unknown as mongo.Collection<Counter>;
});
afterAll(async () => {
  await watchedClient.close();
  await database.dropAndClose();
});
beforeEach(() => counters.deleteMany({}));

/** Counts the commands the database is sent, with the driver's command monitoring: one command, one round trip. */
function countingCommands(commandName: string): { sizes: number[]; stop: () => void } {
  const sizes: number[] = [];
  const client = watchedClient;
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName !== commandName) return;
    const items = event.command.updates ?? event.command.documents ?? (event.command.filter as { _id?: { $in?: unknown[] } } | undefined)?._id?.$in;
    sizes.push(Array.isArray(items) ? items.length : 1);
  };
  client.on('commandStarted', listener);
  return { sizes, stop: () => client.off('commandStarted', listener) };
}

describe('groupedUpdateOne', () => {
  it('writes the updates of a burst together and each lands', async () => {
    await counters.insertMany(Array.from({ length: 20 }, (_, index) => ({ _id: `c${index}`, count: 0 })));
    const { sizes, stop } = countingCommands('update');
    const increment = groupedUpdateOne(counters);

    await Promise.all(Array.from({ length: 20 }, (_, index) => increment({ filter: { _id: `c${index}` }, update: { $inc: { count: 1 } } })));
    stop();

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

describe('groupedFindById', () => {
  it('answers the reads of a burst with one find, each caller its own document or null', async () => {
    await counters.insertMany(Array.from({ length: 10 }, (_, index) => ({ _id: `c${index}`, count: index })));
    const { sizes, stop } = countingCommands('find');
    const read = groupedFindById(counters, { name: 'test.counters', projection: { count: 1 } });

    const found = await Promise.all([...Array.from({ length: 10 }, (_, index) => read(`c${index}`)), read('missing')]);
    stop();

    expect(found).toEqual([...Array.from({ length: 10 }, (_, index) => ({ _id: `c${index}`, count: index })), null]);
    expect(sizes).toEqual([11]);
  });

  it('gives two callers of the same id in one batch documents they can change apart', async () => {
    await counters.insertOne({ _id: 'shared', count: 1 });
    const read = groupedFindById(counters, { name: 'test.counters', projection: { count: 1 } });

    const [first, second] = await Promise.all([read('shared'), read('shared')]);
    first!.count = 99;

    expect(second).toEqual({ _id: 'shared', count: 1 });
  });
});

describe('groupedInsertOne', () => {
  it('inserts the documents of a burst together: each caller learns whether its id was new', async () => {
    await counters.insertOne({ _id: 'there-before', count: 0 });
    const { sizes, stop } = countingCommands('insert');
    const insert = groupedInsertOne(counters, 'test.counters.insert');

    const outcomes = await Promise.all([
      insert({ _id: 'new-1', count: 1 }),
      insert({ _id: 'there-before', count: 1 }),
      insert({ _id: 'new-2', count: 2 }),
      // The same id twice in one write: the second finds the first there.
      insert({ _id: 'new-1', count: 3 }),
    ]);
    stop();

    expect(outcomes).toEqual([true, false, true, false]);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(4);
    expect(sizes.length).toBeLessThan(4);
    expect(await counters.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'new-1', count: 1 },
      { _id: 'new-2', count: 2 },
      { _id: 'there-before', count: 0 },
    ]);
  });
});
