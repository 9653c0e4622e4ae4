import type { mongo } from 'mongoose';
import { groupCommit } from '../shared/group-commit';

/**
 * The calls every turn makes, group-committed (src/shared/group-commit.ts): the turns in flight share one
 * round trip per kind of call instead of one each. Through the driver, so filters and updates must already
 * hold stored types (string ids, dates).
 */

export interface GroupedUpdate<Doc extends mongo.Document> {
  filter: mongo.Filter<Doc>;
  update: mongo.UpdateFilter<Doc>;
}

/**
 * `updateOne`s, sent together as one unordered bulk write. A caller learns only that its update was written,
 * not whether it matched; an update the database refuses rejects its caller alone.
 */
export function groupedUpdateOne<Doc extends mongo.Document>(
  collection: mongo.Collection<Doc>,
  name = `${collection.collectionName}.updateOne`,
): (update: GroupedUpdate<Doc>) => Promise<void> {
  return groupCommit<GroupedUpdate<Doc>, void>(
    (updates) =>
      outcomesOfUnorderedWrite(
        updates.length,
        () => collection.bulkWrite(updates.map(({ filter, update }) => ({ updateOne: { filter, update } })), { ordered: false }),
        undefined,
        outcomesFromBulkError,
      ),
    { name },
  );
}

/**
 * `insertOne`s, sent together as one unordered `insertMany`. A caller learns whether its document was inserted
 * (true) or a unique key of it, its `_id` or another, was taken already (false: by a document of the same write
 * too, as E11000 says of either); any other refusal rejects its caller alone.
 */
export function groupedInsertOne<Doc extends mongo.Document>(
  collection: mongo.Collection<Doc>,
  name: string,
): (document: mongo.OptionalUnlessRequiredId<Doc>) => Promise<boolean> {
  return groupCommit<mongo.OptionalUnlessRequiredId<Doc>, boolean>(
    (documents) => outcomesOfUnorderedWrite(documents.length, () => collection.insertMany(documents, { ordered: false }), true, insertOutcomesFromBulkError),
    { name },
  );
}

/**
 * The outcome of each item of an unordered bulk write: `written` for every one when it succeeds, else what the error
 * says of each; when it says nothing of them (a command error, a closed connection), the error fails them all.
 */
async function outcomesOfUnorderedWrite<Outcome>(
  count: number,
  write: () => Promise<unknown>,
  written: Outcome,
  outcomesFromError: (error: unknown, count: number) => (Outcome | Error)[] | null,
): Promise<(Outcome | Error)[]> {
  try {
    await write();
    return Array.from({ length: count }, () => written);
  } catch (error) {
    const outcomes = outcomesFromError(error, count);
    if (outcomes === null) throw error;
    return outcomes;
  }
}

/**
 * Reads by `_id`, sent together as one `find` of `_id: {$in: …}` with the same `projection` for every id. A caller
 * gets its own copy of the document, or null where there is none. The filter is `_id` alone: that is what the
 * embedded server answers from its index (another condition next to an `$in` makes it read the whole collection),
 * so a caller that wants a condition checks it on the document.
 */
export function groupedFindById<Doc extends { _id: string }>(
  collection: mongo.Collection<Doc>,
  options: { name: string; projection: mongo.Document },
): (id: string) => Promise<Doc | null> {
  return groupCommit<string, Doc | null>(
    async (ids) => {
      const distinctIds = [...new Set(ids)];
      const filter = { _id: { $in: distinctIds } } as mongo.Filter<Doc>;
      // The limit as well: MongoDB may leave a cursor open after a full first batch, and finding its end costs a getMore.
      const found = await collection.find(filter, { projection: options.projection, batchSize: distinctIds.length, limit: distinctIds.length }).toArray();
      const byId = new Map(found.map((doc) => [doc._id as string, doc as Doc]));
      const handedOut = new Set<string>();
      return ids.map((id) => {
        const doc = byId.get(id);
        if (doc === undefined) return null;
        // Two turns asking for the same document in one batch each get a copy of their own to change.
        if (handedOut.has(id)) return structuredClone(doc);
        handedOut.add(id);
        return doc;
      });
    },
    { name: options.name },
  );
}

/**
 * One outcome per document of an unordered `insertMany` that failed for some: true inserted, false a duplicate key,
 * or the document's own error; null unless the error accounts for every document (a command error, a closed
 * connection: then nothing is known of any of them).
 */
export function insertOutcomesFromBulkError(error: unknown, count: number): (boolean | Error)[] | null {
  const refused = writeErrorsOf(error);
  if (refused === null) return null;
  const { insertedIds } = error as { insertedIds?: Record<string, unknown> };
  const accountedFor = new Set([...Object.keys(insertedIds ?? {}).map(Number), ...refused.keys()]);
  if (accountedFor.size !== count) return null;
  const outcomes: (boolean | Error)[] = Array.from({ length: count }, () => true);
  for (const [index, failed] of refused) outcomes[index] = failed.code === 11000 ? false : failed;
  return outcomes;
}

/** One outcome per update of an unordered bulk write that failed for some: the failed ones get their error. */
function outcomesFromBulkError(error: unknown, count: number): (undefined | Error)[] | null {
  const failures = writeErrorsOf(error);
  if (failures === null) return null;
  const outcomes: (undefined | Error)[] = Array.from({ length: count }, () => undefined);
  for (const [index, failed] of failures) outcomes[index] = failed;
  return outcomes;
}

/**
 * The documents an unordered bulk write refused, by their index in it, each as an Error with the server's code; null
 * when the error is no such answer (a command error, a closed connection: then nothing is known of any document).
 */
export function writeErrorsOf(error: unknown): Map<number, Error & { code?: number }> | null {
  type WriteError = { index: number; code?: number; errmsg?: string };
  // The driver gives one write error or a list of them.
  const { writeErrors } = (error ?? {}) as { writeErrors?: WriteError | WriteError[] };
  const failures = writeErrors === undefined ? [] : [writeErrors].flat();
  if (failures.length === 0) return null;
  return new Map(failures.map((failed) => [failed.index, Object.assign(new Error(failed.errmsg ?? 'write refused'), { code: failed.code })]));
}
