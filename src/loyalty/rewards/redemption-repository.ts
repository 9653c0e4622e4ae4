import { Schema, type Connection, type Model } from 'mongoose';
import { driverCollectionOf, isDuplicateKeyError } from '../../database/mongo-connection';
import { groupedInsertOne } from '../../database/grouped-calls';
import type { MemberId } from '../../shared/ids';
import type { Redemption, RedemptionId, RedemptionStatus } from './redemption';
import type { RewardId } from './reward';

interface RedemptionDocument extends Omit<Redemption, 'id'> {
  _id: string;
}

/**
 * The per-member limit of one reward for one member: `_id` is `<rewardId>:<memberId>`, `holders` the
 * redemptions counting against it. A redemption joins only while the array is shorter than the
 * limit and it is not in it yet, in one atomic update, so the limit holds under any concurrency
 * and a retried step never counts twice.
 */
interface LimitSlotsDocument {
  _id: string;
  holders: string[];
}

const redemptionSchema = new Schema<RedemptionDocument>(
  {
    _id: String,
    key: { type: String, required: true, unique: true },
    memberId: { type: String, required: true },
    rewardId: { type: String, required: true },
    rewardName: { type: Schema.Types.Mixed, required: true },
    note: String,
    cost: Number,
    takesStock: Boolean,
    perMemberLimit: { type: Number, default: null },
    usesCouponPool: Boolean,
    couponCode: { type: String, default: null },
    status: { type: String, required: true },
    failure: { type: String, default: null },
    shortBy: { type: Number, default: null },
    balanceAfter: { type: Number, default: null },
    createdAt: Date,
    updatedAt: Date,
    redeemedAt: { type: Date, default: null },
    holdUntil: { type: Date, default: null },
    fulfilledAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    releasedAt: { type: Date, default: null },
    handledBy: { type: String, default: null },
  },
  { collection: 'redemptions', versionKey: false, minimize: false },
);
// Declared for real MongoDB; the embedded server scans (DATABASE.md). Only admin lists and jobs query these.
redemptionSchema.index({ memberId: 1, createdAt: -1 });
redemptionSchema.index({ status: 1, holdUntil: 1 });
redemptionSchema.index({ status: 1, updatedAt: 1 });

const limitSlotsSchema = new Schema<LimitSlotsDocument>(
  { _id: String, holders: { type: [String], default: [] } },
  { collection: 'redemption_limit_slots', versionKey: false },
);

export type RedemptionInsert =
  | { kind: 'inserted' }
  | { kind: 'duplicate'; existing: Redemption }
  /** Another redemption drew the same voucher code: draw again. */
  | { kind: 'idTaken' };

export type LimitClaim = { kind: 'claimed' } | { kind: 'full' };

export interface RedemptionQuery {
  memberId?: string;
  status?: RedemptionStatus;
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

const slotsIdOf = (rewardId: string, memberId: string) => `${rewardId}:${memberId}`;
const maxSlotAttempts = 10;

export function createRedemptionRepository(connection: Connection) {
  const Redemptions = connection.model<RedemptionDocument>('Redemption', redemptionSchema);
  // A redemption's own calls go through the driver (a Redemption holds every field the schema has): mongoose's cost
  // per call is about half the driver's again (docs/benchmark.md).
  const redemptionsCollection = driverCollectionOf(Redemptions);
  // The inserts of a burst's redemptions share one write.
  const insertRedemption = groupedInsertOne(redemptionsCollection, 'redemptions.insert');
  const LimitSlots = connection.model<LimitSlotsDocument>('RedemptionLimitSlots', limitSlotsSchema);

  return {
    models: [Redemptions, LimitSlots] as Model<any>[],

    async insert(redemption: Redemption): Promise<RedemptionInsert> {
      const { id, ...fields } = redemption;
      if (await insertRedemption({ ...fields, _id: id })) return { kind: 'inserted' };
      // DATABASE.md: E11000 does not say which index; the unique key tells a duplicate from a code clash.
      const existing = await Redemptions.findOne({ key: redemption.key }).lean();
      return existing ? { kind: 'duplicate', existing: toRedemption(existing) } : { kind: 'idTaken' };
    },

    async findById(id: string): Promise<Redemption | null> {
      const doc = await Redemptions.findById(id).lean();
      return doc ? toRedemption(doc) : null;
    },

    async findByKey(key: string): Promise<Redemption | null> {
      const doc = await redemptionsCollection.findOne({ key });
      return doc ? toRedemption(doc) : null;
    },

    /** Moves a redemption on only from one of the `from` statuses: whoever lands this update owns the next steps. */
    async transition(
      id: RedemptionId,
      from: RedemptionStatus[],
      to: RedemptionStatus,
      set: Partial<Omit<Redemption, 'id' | 'status'>> & { updatedAt: Date },
    ): Promise<boolean> {
      const result = await redemptionsCollection.updateOne({ _id: id, status: { $in: from } }, { $set: { ...set, status: to } });
      return result.modifiedCount === 1;
    },

    async list(query: RedemptionQuery): Promise<{ redemptions: Redemption[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = {};
      if (query.memberId !== undefined) filter.memberId = query.memberId;
      if (query.status !== undefined) filter.status = query.status;
      const after = query.cursor !== undefined ? parseCursor(query.cursor) : null;
      if (after !== null) {
        filter.$or = [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }];
      }
      const docs = await Redemptions.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean();
      const redemptions = docs.slice(0, query.limit).map(toRedemption);
      const last = redemptions.at(-1);
      return {
        redemptions,
        nextCursor: docs.length > query.limit && last ? `${last.createdAt.getTime()}.${last.id}` : null,
      };
    },

    /**
     * What recovery looks at: redemptions left in a passing status (a crash, or a step still
     * running) since before `updatedBefore`, and `interrupted` failures since `interruptedSince`.
     */
    async *streamUnsettled(updatedBefore: Date, interruptedSince: Date): AsyncGenerator<Redemption> {
      const statuses: RedemptionStatus[] = ['pending', 'reversing', 'cancelling', 'releasing'];
      const cursor = Redemptions.find({
        $or: [
          { status: { $in: statuses }, updatedAt: { $lt: updatedBefore } },
          { status: 'failed', failure: 'interrupted', updatedAt: { $gte: interruptedSince } },
        ],
      })
        .lean()
        .cursor({ batchSize: 200 });
      for await (const doc of cursor) yield toRedemption(doc);
    },

    /** Vouchers still waiting for staff whose hold has ended. */
    async *streamExpiredHolds(now: Date): AsyncGenerator<Redemption> {
      const cursor = Redemptions.find({ status: 'redeemed', holdUntil: { $lte: now } })
        .lean()
        .cursor({ batchSize: 200 });
      for await (const doc of cursor) yield toRedemption(doc);
    },

    async claimLimitSlot(rewardId: RewardId, memberId: MemberId, holder: RedemptionId, limit: number): Promise<LimitClaim> {
      const _id = slotsIdOf(rewardId, memberId);
      for (let attempt = 0; attempt < maxSlotAttempts; attempt += 1) {
        try {
          const result = await LimitSlots.updateOne(
            { _id, [`holders.${limit - 1}`]: { $exists: false }, holders: { $ne: holder } },
            { $push: { holders: holder } },
            { upsert: true },
          );
          if (result.modifiedCount + result.upsertedCount === 1) return { kind: 'claimed' };
        } catch (error) {
          // The filter missed an existing document, so the upsert tried to insert it again.
          if (!isDuplicateKeyError(error)) throw error;
        }
        const slots = await LimitSlots.findById(_id).lean();
        if (slots?.holders.includes(holder)) return { kind: 'claimed' };
        if (slots !== null && slots.holders.length >= limit) return { kind: 'full' };
      }
      throw new Error(`The limit slots of ${_id} kept changing; gave up after ${maxSlotAttempts} attempts`);
    },

    async releaseLimitSlot(rewardId: RewardId, memberId: MemberId, holder: RedemptionId): Promise<boolean> {
      const result = await LimitSlots.updateOne({ _id: slotsIdOf(rewardId, memberId), holders: holder }, { $pull: { holders: holder } });
      return result.modifiedCount === 1;
    },

    /** How many redemptions of each reward the member holds against its limit. */
    async heldCounts(memberId: MemberId, rewardIds: string[]): Promise<Map<string, number>> {
      const docs = await LimitSlots.find({ _id: { $in: rewardIds.map((rewardId) => slotsIdOf(rewardId, memberId)) } }).lean();
      return new Map(docs.map((doc) => [doc._id.slice(0, doc._id.length - memberId.length - 1), doc.holders.length]));
    },
  };
}

export type RedemptionRepository = ReturnType<typeof createRedemptionRepository>;

function parseCursor(cursor: string): { createdAt: Date; id: string } | null {
  const match = /^(\d{1,15})\.([A-Z0-9]{1,20})$/.exec(cursor);
  return match ? { createdAt: new Date(Number(match[1])), id: match[2]! } : null;
}

function toRedemption(doc: RedemptionDocument): Redemption {
  return {
    id: doc._id as RedemptionId,
    key: doc.key,
    memberId: doc.memberId as MemberId,
    rewardId: doc.rewardId as RewardId,
    rewardName: doc.rewardName,
    note: doc.note,
    cost: doc.cost,
    takesStock: doc.takesStock,
    perMemberLimit: doc.perMemberLimit ?? null,
    usesCouponPool: doc.usesCouponPool,
    couponCode: doc.couponCode ?? null,
    status: doc.status,
    failure: doc.failure ?? null,
    shortBy: doc.shortBy ?? null,
    balanceAfter: doc.balanceAfter ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    redeemedAt: doc.redeemedAt ?? null,
    holdUntil: doc.holdUntil ?? null,
    fulfilledAt: doc.fulfilledAt ?? null,
    cancelledAt: doc.cancelledAt ?? null,
    releasedAt: doc.releasedAt ?? null,
    handledBy: doc.handledBy ?? null,
  };
}
