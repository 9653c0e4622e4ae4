import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID, type Document } from 'mongodb';

/**
 * Documents holding every BSON type our code or an operator may store, for checking that the embedded database
 * gives back exactly what it was given, across restarts and storage formats. The same documents were written by
 * the launcher of commit a7351c0 (Java-serialized documents) into test/support/h2-java-serialized.mv.db.gz.
 */
export function typedDocuments(): Document[] {
  return [
    {
      _id: 'scalars',
      text: '會員 café 😀',
      empty: '',
      int32: new Int32(42),
      negative: new Int32(-7),
      int64: Long.fromString('9007199254740993'),
      double: new Double(0.1),
      wholeDouble: new Double(3),
      decimal: Decimal128.fromString('1234.5678'),
      yes: true,
      no: false,
      nothing: null,
      at: new Date('2026-11-24T01:02:03.456Z'),
      objectId: new ObjectId('6543210fedcba98765432100'),
      timestamp: new Timestamp({ t: 1_700_000_000, i: 3 }),
      pattern: new BSONRegExp('^coffee', 'i'),
      low: new MinKey(),
      high: new MaxKey(),
    },
    {
      _id: new ObjectId('6543210fedcba98765432101'),
      bytes: new Binary(Buffer.from([0, 1, 2, 254, 255])),
      uuid: new UUID('0f8fad5b-d9cb-469f-a165-70867728950e').toBinary(),
      nested: { level: { deeper: { list: [1, 'two', { three: 3 }, [4, [5]]] } }, emptyDocument: {}, emptyList: [] },
      'dotted.key': 1,
      'emoji 😀 key': 'value',
    },
    { _id: Long.fromNumber(77), points: 120, history: Array.from({ length: 200 }, (_, n) => ({ day: `2026-11-${String((n % 28) + 1).padStart(2, '0')}`, points: n })) },
    { _id: 'large', body: 'x'.repeat(30_000) },
  ];
}

/** Unique-index keys next to the documents, so that index and documents are checked to agree. */
export function uniqueKeyedDocuments(): Document[] {
  return Array.from({ length: 300 }, (_, n) => ({ _id: `k${n}`, key: `key-${n}`, member: `m${n % 30}` }));
}
