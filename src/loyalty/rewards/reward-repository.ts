import { Schema, type Connection, type Model } from 'mongoose';
import { driverCollectionOf, ignoreDuplicateKeys, isDuplicateKeyError } from '../../database/mongo-connection';
import { groupedFindById, groupedUpdateOne } from '../../database/grouped-calls';
import type { RedemptionId } from './redemption';
import type { Reward, RewardId } from './reward';

interface RewardDocument extends Omit<Reward, 'id'> {
  _id: string;
  /**
   * Redemptions that took a unit of stock and are not yet redeemed (or returned it): the marker that makes taking
   * stock, and handing it back from a failed redemption, happen once. It leaves once the redemption is `redeemed`, so
   * the array holds the redemptions in flight, not every voucher outstanding.
   */
  stockHolders: string[];
  /**
   * The latest redeemed vouchers whose unit was handed back (cancelled, released): the marker that makes that return
   * happen once, however many processes undo the voucher at once. Kept as a window (stockReturnWindow), not removed
   * when the voucher ends: a process that read the voucher as still being undone may write after that.
   */
  stockReturns: string[];
  /** When the stock was last made unlimited: units taken before then are not handed back. */
  stockForgottenAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** One uploaded coupon code; `_id` is `<rewardId>:<code>`, so uploading a code twice is a duplicate key. */
interface CouponCodeDocument {
  _id: string;
  rewardId: string;
  code: string;
  redemptionId: string | null;
  uploadedAt: Date;
  claimedAt: Date | null;
}

const rewardSchema = new Schema<RewardDocument>(
  {
    _id: String,
    name: { type: Schema.Types.Mixed, required: true },
    description: { type: Schema.Types.Mixed, default: {} },
    imageUrl: { type: String, default: null },
    cost: { type: Number, required: true },
    stock: { type: Number, default: null },
    startsAt: { type: Date, default: null },
    endsAt: { type: Date, default: null },
    perMemberLimit: { type: Number, default: null },
    minimumTier: { type: String, default: null },
    usesCouponPool: { type: Boolean, default: false },
    active: { type: Boolean, default: true },
    stockHolders: { type: [String], default: [] },
    stockReturns: { type: [String], default: [] },
    stockForgottenAt: { type: Date, default: undefined },
    createdAt: Date,
    updatedAt: Date,
  },
  { collection: 'rewards', versionKey: false, minimize: false },
);
// DATABASE.md: the embedded server ignores secondary indexes; real MongoDB needs them all the same.
rewardSchema.index({ active: 1 });

const couponCodeSchema = new Schema<CouponCodeDocument>(
  {
    _id: String,
    rewardId: { type: String, required: true },
    code: { type: String, required: true },
    redemptionId: { type: String, default: null },
    uploadedAt: Date,
    claimedAt: { type: Date, default: null },
  },
  { collection: 'reward_coupon_codes', versionKey: false },
);
couponCodeSchema.index({ rewardId: 1, redemptionId: 1 });

/** Catalog fields the admin API may change; `stock` is a set, `stockDelta` an atomic `$inc`. */
export interface RewardChanges {
  name?: Partial<Reward['name']>;
  description?: Partial<Reward['description']>;
  imageUrl?: string | null;
  cost?: number;
  stock?: number | null;
  stockDelta?: number;
  startsAt?: Date | null;
  endsAt?: Date | null;
  perMemberLimit?: number | null;
  minimumTier?: string | null;
  usesCouponPool?: boolean;
  active?: boolean;
}

export type RewardUpdate =
  | { kind: 'updated' }
  | { kind: 'notFound' }
  | { kind: 'stockUnlimited' }
  | { kind: 'stockTooLow'; stock: number };

export type StockTake = { kind: 'taken' } | { kind: 'outOfStock' };
export type CouponClaim = { kind: 'claimed'; code: string } | { kind: 'poolEmpty' };

const catalogFields = { stockHolders: 0, stockReturns: 0, stockForgottenAt: 0 } as const;
/**
 * How many return markers a reward keeps: a voucher's undo must not run again after this many later returns of the
 * same reward, which a process would have to stall through (recovery finishes an interrupted undo within minutes).
 */
const stockReturnWindow = 1000;

export function createRewardRepository(connection: Connection) {
  const Rewards = connection.model<RewardDocument>('Reward', rewardSchema);
  // A redemption's reads and its stock take go through the driver: mongoose's cost per call is about half the
  // driver's again (docs/benchmark.md).
  const rewardsCollection = driverCollectionOf(Rewards);
  const CouponCodes = connection.model<CouponCodeDocument>('RewardCouponCode', couponCodeSchema);
  // Every redemption reads its reward, twice (the offer, the confirmation): the reads of a burst share one find.
  const readReward = groupedFindById(rewardsCollection, { name: 'rewards.findById', projection: catalogFields });
  // Every redeemed voucher's marker leaves the reward's document: the redemptions of a burst share one write.
  const pullStockMarkers = groupedUpdateOne(rewardsCollection, 'rewards.settleStock');

  return {
    models: [Rewards, CouponCodes] as Model<any>[],

    async findById(id: string): Promise<Reward | null> {
      const doc = await readReward(id);
      return doc ? toReward(doc) : null;
    },

    /** Active rewards, cheapest first; the window and tier are the policy's to judge. */
    async active(): Promise<Reward[]> {
      const docs = await Rewards.find({ active: true }, catalogFields).sort({ cost: 1, _id: 1 }).lean();
      return docs.map(toReward);
    },

    /** A page of the catalog in id order; `after` is the last id of the previous page. */
    async page(options: { limit: number; after?: string }): Promise<{ rewards: Reward[]; nextCursor: string | null }> {
      const filter = options.after !== undefined ? { _id: { $gt: options.after } } : {};
      const docs = await Rewards.find(filter, catalogFields).sort({ _id: 1 }).limit(options.limit + 1).lean();
      const rewards = docs.slice(0, options.limit).map(toReward);
      return { rewards, nextCursor: docs.length > options.limit ? (rewards.at(-1)?.id ?? null) : null };
    },

    async count(): Promise<number> {
      return Rewards.countDocuments();
    },

    async create(reward: Reward, now: Date): Promise<{ kind: 'created' } | { kind: 'duplicate' }> {
      const { id, ...fields } = reward;
      try {
        await Rewards.create({ ...fields, _id: id, stockHolders: [], createdAt: now, updatedAt: now });
        return { kind: 'created' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'duplicate' };
        throw error;
      }
    },

    /** Inserts the rewards that do not exist yet: two servers seeding one empty database both succeed. */
    async insertMissing(rewards: Reward[], now: Date): Promise<void> {
      await Rewards.insertMany(
        rewards.map(({ id, ...fields }) => ({ ...fields, _id: id, stockHolders: [], createdAt: now, updatedAt: now })),
        { ordered: false },
      ).catch(ignoreDuplicateKeys);
    },

    /** One atomic update: every field set, and a stock delta applied only if it leaves stock at 0 or more. */
    async update(id: string, changes: RewardChanges, now: Date): Promise<RewardUpdate> {
      const { name, description, stockDelta, ...plain } = changes;
      const set: Record<string, unknown> = { ...plain, updatedAt: now };
      for (const [locale, text] of Object.entries(name ?? {})) set[`name.${locale}`] = text;
      for (const [locale, text] of Object.entries(description ?? {})) set[`description.${locale}`] = text;
      // Unlimited stock has nothing to hand back, so no redemption may keep holding a unit of it.
      if (changes.stock === null) Object.assign(set, { stockHolders: [], stockReturns: [], stockForgottenAt: now });
      const filter: Record<string, unknown> = { _id: id };
      const update: Record<string, unknown> = { $set: set };
      if (stockDelta !== undefined && stockDelta !== 0) {
        filter.stock = stockDelta < 0 ? { $gte: -stockDelta } : { $ne: null };
        update.$inc = { stock: stockDelta };
      }
      const result = await Rewards.updateOne(filter, update);
      if (result.matchedCount === 1) return { kind: 'updated' };
      const current = await Rewards.findById(id, { stock: 1 }).lean();
      if (current === null) return { kind: 'notFound' };
      if (current.stock === null) return { kind: 'stockUnlimited' };
      return { kind: 'stockTooLow', stock: current.stock };
    },

    /** A guarded `$inc`: one unit, only while stock is above 0, at most once per redemption. */
    async takeStock(id: RewardId, holder: RedemptionId): Promise<StockTake> {
      const result = await rewardsCollection.updateOne(
        { _id: id, stock: { $gt: 0 }, stockHolders: { $ne: holder } },
        { $inc: { stock: -1 }, $push: { stockHolders: holder } },
      );
      if (result.modifiedCount === 1) return { kind: 'taken' };
      const held = await Rewards.exists({ _id: id, stockHolders: holder });
      return held !== null ? { kind: 'taken' } : { kind: 'outOfStock' };
    },

    /** Puts back the unit a redemption that never reached `redeemed` holds, if it holds one. */
    async returnStock(id: RewardId, holder: RedemptionId): Promise<boolean> {
      const result = await Rewards.updateOne(
        { _id: id, stockHolders: holder },
        { $inc: { stock: 1 }, $pull: { stockHolders: holder } },
      );
      return result.modifiedCount === 1;
    },

    /**
     * The redemption is `redeemed` (its own document now says it has the unit) or fulfilled: the unit stays taken and
     * the marker goes. Doing it again changes nothing.
     */
    async settleStock(id: RewardId, holder: RedemptionId): Promise<void> {
      await pullStockMarkers({ filter: { _id: id, stockHolders: holder }, update: { $pull: { stockHolders: holder } } });
    },

    /**
     * Puts back the unit of a redeemed voucher being cancelled or released, once: a voucher whose take marker is still
     * there (redeemed before its marker left) gives it up with the unit; otherwise the return marker records the
     * return, in the same update. A unit taken before the stock was last made unlimited is not put back.
     */
    async returnRedeemedStock(id: RewardId, holder: RedemptionId, takenAt: Date): Promise<boolean> {
      const remember = { $push: { stockReturns: { $each: [holder], $slice: -stockReturnWindow } } };
      const stillHeld = await rewardsCollection.updateOne(
        { _id: id, stockHolders: holder },
        { $inc: { stock: 1 }, $pull: { stockHolders: holder }, ...remember },
      );
      if (stillHeld.modifiedCount === 1) return true;
      const result = await rewardsCollection.updateOne(
        {
          _id: id,
          stock: { $ne: null },
          stockForgottenAt: { $not: { $gte: takenAt } },
          stockHolders: { $ne: holder },
          stockReturns: { $ne: holder },
        },
        { $inc: { stock: 1 }, ...remember },
      );
      return result.modifiedCount === 1;
    },

    /** Adds codes to the reward's pool; a code already in the pool (claimed or not) is skipped. */
    async addCouponCodes(id: RewardId, codes: string[], now: Date): Promise<{ added: number; duplicates: number }> {
      const distinct = [...new Set(codes)];
      if (distinct.length === 0) return { added: 0, duplicates: codes.length };
      const docs = distinct.map((code) => ({ _id: `${id}:${code}`, rewardId: id, code, redemptionId: null, uploadedAt: now, claimedAt: null }));
      let skipped = 0;
      try {
        await CouponCodes.insertMany(docs, { ordered: false });
      } catch (error) {
        // The embedded server miscounts insertedCount after duplicates; count the duplicate write errors instead.
        const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
        if (!isDuplicateKeyError(error) || writeErrors === undefined) throw error;
        if (writeErrors.some((writeError) => (writeError.code ?? writeError.err?.code) !== 11000)) throw error;
        skipped = writeErrors.length;
      }
      return { added: distinct.length - skipped, duplicates: codes.length - distinct.length + skipped };
    },

    async couponCodeCounts(id: RewardId): Promise<{ total: number; available: number }> {
      const [total, available] = await Promise.all([
        CouponCodes.countDocuments({ rewardId: id }),
        CouponCodes.countDocuments({ rewardId: id, redemptionId: null }),
      ]);
      return { total, available };
    },

    async hasFreeCouponCode(id: RewardId): Promise<boolean> {
      return (await CouponCodes.exists({ rewardId: id, redemptionId: null })) !== null;
    },

    /** A guarded update on one free code; a redemption that already holds a code gets the same one back. */
    async claimCouponCode(id: RewardId, holder: RedemptionId, now: Date): Promise<CouponClaim> {
      const held = await CouponCodes.findOne({ rewardId: id, redemptionId: holder }, { code: 1 }).lean();
      if (held !== null) return { kind: 'claimed', code: held.code };
      const claimed = await CouponCodes.findOneAndUpdate(
        { rewardId: id, redemptionId: null },
        { $set: { redemptionId: holder, claimedAt: now } },
        { projection: { code: 1 }, returnDocument: 'before' },
      ).lean();
      return claimed !== null ? { kind: 'claimed', code: claimed.code } : { kind: 'poolEmpty' };
    },

    async heldCouponCode(id: RewardId, holder: RedemptionId): Promise<string | null> {
      return (await CouponCodes.findOne({ rewardId: id, redemptionId: holder }, { code: 1 }).lean())?.code ?? null;
    },

    /** Frees every code the redemption holds except `keep` (the one the member was shown). */
    async releaseCouponCodes(id: RewardId, holder: RedemptionId, keep: string | null = null): Promise<number> {
      const filter = keep === null ? { rewardId: id, redemptionId: holder } : { rewardId: id, redemptionId: holder, code: { $ne: keep } };
      const result = await CouponCodes.updateMany(filter, { $set: { redemptionId: null, claimedAt: null } });
      return result.modifiedCount;
    },
  };
}

export type RewardRepository = ReturnType<typeof createRewardRepository>;

/** A reward as the catalogue sees it: the stock markers are the repository's own. */
function toReward(doc: Omit<RewardDocument, 'stockHolders' | 'stockReturns' | 'stockForgottenAt'>): Reward {
  return {
    id: doc._id as RewardId,
    name: doc.name,
    description: { ...{ 'zh-TW': '', en: '' }, ...doc.description },
    imageUrl: doc.imageUrl ?? null,
    cost: doc.cost,
    stock: doc.stock ?? null,
    startsAt: doc.startsAt ?? null,
    endsAt: doc.endsAt ?? null,
    perMemberLimit: doc.perMemberLimit ?? null,
    minimumTier: doc.minimumTier ?? null,
    usesCouponPool: doc.usesCouponPool ?? false,
    active: doc.active ?? true,
  };
}
