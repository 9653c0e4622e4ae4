import mongoose, { type Connection } from 'mongoose';

export type { Connection };

/**
 * The driver's collection behind a model, typed with the model's document: for the calls every turn makes, which go
 * straight through the driver (mongoose's cost per call is about half the driver's again, docs/benchmark.md). They
 * skip mongoose's casting and defaults, so they must write exactly the schema's fields, in stored types.
 */
export function driverCollectionOf<Doc extends mongoose.mongo.Document>(model: mongoose.Model<Doc>): mongoose.mongo.Collection<Doc> {
  return model.collection as unknown as mongoose.mongo.Collection<Doc>;
}

export async function connectMongo(uri: string, dbName?: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...(dbName !== undefined ? { dbName } : {}),
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 5000,
  });
  await connection.asPromise();
  return connection;
}

export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (db === undefined || connection.readyState !== 1) throw new Error('not connected');
  await db.command({ ping: 1 });
}

/** DATABASE.md: a model's first write can race automatic collection creation, so create both up front. */
export async function initModels(models: mongoose.Model<any>[]): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch((error: { codeName?: string; code?: number }) => {
      if (error.code !== 48 && error.codeName !== 'NamespaceExists') throw error;
    });
    await model.init();
    await model.syncIndexes();
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}

/** For idempotent bulk inserts: documents that already exist are what we wanted anyway. */
export function ignoreDuplicateKeys(error: unknown): void {
  const writeErrors = (error as { writeErrors?: { code?: number }[] }).writeErrors;
  const onlyDuplicates = writeErrors ? writeErrors.every((writeError) => writeError.code === 11000) : isDuplicateKeyError(error);
  if (!onlyDuplicates) throw error;
}

const unavailableErrorNames = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/**
 * True when an operation failed because the database could not be reached (down, restarting, the
 * network cut), not because of what was asked: the same operation may succeed once it is back.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, errorResponse } = error as { name?: unknown; message?: unknown; errorResponse?: unknown };
  if (typeof name === 'string' && unavailableErrorNames.has(name)) return true;
  // A bulk write (the grouped calls) that never reached the server wraps the network error it met.
  if (name === 'MongoBulkWriteError' && isDatabaseUnavailable(errorResponse)) return true;
  // mongoose queues operations while disconnected and fails them with this message after bufferTimeoutMS.
  return typeof message === 'string' && /buffering timed out/.test(message);
}
