import mongoose, { type Connection } from 'mongoose';

export type { Connection };

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
