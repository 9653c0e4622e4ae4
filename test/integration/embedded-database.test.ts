import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Double, Long, MongoClient, ObjectId, type Collection } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/database/embedded-mongo';
import { runJavaCheck } from '../support/java-check';

/**
 * Our launcher changes two things in mongo-java-server (embedded-mongo/EmbeddedMongo.java): on both backends a
 * filter that pins `_id` to one value is looked up in the _id index and then matched as a whole, and H2 compares
 * unique-index keys without serializing them on every comparison. Neither may change an answer: these tests hold
 * the server to MongoDB's. The suite itself runs on the memory backend (test/support/global-setup.ts), `npm start`
 * on H2; each describe here starts its own server.
 */
describe.each(['memory', 'h2'] as const)('the embedded database (%s backend)', (backend) => {
  let dataDir: string | undefined;
  let server: EmbeddedMongo;
  let client: MongoClient;

  const open = async () => {
    server = await startEmbeddedMongo({ backend, dataDir });
    client = await new MongoClient(server.uri).connect();
  };
  const close = async () => {
    await client.close();
    await server.stop();
  };
  const things = (): Collection<{ _id: string; key?: string; n?: number; status?: string }> => client.db('app').collection('things');
  type AnyId = string | number | Long | Double | ObjectId | Date | { channel: string; user: string } | null | number[];
  const ids = (): Collection<{ _id: AnyId; kind: string }> => client.db('app').collection('ids');
  const checkIns = (): Collection<{ memberId: string | number | Double | Long; day: string | number | Double | Long }> => client.db('app').collection('check-ins');

  beforeAll(async () => {
    if (backend === 'h2') dataDir = mkdtempSync(join(tmpdir(), 'embedded-database-'));
    await open();
    await things().createIndex({ key: 1 }, { unique: true });
    await things().insertMany(Array.from({ length: 500 }, (_, n) => ({ _id: `t${n}`, key: `k${n}`, n, status: n % 2 ? 'odd' : 'even' })));
  }, 60_000);

  afterAll(async () => {
    await close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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

  it('answers ranges, $or, sort, skip, limit and projection in a filter that pins _id', async () => {
    expect(await things().countDocuments({ _id: 't7', n: { $gte: 5, $lt: 10 } })).toBe(1);
    expect(await things().countDocuments({ _id: 't7', n: { $gt: 7 } })).toBe(0);
    expect(await things().countDocuments({ _id: { $gte: 't40', $lt: 't41' }, status: 'even' })).toBe(6); // t40, t400, t402 … t408
    expect(await things().countDocuments({ _id: 't7', $or: [{ status: 'even' }, { n: 7 }] })).toBe(1);
    expect(await things().countDocuments({ _id: 't7', $or: [{ status: 'even' }, { n: 8 }] })).toBe(0);

    expect(await things().find({ _id: 't7', status: 'odd' }, { projection: { n: 1 } }).toArray()).toEqual([{ _id: 't7', n: 7 }]);
    expect(await things().find({ _id: 't7', status: 'odd' }).sort({ n: -1 }).limit(1).toArray()).toEqual([expect.objectContaining({ _id: 't7' })]);
    expect(await things().find({ _id: 't7', status: 'odd' }).skip(1).toArray()).toEqual([]);
  });

  it('answers a pinned _id of any other type as MongoDB does: numbers across types, ObjectId, date, document, null, array', async () => {
    const objectId = new ObjectId();
    const day = new Date('2026-11-24T00:00:00Z');
    await ids().insertMany([
      { _id: 7, kind: 'int' },
      { _id: Long.fromString('1099511627776'), kind: 'long' },
      { _id: new Double(2.5), kind: 'double' },
      { _id: objectId, kind: 'objectId' },
      { _id: day, kind: 'date' },
      { _id: { channel: 'line', user: 'U1' }, kind: 'document' },
    ]);

    expect(await ids().findOne({ _id: new Double(7), kind: 'int' })).toMatchObject({ kind: 'int' });
    expect(await ids().findOne({ _id: Long.fromNumber(7), kind: 'int' })).toMatchObject({ kind: 'int' });
    expect(await ids().findOne({ _id: 1099511627776, kind: 'long' })).toMatchObject({ kind: 'long' });
    expect(await ids().findOne({ _id: 2.5, kind: 'double' })).toMatchObject({ kind: 'double' });
    expect(await ids().findOne({ _id: '7', kind: 'int' })).toBeNull();
    expect(await ids().findOne({ _id: 7, kind: 'long' })).toBeNull();
    expect(await ids().findOne({ _id: objectId, kind: 'objectId' })).toMatchObject({ kind: 'objectId' });
    expect(await ids().findOne({ _id: new ObjectId(), kind: 'objectId' })).toBeNull();
    expect(await ids().findOne({ _id: new Date(day), kind: 'date' })).toMatchObject({ kind: 'date' });
    expect(await ids().findOne({ _id: day.toISOString(), kind: 'date' })).toBeNull();
    expect(await ids().findOne({ _id: { channel: 'line', user: 'U1' }, kind: 'document' })).toMatchObject({ kind: 'document' });
    expect(await ids().findOne({ _id: { channel: 'line', user: 'U1' }, kind: 'int' })).toBeNull();
    expect(await ids().findOne({ _id: null, kind: 'int' })).toBeNull();
    expect(await ids().findOne({ _id: [7], kind: 'int' })).toBeNull();
  });

  it('upserts, replaces and updates many on a filter that pins _id as MongoDB does', async () => {
    expect((await things().updateOne({ _id: 'new-1', status: 'fresh' }, { $set: { key: 'k-new-1' } }, { upsert: true })).upsertedId).toBe('new-1');
    expect(await things().findOne({ _id: 'new-1' })).toEqual({ _id: 'new-1', status: 'fresh', key: 'k-new-1' });
    // The _id exists and the rest does not match: MongoDB tries to insert that _id, and refuses.
    await expect(things().updateOne({ _id: 't12', status: 'odd' }, { $set: { n: 0 } }, { upsert: true })).rejects.toMatchObject({ code: 11000 });
    expect(await things().findOne({ _id: 't12' })).toMatchObject({ n: 12, status: 'even' });

    expect((await things().updateMany({ _id: 't14', status: 'even' }, { $set: { status: 'many' } })).modifiedCount).toBe(1);
    expect((await things().replaceOne({ _id: 't16', status: 'odd' }, { key: 'k16', status: 'replaced' })).matchedCount).toBe(0);
    expect((await things().replaceOne({ _id: 't16', status: 'even' }, { key: 'k16', status: 'replaced' })).modifiedCount).toBe(1);
    expect(await things().findOne({ _id: 't16' })).toEqual({ _id: 't16', key: 'k16', status: 'replaced' });
    expect((await things().deleteMany({ _id: 't18', status: 'odd' })).deletedCount).toBe(0);
    expect((await things().deleteMany({ _id: 't18', status: 'even' })).deletedCount).toBe(1);
  });

  const uniqueKeys = ['', 'a', 'b', 'aa', 'ab', 'Z', '會員', '會員卡', '點數', 'émoji-😀', 'x'.repeat(300), 'x'.repeat(299) + 'y', '0', '10', '9'];
  const findAllUniqueKeys = async () => Promise.all(uniqueKeys.map(async (key) => (await things().findOne({ key: `unique:${key}` }))?._id));

  it('keeps unique keys findable, unique and in MongoDB’s order, whatever their length, script or number type', async () => {
    await things().insertMany(uniqueKeys.map((key, n) => ({ _id: `u${n}`, key: `unique:${key}` })));
    expect(await findAllUniqueKeys()).toEqual(uniqueKeys.map((_, n) => `u${n}`));
    await expect(things().insertOne({ _id: 'dup', key: 'unique:會員' })).rejects.toMatchObject({ code: 11000 });
    expect(await things().countDocuments({ key: { $gte: 'unique:a', $lt: 'unique:b' } })).toBe(3);
    const sorted = await things().find({ key: /^unique:/ }).sort({ key: 1 }).toArray();
    // MongoDB orders strings by their UTF-8 bytes.
    expect(sorted.map((thing) => thing.key!.slice('unique:'.length))).toEqual([...uniqueKeys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));

    await checkIns().createIndex({ memberId: 1, day: 1 }, { unique: true });
    await checkIns().insertMany([
      { memberId: 'm1', day: '2026-11-23' },
      { memberId: 'm1', day: '2026-11-24' },
      { memberId: 'm10', day: '2026-11-23' },
      { memberId: 7, day: 1 },
    ]);
    expect(await checkIns().countDocuments({ memberId: 'm1', day: '2026-11-24' })).toBe(1);
    expect(await checkIns().countDocuments({ memberId: 'm1' })).toBe(2);
    await expect(checkIns().insertOne({ memberId: 'm1', day: '2026-11-23' })).rejects.toMatchObject({ code: 11000 });
    // As in MongoDB, a number is the same key whatever its BSON type.
    await expect(checkIns().insertOne({ memberId: new Double(7), day: Long.fromNumber(1) })).rejects.toMatchObject({ code: 11000 });
    expect(await checkIns().countDocuments({ memberId: Long.fromNumber(7), day: new Double(1) })).toBe(1);
  });

  if (backend === 'h2') {
    it('keeps unique keys findable and unique across a restart', async () => {
      await close();
      await open();
      expect(await findAllUniqueKeys()).toEqual(uniqueKeys.map((_, n) => `u${n}`));
      expect(await things().findOne({ key: 'k499' })).toMatchObject({ _id: 't499' });
      await expect(things().insertOne({ _id: 'dup', key: 'unique:émoji-😀' })).rejects.toMatchObject({ code: 11000 });
      await expect(things().insertOne({ _id: 't5', key: 'fresh' })).rejects.toMatchObject({ code: 11000 });
      await expect(checkIns().insertOne({ memberId: 'm10', day: '2026-11-23' })).rejects.toMatchObject({ code: 11000 });
      expect(await checkIns().countDocuments({ memberId: Long.fromNumber(7), day: 1 })).toBe(1);
    }, 60_000);
  }
});

describe('the launcher’s startup check that H2 orders unique-index keys as its faster comparison does', () => {
  it('passes with the installed mongo-java-server and H2, and fails for keys H2 would order otherwise', () => {
    expect(runJavaCheck('KeyOrderCheckTest')).toEqual({ status: 0, output: 'ok' });
  }, 30_000);
});

describe('EMBEDDED_MONGO_JAVA_OPTS', () => {
  const saved = process.env.EMBEDDED_MONGO_JAVA_OPTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.EMBEDDED_MONGO_JAVA_OPTS;
    else process.env.EMBEDDED_MONGO_JAVA_OPTS = saved;
  });

  // The JVM refuses to start with two collectors chosen, so an operator's choice must replace the default one.
  it('may choose the garbage collector in place of the default one', async () => {
    process.env.EMBEDDED_MONGO_JAVA_OPTS = '-XX:+UseParallelGC';
    const server = await startEmbeddedMongo({ backend: 'memory' });
    try {
      const javaArguments = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      expect(javaArguments).toContain('-XX:+UseParallelGC');
      expect(javaArguments).not.toContain('-XX:+UseSerialGC');
      const client = await new MongoClient(server.uri).connect();
      try {
        expect(await client.db('app').command({ ping: 1 })).toMatchObject({ ok: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('keeps the default collector when it chooses none', async () => {
    process.env.EMBEDDED_MONGO_JAVA_OPTS = '-Dsome.flag=1';
    const server = await startEmbeddedMongo({ backend: 'memory' });
    try {
      expect(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['-XX:+UseSerialGC', '-Dsome.flag=1']));
    } finally {
      await server.stop();
    }
  }, 60_000);
});
