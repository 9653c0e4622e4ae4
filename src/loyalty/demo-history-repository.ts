import { Types, type Connection } from 'mongoose';
import { ignoreDuplicateKeys } from '../database/mongo-connection';
import type { DemoHistory } from './demo-history';

const batchSize = 1000;

/**
 * Writes the demo programme's documents straight into the collections other repositories own, in
 * their shapes, with fixed ids: a re-run (two servers starting, a crash mid-seed) inserts nothing twice.
 * Members go last: their presence is what tells the next start that the demo is seeded.
 */
export function createDemoHistoryRepository(connection: Connection) {
  const collection = (name: string) => connection.collection(name);

  const insertAll = async (name: string, docs: Record<string, unknown>[]) => {
    for (let start = 0; start < docs.length; start += batchSize) {
      await collection(name)
        .insertMany(docs.slice(start, start + batchSize) as never[], { ordered: false })
        .catch(ignoreDuplicateKeys);
    }
  };

  return {
    models: [],

    async isSeeded(markerMemberId: string): Promise<boolean> {
      return (await collection('members').countDocuments({ _id: markerMemberId as never }, { limit: 1 })) > 0;
    },

    async insert(history: DemoHistory): Promise<void> {
      await insertAll(
        'ledger',
        history.ledger.map(({ key, ...entry }) => ({ _id: key, ...entry, status: 'applied', sequence: new Types.ObjectId() })),
      );
      await insertAll('redemptions', history.redemptions.map(({ id, ...redemption }) => ({ _id: id, ...redemption })));
      await insertAll('tier_history', history.tierChanges.map((change) => ({ _id: `${change.runId}:${change.memberId}`, ...change })));
      await insertAll('identities', history.identities.map(({ key, ...identity }) => ({ _id: key, ...identity })));
      for (const [rewardId, taken] of history.stockTaken) {
        await collection('rewards').updateOne({ _id: rewardId as never, stock: { $gte: taken } }, { $inc: { stock: -taken } });
      }
      await insertAll('members', history.members.map(({ id, ...member }) => ({ _id: id, ...member })));
    },
  };
}

export type DemoHistoryRepository = ReturnType<typeof createDemoHistoryRepository>;
