import type { Connection } from 'mongoose';
import type { MemberId } from '../../shared/ids';
import { noticeKeyWindow, type Notice } from '../members/member-repository';

/** What the tier job reads of a member: the member document stays owned by member-repository.ts. */
export interface MemberTierState {
  memberId: MemberId;
  tier: string;
  earnedByMonth: Record<string, number>;
  tierSince: Date | null;
}

interface MemberTierDocument {
  _id: string;
  tier?: string;
  earnedByMonth?: Record<string, number>;
  tierSince?: Date | null;
}

export interface TierMove {
  memberId: MemberId;
  from: string;
  to: string;
  /** Queued on the member in the same update, once per key (see member-repository's notices). */
  notice?: Notice | null;
}

/** The fields the tier job reads: the buckets, not the lots, notices or applied markers. */
export const memberTierProjection = { tier: 1, earnedByMonth: 1, tierSince: 1 } as const;

/**
 * The members collection as the tier job sees it. It goes through the driver's collection, not
 * the Member model, because `tierSince` is this feature's field and the model's strict schema
 * would drop it from updates.
 */
export function createMemberTierRepository(connection: Connection) {
  const members = () => connection.collection<MemberTierDocument>('members');
  return {
    /** No model of its own: the Member model initialises the collection. */
    models: [],

    /** For progress only: a fresh run takes the collection's count, not a pass over every member. */
    async count(after: string | null): Promise<number> {
      if (after === null) return members().estimatedDocumentCount();
      return members().countDocuments({ _id: { $gt: after } });
    },

    /**
     * Every member after `after` in `_id` order, a batch at a time: one lean pass, so a checkpoint
     * can resume it. The driver's next batch is fetched while the caller works on this one, and
     * documents are taken from its buffer a batch at a time rather than awaited one by one.
     */
    async *batches(after: string | null, batchSize: number): AsyncGenerator<MemberTierState[]> {
      const cursor = members().find(after === null ? {} : { _id: { $gt: after } }, {
        projection: memberTierProjection,
        sort: { _id: 1 },
        batchSize,
      });
      let more = cursor.hasNext();
      try {
        let batch: MemberTierState[] = [];
        while (await more) {
          for (const doc of cursor.readBufferedDocuments(batchSize - batch.length)) {
            batch.push({ memberId: doc._id as MemberId, tier: doc.tier ?? '', earnedByMonth: doc.earnedByMonth ?? {}, tierSince: doc.tierSince ?? null });
          }
          more = cursor.hasNext();
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      } finally {
        // A caller that stops early leaves a read in flight: let it settle before closing.
        await more.catch(() => false);
        await cursor.close();
      }
    },

    /** Moves members whose tier is still `from`; one bulkWrite per batch. */
    async move(moves: TierMove[], now: Date): Promise<void> {
      if (moves.length === 0) return;
      await members().bulkWrite(
        moves.map((move) => ({
          updateOne: {
            filter: { _id: move.memberId, tier: move.from },
            update: {
              $set: { tier: move.to, tierSince: now },
              ...(move.notice
                ? { $push: { notices: move.notice, noticeKeys: { $each: [move.notice.key], $slice: -noticeKeyWindow } } }
                : {}),
            },
          },
        })),
        { ordered: false },
      );
    },

    /** One member's tier state, for the card's "what keeps it / what's next". */
    async stateOf(memberId: string): Promise<MemberTierState | null> {
      const doc = await members().findOne({ _id: memberId }, { projection: { tier: 1, earnedByMonth: 1, tierSince: 1 } });
      return doc === null ? null : { memberId: doc._id as MemberId, tier: doc.tier ?? '', earnedByMonth: doc.earnedByMonth ?? {}, tierSince: doc.tierSince ?? null };
    },

    async tierOf(memberId: string): Promise<{ tier: string; tierSince: Date | null } | null> {
      const doc = await members().findOne({ _id: memberId }, { projection: { tier: 1, tierSince: 1 } });
      return doc === null ? null : { tier: doc.tier ?? '', tierSince: doc.tierSince ?? null };
    },
  };
}

export type MemberTierRepository = ReturnType<typeof createMemberTierRepository>;
