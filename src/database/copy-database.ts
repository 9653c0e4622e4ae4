import type { Connection } from './mongo-connection';

export interface CopyProgress {
  collection: string;
  copied: number;
}

export type CopyOutcome =
  | { kind: 'copied'; collections: { name: string; documents: number }[] }
  /** The target already holds data: copying into it could mix two programmes. */
  | { kind: 'targetNotEmpty'; collections: string[] };

/**
 * Copies every collection of one database into another, documents as they are (ids kept), in
 * batches. For moving from the embedded default to MongoDB: the server must be stopped, so nothing
 * changes while it runs. Indexes are not copied: the server creates them at its first start.
 */
export async function copyDatabase(
  source: Connection,
  target: Connection,
  options: { batchSize?: number; onProgress?: (progress: CopyProgress) => void } = {},
): Promise<CopyOutcome> {
  const batchSize = options.batchSize ?? 1000;
  const sourceDb = source.db!;
  const targetDb = target.db!;
  const nonEmpty: string[] = [];
  for (const { name } of await targetDb.listCollections({}, { nameOnly: true }).toArray()) {
    if ((await targetDb.collection(name).estimatedDocumentCount()) > 0) nonEmpty.push(name);
  }
  if (nonEmpty.length > 0) return { kind: 'targetNotEmpty', collections: nonEmpty.sort() };

  const copied: { name: string; documents: number }[] = [];
  const names = (await sourceDb.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name).sort();
  for (const name of names) {
    const into = targetDb.collection(name);
    let documents = 0;
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await into.insertMany(batch, { ordered: false });
      documents += batch.length;
      batch = [];
      options.onProgress?.({ collection: name, copied: documents });
    };
    for await (const document of sourceDb.collection(name).find({}, { batchSize })) {
      batch.push(document);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    copied.push({ name, documents });
  }
  return { kind: 'copied', collections: copied };
}
