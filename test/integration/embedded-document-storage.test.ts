import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BSON, MongoClient, type Document } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/database/embedded-mongo';
import { runJavaCheck } from '../support/java-check';
import { typedDocuments, uniqueKeyedDocuments } from '../support/typed-documents';

/**
 * The H2 backend (what `npm start` runs) stores documents as BSON (embedded-mongo/EmbeddedMongo.java,
 * BsonDocumentType) instead of H2's Java serialization. A data file must give back exactly what was stored, across
 * restarts, and a file written before the change (Java-serialized documents, test/support) must stay readable.
 */
interface Keyed {
  _id: string;
  key: string;
  member?: string;
  touched?: boolean;
}

describe('documents stored by the embedded database (H2 file)', () => {
  const dataDirs: string[] = [];
  let server: EmbeddedMongo | undefined;
  let client: MongoClient | undefined;

  const open = async (dataDir: string) => {
    server = await startEmbeddedMongo({ backend: 'h2', dataDir });
    client = await new MongoClient(server.uri).connect();
    return client.db('legacy');
  };
  const close = async () => {
    await client?.close();
    await server?.stop();
    client = undefined;
    server = undefined;
  };
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'embedded-documents-'));
    dataDirs.push(dir);
    return dir;
  };
  /** Canonical extended JSON in stored key order: every type, number width and key order must come back as it went in. */
  const canonical = (document: unknown) => JSON.stringify(BSON.EJSON.serialize(document, { relaxed: false }));
  const unpromoted = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

  const expectTypedDocumentsIn = async (db: ReturnType<MongoClient['db']>, expected: Document[]) => {
    for (const document of expected) {
      const stored = await db.collection<Document>('typed').findOne({ _id: document._id }, unpromoted);
      expect(canonical(stored)).toBe(canonical(document));
    }
    expect(await db.collection<Document>('typed').countDocuments()).toBe(expected.length);
  };

  afterEach(close);
  afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('gives back every BSON type, number width and key order after a restart, and stores no Java-serialized document', async () => {
    const dataDir = newDataDir();
    let db = await open(dataDir);
    await db.collection<Document>('typed').insertMany(typedDocuments());
    await close();

    db = await open(dataDir);
    await expectTypedDocumentsIn(db, typedDocuments());
    await close();
    // A Java-serialized document carries its class name; BSON does not.
    expect(readFileSync(join(dataDir, 'mongo.mv.db')).includes('de.bwaldvogel.mongo.bson.Document')).toBe(false);
  }, 60_000);

  it('gives back a document an update grew past BSON’s 16 MiB, which it keeps Java-serialized', async () => {
    const dataDir = newDataDir();
    let db = await open(dataDir);
    const grown = db.collection<{ _id: string; parts: string[] }>('grown');
    await grown.insertOne({ _id: 'big', parts: [] });
    // MongoDB would refuse this; mongo-java-server lets an update grow a document past the size its BSON reader takes.
    for (let n = 0; n < 5; n += 1) await grown.updateOne({ _id: 'big' }, { $push: { parts: `${n}`.repeat(4 * 1024 * 1024) } });
    await close();

    db = await open(dataDir);
    const parts = (await db.collection<{ _id: string; parts: string[] }>('grown').findOne({ _id: 'big' }))?.parts;
    expect(parts?.map((part) => [part[0], part.length])).toEqual(Array.from({ length: 5 }, (_, n) => [`${n}`, 4 * 1024 * 1024]));
  }, 60_000);

  it('reads a data file written before documents were stored as BSON, and keeps it whole once its pages are rewritten', async () => {
    const dataDir = newDataDir();
    const legacyFile = gunzipSync(readFileSync(join(__dirname, '../support/h2-java-serialized.mv.db.gz')));
    expect(legacyFile.includes('de.bwaldvogel.mongo.bson.Document')).toBe(true);
    writeFileSync(join(dataDir, 'mongo.mv.db'), legacyFile);
    const keyed = uniqueKeyedDocuments();

    let db = await open(dataDir);
    await expectTypedDocumentsIn(db, typedDocuments());
    expect(await db.collection<Keyed>('keyed').find({}, unpromoted).sort({ _id: 1 }).toArray()).toEqual(
      [...keyed].sort((a, b) => String(a._id).localeCompare(String(b._id))).map((document) => expect.objectContaining({ _id: document._id, key: document.key })),
    );
    expect(await db.collection<Keyed>('keyed').findOne({ key: 'key-123' })).toMatchObject({ _id: 'k123' });
    await expect(db.collection<Keyed>('keyed').insertOne({ _id: 'again', key: 'key-7' })).rejects.toMatchObject({ code: 11000 });

    // Rewrites some pages (new format) and leaves others as they were (old format): both must read back.
    await db.collection<{ _id: string }>('typed').updateOne({ _id: 'scalars' }, { $set: { text: 'changed' }, $inc: { int32: 1 } });
    await db.collection<Keyed>('keyed').updateMany({ member: 'm3' }, { $set: { touched: true } });
    await db.collection<Keyed>('keyed').insertOne({ _id: 'k-new', key: 'key-new', member: 'm99' });
    await close();

    db = await open(dataDir);
    const expectedTyped = typedDocuments().map((document) =>
      document._id === 'scalars' ? { ...document, text: 'changed', int32: 43 } : document,
    );
    // $inc keeps the field's type (int32), and $set replaces the value in place: key order is unchanged.
    await expectTypedDocumentsIn(db, expectedTyped);
    expect(await db.collection<Keyed>('keyed').countDocuments({ touched: true })).toBe(keyed.filter((document) => document.member === 'm3').length);
    expect(await db.collection<Keyed>('keyed').countDocuments()).toBe(keyed.length + 1);
    expect(await db.collection<Keyed>('keyed').findOne({ key: 'key-new' })).toMatchObject({ _id: 'k-new' });
    await expect(db.collection<Keyed>('keyed').insertOne({ _id: 'again', key: 'key-123' })).rejects.toMatchObject({ code: 11000 });
  }, 60_000);
});

describe('the documents H2 holds while it writes them to the file in the background', () => {
  it('are never changed in place by an update: it changes a copy and stores that', () => {
    expect(runJavaCheck('StoredDocumentsTest')).toEqual({ status: 0, output: 'ok' });
  }, 30_000);
});
