import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/database/embedded-mongo';

/**
 * Our launcher changes two things in mongo-java-server (embedded-mongo/EmbeddedMongo.java): a filter that pins
 * `_id` is looked up in the _id index and then matched as a whole, and H2 compares unique-index keys without
 * serializing them on every comparison. Neither may change an answer: these tests hold the server to MongoDB's.
 */
describe('the embedded database (H2 file)', () => {
  let dataDir: string;
  let server: EmbeddedMongo;
  let client: MongoClient;

  const open = async () => {
    server = await startEmbeddedMongo({ backend: 'h2', dataDir });
    client = await new MongoClient(server.uri).connect();
  };
  const close = async () => {
    await client.close();
    await server.stop();
  };
  const things = (): Collection<{ _id: string; key?: string; n?: number; status?: string }> => client.db('app').collection('things');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-database-'));
    await open();
    await things().createIndex({ key: 1 }, { unique: true });
    await things().insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `t${n}`, key: `k${n}`, n, status: n % 2 ? 'odd' : 'even' })));
  }, 60_000);

  afterAll(async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a filter on _id and other fields as a whole: hits, misses and operators', async () => {
    expect(await things().findOne({ _id: 't7', status: 'odd' })).toMatchObject({ n: 7 });
    expect(await things().findOne({ _id: 't7', status: 'even' })).toBeNull();
    expect(await things().findOne({ _id: 'missing', status: 'odd' })).toBeNull();
    expect(await things().countDocuments({ _id: { $in: ['t1', 't2', 't3'] }, status: 'odd' })).toBe(2);
    expect(await things().countDocuments({ _id: /^t4\d$/, status: 'even' })).toBe(5);

    expect((await things().updateOne({ _id: 't8', n: 999 }, { $set: { n: -1 } })).modifiedCount).toBe(0);
    expect((await things().updateOne({ _id: 't8', n: 8 }, { $inc: { n: 1 } })).modifiedCount).toBe(1);
    expect((await things().updateOne({ _id: 't8', n: { $gt: 100 } }, { $inc: { n: 1 } })).modifiedCount).toBe(0);
    expect(await things().findOne({ _id: 't8' })).toMatchObject({ n: 9 });

    const taken = await things().findOneAndUpdate({ _id: 't10', status: 'even' }, { $set: { status: 'taken' } }, { returnDocument: 'before' });
    expect(taken).toMatchObject({ _id: 't10', status: 'even' });
    expect(await things().findOneAndUpdate({ _id: 't10', status: 'even' }, { $set: { status: 'again' } })).toBeNull();

    expect((await things().deleteOne({ _id: 't11', status: 'even' })).deletedCount).toBe(0);
    expect((await things().deleteOne({ _id: 't11', status: 'odd' })).deletedCount).toBe(1);
    expect(await things().findOne({ _id: 't11' })).toBeNull();
  });

  it('keeps unique keys findable and unique across a restart, whatever their length or script', async () => {
    const keys = ['', 'a', 'b', 'aa', 'ab', 'Z', '會員', '會員卡', '點數', 'émoji-😀', 'x'.repeat(300), 'x'.repeat(299) + 'y', '0', '10', '9'];
    await things().insertMany(keys.map((key, n) => ({ _id: `u${n}`, key: `unique:${key}` })));
    const findAll = async () => Promise.all(keys.map(async (key) => (await things().findOne({ key: `unique:${key}` }))?._id));
    expect(await findAll()).toEqual(keys.map((_, n) => `u${n}`));
    await expect(things().insertOne({ _id: 'dup', key: 'unique:會員' })).rejects.toMatchObject({ code: 11000 });

    await close();
    await open();
    expect(await findAll()).toEqual(keys.map((_, n) => `u${n}`));
    expect(await things().findOne({ key: 'k499' })).toMatchObject({ _id: 't499' });
    await expect(things().insertOne({ _id: 'dup', key: 'unique:émoji-😀' })).rejects.toMatchObject({ code: 11000 });
    await expect(things().insertOne({ _id: 't5', key: 'fresh' })).rejects.toMatchObject({ code: 11000 });
  }, 60_000);
});
