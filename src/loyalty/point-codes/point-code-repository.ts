import { Schema, type Connection } from 'mongoose';
import { groupedFindById, groupedInsertOne, groupedUpdateOne } from '../../database/grouped-calls';
import { driverCollectionOf, isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import { useIdOf, type PointCode, type PointCodeId, type PointCodeTerms } from './point-code';

interface PointCodeDocument extends PointCodeTerms {
  _id: string;
  /** Codes created by one request share a batch key; (batchKey, batchIndex) is unique, so a retried request finds its codes. */
  batchKey: string;
  batchIndex: number;
  /** A hash of the request that created the batch: a reused idempotency key with other settings is a conflict. */
  fingerprint: string;
  uses: number;
  /** Ids of the latest counted uses: the marker that makes counting one use idempotent. */
  countedUses: string[];
  createdAt: Date;
}

const pointCodeSchema = new Schema<PointCodeDocument>(
  {
    _id: String,
    batchKey: { type: String, required: true },
    batchIndex: { type: Number, required: true },
    fingerprint: String,
    points: Number,
    maxUses: Number,
    perMemberLimit: Number,
    startsAt: Date,
    expiresAt: Date,
    storeLabel: { type: String, default: null },
    uses: { type: Number, default: 0 },
    countedUses: { type: [String], default: [] },
    createdAt: Date,
  },
  { collection: 'point_codes', versionKey: false },
);
pointCodeSchema.index({ batchKey: 1, batchIndex: 1 }, { unique: true });
pointCodeSchema.index({ createdAt: -1, _id: -1 });

export type UseStatus = 'reserved' | 'counted' | 'awarded';

interface PointCodeUseDocument {
  /** `<code>:<memberId>:<slot>`: a member holds at most perMemberLimit of these per code. */
  _id: string;
  /** The chat request (flow run) that claimed this use: unique, so a redelivered request finds its use. */
  requestKey: string;
  code: string;
  memberId: string;
  slot: number;
  points: number;
  storeLabel: string | null;
  claimedAt: Date;
  status: UseStatus;
}

const pointCodeUseSchema = new Schema<PointCodeUseDocument>(
  {
    _id: String,
    requestKey: { type: String, required: true, unique: true },
    code: String,
    memberId: String,
    slot: Number,
    points: Number,
    storeLabel: { type: String, default: null },
    claimedAt: Date,
    status: String,
  },
  { collection: 'point_code_uses', versionKey: false },
);
pointCodeUseSchema.index({ status: 1, claimedAt: 1 });

export interface NewPointCode extends PointCodeTerms {
  code: PointCodeId;
  batchKey: string;
  batchIndex: number;
  fingerprint: string;
  createdAt: Date;
}

export interface StoredPointCode extends PointCode {
  batchIndex: number;
  fingerprint: string;
}

export interface PointCodeUse {
  id: string;
  requestKey: string;
  code: PointCodeId;
  memberId: MemberId;
  slot: number;
  points: number;
  storeLabel: string | null;
  claimedAt: Date;
  status: UseStatus;
}

/** Where a page of the newest-first listing ends: the next page starts after it. */
export interface ListPosition {
  createdAt: Date;
  code: string;
}

export type ReserveResult =
  | { kind: 'reserved'; use: PointCodeUse }
  | { kind: 'sameRequest'; use: PointCodeUse }
  | { kind: 'limitReached' };

export interface FirstSlotUses {
  /** The ids of the first slots' uses. */
  taken: Set<string>;
  /** This request's use, if it is among them. */
  byRequest: PointCodeUse | null;
}

/** How many counted-use ids a code keeps; the recovery sweep must finish a use before this many newer ones count. */
export const countedUseWindow = 1000;

const slotBatchSize = 100;
const withoutMarkers = { countedUses: 0 } as const;

export function createPointCodeRepository(connection: Connection) {
  const PointCodes = connection.model<PointCodeDocument>('PointCode', pointCodeSchema);
  const Uses = connection.model<PointCodeUseDocument>('PointCodeUse', pointCodeUseSchema);
  // A collect's calls go through the driver (mongoose's cost per call is about half the driver's again,
  // docs/benchmark.md); the last one, marking the use awarded, is shared by the turns of a burst.
  const codesCollection = driverCollectionOf(PointCodes);
  const usesCollection = driverCollectionOf(Uses);
  const updateUse = groupedUpdateOne(usesCollection);
  const insertUse = groupedInsertOne(usesCollection, 'point_code_uses.insert');
  // A store's code is typed by many at once: the reads of a burst share one find.
  const readCode = groupedFindById(codesCollection, { name: 'point_codes.find', projection: withoutMarkers });

  async function useByRequest(requestKey: string): Promise<PointCodeUse | null> {
    const doc = await Uses.findOne({ requestKey }).lean();
    return doc ? toUse(doc) : null;
  }

  return {
    models: [PointCodes, Uses],

    /** Inserts what it can; a code or batch slot that already exists is skipped (read the batch back to see which). */
    async insertMany(codes: NewPointCode[]): Promise<void> {
      if (codes.length === 0) return;
      try {
        await PointCodes.insertMany(
          codes.map(({ code, ...fields }) => ({ ...fields, _id: code, uses: 0, countedUses: [] })),
          { ordered: false },
        );
      } catch (error) {
        // The driver gives one write error or a list of them (OneOrMore); skip only if every one is a duplicate.
        const failures = (error as { writeErrors?: unknown }).writeErrors;
        const onlyDuplicates = failures === undefined ? isDuplicateKeyError(error) : [failures].flat().every(isDuplicateWriteError);
        if (!onlyDuplicates) throw error;
      }
    },

    async findBatch(batchKey: string): Promise<StoredPointCode[]> {
      const docs = await PointCodes.find({ batchKey }, withoutMarkers).sort({ batchIndex: 1 }).lean();
      return docs.map(toStoredCode);
    },

    async find(code: PointCodeId): Promise<StoredPointCode | null> {
      const doc = await readCode(code);
      return doc ? toStoredCode(doc) : null;
    },

    /** Newest first; codes created together are ordered by code, so pages never skip or repeat one. */
    async list(limit: number, after?: ListPosition): Promise<StoredPointCode[]> {
      const filter = after
        ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.code } }] }
        : {};
      const docs = await PointCodes.find(filter, withoutMarkers).sort({ createdAt: -1, _id: -1 }).limit(limit).lean();
      return docs.map(toStoredCode);
    },

    useByRequest,

    /**
     * The member's uses of the code in its first slots, and among them the one this request made, if any: one read
     * that both answers a request made again and lets `reserveUse` skip its first. Slots fill from 1 up, so a request's
     * use is among them unless every one of them is taken and the code allows more: only then is it looked up by its
     * request key, so that a request made again is answered as collected even once the code has filled up.
     */
    async firstSlotUses(code: PointCodeId, memberId: MemberId, perMemberLimit: number, requestKey: string): Promise<FirstSlotUses> {
      const ids = slotBatch(1, perMemberLimit).map((slot) => useIdOf(code, memberId, slot));
      const docs = await usesCollection.find({ _id: { $in: ids } }).toArray();
      const mine = docs.find((doc) => doc.requestKey === requestKey);
      const pastTheseSlots = mine === undefined && docs.length === ids.length && perMemberLimit > ids.length;
      const byRequest = mine ? toUse(mine) : pastTheseSlots ? await useByRequest(requestKey) : null;
      return { taken: new Set(docs.map((doc) => doc._id)), byRequest };
    },

    /**
     * Takes the member's first free use slot of the code, 1..perMemberLimit. The slot ids are
     * unique, so of two racing requests one gets a slot and the other the next one (or none).
     */
    async reserveUse(request: {
      code: PointCodeId;
      memberId: MemberId;
      perMemberLimit: number;
      requestKey: string;
      points: number;
      storeLabel: string | null;
      claimedAt: Date;
      /** The first slots as `firstSlotUses` read them for this request, if it did: not read again. */
      firstSlots?: FirstSlotUses;
    }): Promise<ReserveResult> {
      for (let first = 1; first <= request.perMemberLimit; first += slotBatchSize) {
        const slots = slotBatch(first, request.perMemberLimit);
        const taken =
          first === 1 && request.firstSlots !== undefined
            ? request.firstSlots.taken
            : new Set(
                (await Uses.find({ _id: { $in: slots.map((slot) => useIdOf(request.code, request.memberId, slot)) } }, { _id: 1 }).lean()).map(
                  (doc) => doc._id,
                ),
              );
        for (const slot of slots) {
          const id = useIdOf(request.code, request.memberId, slot);
          if (taken.has(id)) continue;
          const use: PointCodeUse = {
            id,
            requestKey: request.requestKey,
            code: request.code,
            memberId: request.memberId,
            slot,
            points: request.points,
            storeLabel: request.storeLabel,
            claimedAt: request.claimedAt,
            status: 'reserved',
          };
          const { id: _id, ...fields } = use;
          if (await insertUse({ _id, ...fields })) return { kind: 'reserved', use };
          // The insert can collide on the slot or on the request key; only the second is ours.
          const existing = await useByRequest(request.requestKey);
          if (existing) return { kind: 'sameRequest', use: existing };
        }
      }
      const existing = await useByRequest(request.requestKey);
      return existing ? { kind: 'sameRequest', use: existing } : { kind: 'limitReached' };
    },

    /**
     * Counts a use against maxUses: one atomic update that increments `uses` only below maxUses and
     * only if this use is not among the counted markers, and adds the marker. Counting the same use
     * again is therefore harmless.
     */
    async countUse(use: Pick<PointCodeUse, 'id' | 'code'>): Promise<'counted' | 'usedUp'> {
      const result = await codesCollection.updateOne(
        { _id: use.code, $expr: { $lt: ['$uses', '$maxUses'] }, countedUses: { $ne: use.id } },
        { $inc: { uses: 1 }, $push: { countedUses: { $each: [use.id], $slice: -countedUseWindow } } },
      );
      if (result.modifiedCount === 1) return 'counted';
      const alreadyCounted = await PointCodes.exists({ _id: use.code, countedUses: use.id });
      return alreadyCounted ? 'counted' : 'usedUp';
    },

    async setUseStatus(useId: string, from: UseStatus, to: UseStatus): Promise<void> {
      await updateUse({ filter: { _id: useId, status: from }, update: { $set: { status: to } } });
    },

    /** Gives a reserved slot back when the code turned out to be used up. */
    async releaseUse(useId: string): Promise<void> {
      await Uses.deleteOne({ _id: useId, status: 'reserved' });
    },

    /** Uses a crash left unfinished, for the recovery sweep (a full scan: only _id and unique indexes are real here). */
    async unfinishedUses(claimedBefore: Date): Promise<PointCodeUse[]> {
      const docs = await Uses.find({ status: { $in: ['reserved', 'counted'] }, claimedAt: { $lt: claimedBefore } }).lean();
      return docs.map(toUse);
    },
  };
}

export type PointCodeRepository = ReturnType<typeof createPointCodeRepository>;

function isDuplicateWriteError(failure: unknown): boolean {
  const code = (failure as { code?: number; err?: { code?: number } }).code ?? (failure as { err?: { code?: number } }).err?.code;
  return code === 11000;
}

function toStoredCode(doc: Omit<PointCodeDocument, 'countedUses'>): StoredPointCode {
  return {
    code: doc._id as PointCodeId,
    points: doc.points,
    maxUses: doc.maxUses,
    perMemberLimit: doc.perMemberLimit,
    startsAt: doc.startsAt,
    expiresAt: doc.expiresAt,
    storeLabel: doc.storeLabel ?? null,
    uses: doc.uses ?? 0,
    createdAt: doc.createdAt,
    batchIndex: doc.batchIndex,
    fingerprint: doc.fingerprint,
  };
}

function toUse(doc: PointCodeUseDocument): PointCodeUse {
  return {
    id: doc._id,
    requestKey: doc.requestKey,
    code: doc.code as PointCodeId,
    memberId: doc.memberId as MemberId,
    slot: doc.slot,
    points: doc.points,
    storeLabel: doc.storeLabel ?? null,
    claimedAt: doc.claimedAt,
    status: doc.status,
  };
}

function slotBatch(first: number, perMemberLimit: number): number[] {
  return Array.from({ length: Math.min(slotBatchSize, perMemberLimit - first + 1) }, (_, index) => first + index);
}
