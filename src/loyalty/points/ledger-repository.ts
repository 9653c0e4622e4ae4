import type { DateTime } from 'luxon';
import { Schema, Types, type Connection } from 'mongoose';
import { groupedInsertOne, groupedUpdateOne } from '../../database/grouped-calls';
import { driverCollectionOf } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import type { BalanceChange, BalanceState, MemberRepository } from '../members/member-repository';
import { balanceOf, planExpiry, planSpend, type Draw, type LedgerEntry, type LedgerReason, type Lot } from './ledger';

interface LedgerDocument extends Omit<LedgerEntry, 'key' | 'memberId'> {
  _id: string;
  memberId: string;
  /** Insertion order, for entries written in the same millisecond (an ObjectId grows monotonically). */
  sequence: Types.ObjectId;
}

const ledgerSchema = new Schema<LedgerDocument>(
  {
    _id: String,
    memberId: { type: String, required: true },
    kind: String,
    points: Number,
    reason: String,
    note: { type: String, default: null },
    createdAt: Date,
    expiresAt: { type: Date, default: null },
    qualifyingMonth: { type: String, default: null },
    draws: [{ _id: false, lot: String, points: Number }],
    status: String,
    sequence: Schema.Types.ObjectId,
  },
  { collection: 'ledger', versionKey: false },
);
ledgerSchema.index({ memberId: 1, createdAt: -1 });
ledgerSchema.index({ status: 1, createdAt: 1 });

export interface SpendRequest {
  key: string;
  memberId: MemberId;
  points: number;
  reason: LedgerReason;
  note?: string | null;
  now: DateTime;
  /**
   * The member's balance state, if the caller read it before this call: a new entry is then applied with it
   * directly, sparing a read of the member and of the entry (applyInserted).
   */
  readBefore?: BalanceState;
}

export interface EarnRequest extends SpendRequest {
  expiresAt: Date | null;
  /** The loyalty month whose tier-qualification bucket this earn adds to; none for refunds. */
  qualifyingMonth?: string | null;
  /** Member fields that change together with the balance (the check-in streak). */
  set?: Record<string, unknown>;
  /**
   * The member fields `set` was planned on (the check-in's last day): the change lands only while the member still
   * has them. A `set` planned on an earlier read is never written over what changed since: when the compare-and-set
   * misses, the earn returns `stale`, its entry left pending under its key, for the caller to plan again on a fresh
   * read and earn again with the same key.
   */
  where?: Record<string, unknown>;
}

export type EarnResult = { kind: 'recorded'; balance: number } | { kind: 'duplicate'; entry: LedgerEntry } | { kind: 'noMember' };
/** A guarded earn (`where`) whose plan may be stale; `entry` is the pending entry, whose points stand. */
export type StaleEarn = { kind: 'stale'; entry: LedgerEntry };
export type SpendResult =
  | { kind: 'recorded'; balance: number; draws: Draw[] }
  | { kind: 'duplicate'; entry: LedgerEntry }
  | { kind: 'notEnoughPoints'; balance: number; shortBy: number }
  | { kind: 'noMember' };

type ApplyPlan = Extract<Plan, { kind: 'apply' }>;

type Plan =
  | {
      kind: 'apply';
      lots: Lot[];
      points: number;
      earned: number;
      earnedMonth?: string;
      draws: Draw[];
      entryPoints: number;
      /** The pending entry already holds these draws and points (an earn's are fixed at insert): step 2 need not write them. */
      entryHoldsPlan?: true;
      set?: Record<string, unknown>;
      where?: Record<string, unknown>;
    }
  | { kind: 'reject'; reason: 'notEnoughPoints'; balance: number; shortBy: number }
  | { kind: 'nothing' };

type Applied =
  | { kind: 'applied'; balance: number; draws: Draw[] }
  | { kind: 'alreadyApplied' }
  | { kind: 'rejected'; balance: number; shortBy: number }
  | { kind: 'noMember' }
  | { kind: 'stale' };

const maxAttempts = 25;

/**
 * The ledger's write protocol (docs/ledger.md):
 * 1. insert the entry as `pending` under its unique key — a duplicate key means the change exists;
 * 2. read the member's balance state, plan the change (pure), write the plan (draws) on the entry;
 * 3. compare-and-set the member: lots, balance and the entry's key as an applied marker, in one
 *    atomic update that only lands on the revision read in 2 (else go back to 2);
 * 4. mark the entry `applied` (or `rejected` if the plan said no).
 * A crash anywhere leaves a pending entry that `recoverPending` finishes: the marker tells whether
 * step 3 happened.
 */
export function createLedgerRepository(connection: Connection, members: MemberRepository) {
  const Ledger = connection.model<LedgerDocument>('LedgerEntry', ledgerSchema);
  const ledgerCollection = driverCollectionOf(Ledger);

  // Every points change starts here: the inserts of a burst share one write. Through the driver, as the entry already
  // holds every field the schema has.
  const insertEntry = groupedInsertOne(ledgerCollection, 'ledger.insert');

  async function insertPending(entry: LedgerEntry): Promise<LedgerEntry | null> {
    const { key, ...fields } = entry;
    if (await insertEntry({ ...fields, _id: key, sequence: new Types.ObjectId() })) return null;
    const existing = await Ledger.findById(key).lean();
    return toEntry(existing!);
  }

  // Step 4 ends every change: the changes of a burst share its two writes.
  const updateEntry = groupedUpdateOne(ledgerCollection);

  async function markApplied(key: string, memberId: string): Promise<void> {
    await updateEntry({ filter: { _id: key }, update: { $set: { status: 'applied' } } });
    await members.clearAppliedMarker(memberId, key);
  }

  /**
   * Steps 2-4. The member is read before the entry: if the marker is already gone, the entry was
   * marked applied before it went, so the entry read that follows sees it; if the member was read
   * before another applier's compare-and-set, this one's compare-and-set fails and reads again.
   */
  async function apply(key: string, memberId: string, plan: (state: BalanceState) => Plan): Promise<Applied> {
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      const state = await members.balanceState(memberId);
      if (state === null) {
        await Ledger.updateOne({ _id: key, status: 'pending' }, { $set: { status: 'rejected' } });
        return { kind: 'noMember' };
      }
      if (state.appliedEntries.includes(key)) {
        await markApplied(key, memberId);
        return { kind: 'alreadyApplied' };
      }
      const current = await Ledger.findById(key, { status: 1 }).lean();
      if (current?.status !== 'pending') return { kind: 'alreadyApplied' };
      const change = plan(state);
      if (change.kind === 'reject') {
        await Ledger.updateOne({ _id: key, status: 'pending' }, { $set: { status: 'rejected' } });
        return { kind: 'rejected', balance: change.balance, shortBy: change.shortBy };
      }
      if (change.kind === 'nothing') {
        await Ledger.updateOne({ _id: key, status: 'pending' }, { $set: { status: 'rejected', points: 0 } });
        return { kind: 'applied', balance: state.points, draws: [] };
      }
      if (!change.entryHoldsPlan) {
        await Ledger.updateOne({ _id: key, status: 'pending' }, { $set: { draws: change.draws, points: change.entryPoints } });
      }
      const landed = await compareAndSet(state, key, change);
      if (landed) return landed;
      // The caller planned `set` on a read of its own; after a miss only the caller can tell whether it still holds.
      if (change.where) return { kind: 'stale' };
    }
    throw new Error(`Ledger entry ${key}: the member's balance kept changing; gave up after ${maxAttempts} attempts`);
  }

  /**
   * Steps 2-4 for an inserted entry. When this call created it and planned it on a balance state read before the
   * insert (`ahead`), the compare-and-set goes first, with that state: nobody can have applied the entry before it
   * existed, and applying it takes a compare-and-set, which moves the member's revision. While the revision is still
   * the one read, this compare-and-set applies the entry, and it is the only one that can, so neither the member nor
   * the entry need reading again. If the revision moved, the full protocol (`apply`) takes over and plans again.
   */
  async function applyInserted(key: string, memberId: string, createdHere: boolean, ahead: PlannedAhead | null, plan: (state: BalanceState) => Plan): Promise<Applied> {
    if (createdHere && ahead) {
      const landed = await compareAndSet(ahead.readBefore, key, ahead.change);
      if (landed) return landed;
    }
    return apply(key, memberId, plan);
  }

  /** Step 3 and, if it lands, step 4. */
  async function compareAndSet(state: BalanceState, key: string, change: ApplyPlan): Promise<Applied | null> {
    if (!(await members.compareAndSetBalance(state, balanceChangeOf(key, change)))) return null;
    await markApplied(key, state.memberId);
    return { kind: 'applied', balance: change.points, draws: change.draws };
  }

  const earnPlan =
    (entry: Pick<LedgerEntry, 'key' | 'points' | 'createdAt' | 'expiresAt' | 'qualifyingMonth'>, guarded: Pick<EarnRequest, 'set' | 'where'> = {}) =>
    (state: BalanceState): Plan => {
      const lot: Lot = { key: entry.key, points: entry.points, remaining: entry.points, earnedAt: entry.createdAt, expiresAt: entry.expiresAt };
      const lots = [...state.lots, lot];
      return {
        kind: 'apply',
        lots,
        points: balanceOf(lots),
        earned: entry.qualifyingMonth ? entry.points : 0,
        ...(entry.qualifyingMonth ? { earnedMonth: entry.qualifyingMonth } : {}),
        draws: [],
        entryPoints: entry.points,
        entryHoldsPlan: true,
        ...(guarded.set ? { set: guarded.set } : {}),
        ...(guarded.where ? { where: guarded.where } : {}),
      };
    };

  const spendPlan =
    (amount: number, now: DateTime) =>
    (state: BalanceState): Plan => {
      const spend = planSpend(state.lots, amount, now);
      if (spend.kind === 'notEnoughPoints') {
        return { kind: 'reject', reason: 'notEnoughPoints', balance: spend.available, shortBy: spend.shortBy };
      }
      return { kind: 'apply', lots: spend.lotsAfter, points: balanceOf(spend.lotsAfter), earned: 0, draws: spend.draws, entryPoints: -amount };
    };

  const expiryPlan =
    (lotKey: string, now: DateTime) =>
    (state: BalanceState): Plan => {
      const due = planExpiry(
        state.lots.filter((lot) => lot.key === lotKey),
        now,
      );
      if (due.draws.length === 0) return { kind: 'nothing' };
      const lots = state.lots.filter((lot) => lot.key !== lotKey);
      const taken = due.draws[0]!.points;
      return { kind: 'apply', lots, points: balanceOf(lots), earned: 0, draws: due.draws, entryPoints: -taken };
    };

  function earn(request: EarnRequest & { where?: undefined }): Promise<EarnResult>;
  function earn(request: EarnRequest): Promise<EarnResult | StaleEarn>;
  async function earn(request: EarnRequest): Promise<EarnResult | StaleEarn> {
    const entry = pendingEntry({
      ...request,
      kind: 'earn',
      points: request.points,
      expiresAt: request.expiresAt,
      qualifyingMonth: request.qualifyingMonth ?? null,
    });
    const existing = await insertPending(entry);
    if (existing && existing.status !== 'pending') return { kind: 'duplicate', entry: existing };
    const plan = earnPlan(existing ?? entry, request);
    const applied = await applyInserted(entry.key, entry.memberId, existing === null, planAhead(request, plan), plan);
    if (applied.kind === 'noMember') return applied;
    if (applied.kind === 'stale') return { kind: 'stale', entry: existing ?? entry };
    if (applied.kind !== 'applied') return { kind: 'duplicate', entry: existing ?? { ...entry, status: 'applied' } };
    return { kind: 'recorded', balance: applied.balance };
  }

  return {
    model: Ledger,

    earn,

    async spend(request: SpendRequest): Promise<SpendResult> {
      const plan = spendPlan(request.points, request.now);
      // Planned ahead, the draws go in with the insert (step 2 needs no write of its own); a spend that does not fit
      // takes the full protocol, which records the refusal.
      const ahead = planAhead(request, plan);
      const entry = {
        ...pendingEntry({ ...request, kind: 'spend', points: -request.points }),
        ...(ahead ? { draws: ahead.change.draws } : {}),
      };
      const existing = await insertPending(entry);
      if (existing && existing.status !== 'pending') return { kind: 'duplicate', entry: existing };
      const applied = await applyInserted(entry.key, entry.memberId, existing === null, ahead, plan);
      switch (applied.kind) {
        case 'applied':
          return { kind: 'recorded', balance: applied.balance, draws: applied.draws };
        case 'rejected':
          return { kind: 'notEnoughPoints', balance: applied.balance, shortBy: applied.shortBy };
        case 'noMember':
          return applied;
        case 'alreadyApplied':
          return { kind: 'duplicate', entry: existing ?? { ...entry, status: 'applied' } };
        case 'stale':
          throw new Error(`Ledger entry ${entry.key}: a spend came back stale, but only an earn with \`where\` can`);
      }
    },

    /** Expires one member's due lots, one entry per lot (`expire:<lot>`), so re-running is harmless. */
    async expireDue(memberId: MemberId, lots: Lot[], now: DateTime): Promise<number> {
      let expired = 0;
      for (const draw of planExpiry(lots, now).draws) {
        const key = `expire:${draw.lot}`;
        const entry = pendingEntry({ key, memberId, kind: 'expire', points: -draw.points, reason: 'expiry', now });
        const existing = await insertPending(entry);
        if (existing && existing.status !== 'pending') continue;
        const applied = await apply(key, memberId, expiryPlan(draw.lot, now));
        if (applied.kind === 'applied' && applied.draws.length > 0) expired += applied.draws[0]!.points;
      }
      return expired;
    },

    async recent(memberId: MemberId, limit: number): Promise<LedgerEntry[]> {
      const docs = await Ledger.find({ memberId, status: 'applied' }).sort({ createdAt: -1, sequence: -1 }).limit(limit).lean();
      return docs.map(toEntry);
    },

    /** Every entry of the member, oldest first, whatever its status (for a data export). */
    async allOfMember(memberId: MemberId): Promise<LedgerEntry[]> {
      const docs = await Ledger.find({ memberId }).sort({ createdAt: 1, sequence: 1 }).lean();
      return docs.map(toEntry);
    },

    /** A member's applied entries, newest first; `cursor` is the previous page's `nextCursor`. */
    async page(memberId: MemberId, options: { limit: number; cursor?: string }): Promise<{ entries: LedgerEntry[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = { memberId, status: 'applied' };
      const position = options.cursor === undefined ? null : /^(\d{1,15})\.([0-9a-f]{24})$/.exec(options.cursor);
      if (position) {
        const createdAt = new Date(Number(position[1]));
        const sequence = new Types.ObjectId(position[2]);
        filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, sequence: { $lt: sequence } }];
      }
      const docs = await Ledger.find(filter).sort({ createdAt: -1, sequence: -1 }).limit(options.limit + 1).lean();
      const page = docs.slice(0, options.limit);
      const last = page.at(-1);
      return {
        entries: page.map(toEntry),
        nextCursor: docs.length > options.limit && last ? `${last.createdAt.getTime()}.${last.sequence.toHexString()}` : null,
      };
    },

    async find(key: string): Promise<LedgerEntry | null> {
      const doc = await Ledger.findById(key).lean();
      return doc ? toEntry(doc) : null;
    },

    /**
     * The recovery sweep: finishes entries a crash left pending. An earn is applied (its event was
     * real); a spend that never reached the member is rejected (nobody was told it succeeded);
     * an expiry is re-run. Either way the applied marker makes step 3 happen at most once.
     */
    async recoverPending(olderThan: Date, now: DateTime): Promise<number> {
      const pending = await Ledger.find({ status: 'pending', createdAt: { $lt: olderThan } }).lean();
      const failures: unknown[] = [];
      for (const doc of pending) {
        const entry = toEntry(doc);
        try {
          if (entry.kind === 'earn') {
            await apply(entry.key, entry.memberId, earnPlan(entry));
          } else if (entry.kind === 'spend') {
            await apply(entry.key, entry.memberId, () => ({ kind: 'reject', reason: 'notEnoughPoints', balance: 0, shortBy: 0 }));
          } else {
            await apply(entry.key, entry.memberId, expiryPlan(entry.key.replace(/^expire:/, ''), now));
          }
        } catch (error) {
          failures.push(error); // one stuck entry must not hold back the others
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} pending ledger entries could not be finished`);
      return pending.length;
    },

    /** Sum of applied entries per member: what the invariant checker compares balances with. */
    async appliedTotals(): Promise<Map<string, number>> {
      const rows = await Ledger.aggregate<{ _id: string; total: number }>([
        { $match: { status: 'applied' } },
        { $group: { _id: '$memberId', total: { $sum: '$points' } } },
      ]);
      return new Map(rows.map((row) => [row._id, row.total]));
    },

    /** Entries a crash (or a request still in flight) left pending, by key. */
    async pendingEntries(): Promise<Map<string, LedgerEntry>> {
      const docs = await Ledger.find({ status: 'pending' }).lean();
      return new Map(docs.map((doc) => [doc._id, toEntry(doc)]));
    },
  };
}

export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

type PlannedAhead = { readBefore: BalanceState; change: ApplyPlan };

/** The change planned on the caller's earlier read of this very member, if it gave one and the plan applies. */
function planAhead(request: SpendRequest, plan: (state: BalanceState) => Plan): PlannedAhead | null {
  const readBefore = request.readBefore?.memberId === request.memberId ? request.readBefore : undefined;
  const change = readBefore ? plan(readBefore) : null;
  return readBefore && change?.kind === 'apply' ? { readBefore, change } : null;
}

function balanceChangeOf(entryKey: string, change: ApplyPlan): BalanceChange {
  return {
    entryKey,
    lots: change.lots,
    points: change.points,
    earned: change.earned,
    ...(change.earnedMonth ? { earnedMonth: change.earnedMonth } : {}),
    ...(change.set ? { set: change.set } : {}),
    ...(change.where ? { where: change.where } : {}),
  };
}

function pendingEntry(
  fields: Pick<LedgerEntry, 'key' | 'memberId' | 'kind' | 'points' | 'reason'> & {
    note?: string | null;
    now: DateTime;
    expiresAt?: Date | null;
    qualifyingMonth?: string | null;
  },
): LedgerEntry {
  return {
    key: fields.key,
    memberId: fields.memberId,
    kind: fields.kind,
    points: fields.points,
    reason: fields.reason,
    note: fields.note ?? null,
    createdAt: fields.now.toJSDate(),
    expiresAt: fields.expiresAt ?? null,
    qualifyingMonth: fields.qualifyingMonth ?? null,
    draws: [],
    status: 'pending',
  };
}

function toEntry(doc: LedgerDocument): LedgerEntry {
  return {
    key: doc._id,
    memberId: doc.memberId as MemberId,
    kind: doc.kind,
    points: doc.points,
    reason: doc.reason,
    note: doc.note ?? null,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    qualifyingMonth: doc.qualifyingMonth ?? null,
    draws: (doc.draws ?? []).map((draw) => ({ lot: draw.lot, points: draw.points })),
    status: doc.status,
  };
}
