import { Schema, type Connection } from 'mongoose';
import { groupedInsertOne, groupedUpdateOne } from '../database/grouped-calls';
import { driverCollectionOf } from '../database/mongo-connection';

interface InboundEventDocument {
  _id: string;
  receivedAt: Date;
  /** When the event's turn finished; absent while it is recorded but not handled (a crash, a 5xx mid-batch). */
  handledAt?: Date | null;
  /**
   * The acknowledged event itself (JSON), kept only until its turn is handled, so that a turn a crash cut off
   * can be run by the recovery sweep: the platform will not send an event it got a 200 for again.
   */
  event?: string;
  /**
   * Whose event is kept (`identityKeyOf`: `line:U…`), for as long as `event` is: erasing that person finds it by this.
   * Absent on events answered in the response (nothing is kept) and on rows of earlier versions.
   */
  identityKey?: string;
  /**
   * When the lease on a kept event was last taken or renewed: at first sight by the server that acknowledged it,
   * then by whichever server runs it. Another server takes the event only once this is older than the lease.
   * (Rows of earlier versions have it only where a recovery sweep took them: the name is theirs.)
   */
  recoveryClaimedAt?: Date | null;
  /** The process holding the lease (an id it makes at startup); absent on rows of earlier versions and once given back. */
  claimedBy?: string | null;
}

const inboundEventSchema = new Schema<InboundEventDocument>(
  { _id: String, receivedAt: Date, handledAt: { type: Date, default: null }, event: String, identityKey: String, recoveryClaimedAt: Date, claimedBy: String },
  { collection: 'inbound_events', versionKey: false },
);
// Declared for real MongoDB; the embedded server scans (DATABASE.md). The recovery sweep, the pruning and erasure's
// forgetEventsOf (unhandled rows only) query it.
inboundEventSchema.index({ handledAt: 1, receivedAt: 1 });

/**
 * Every platform event id seen, so that a redelivered event (LINE's isRedelivery, a retried
 * Messenger POST, a web chat resend) is recognised and not answered twice.
 */
export function createInboundEventRepository(connection: Connection) {
  const InboundEvents = connection.model<InboundEventDocument>('InboundEvent', inboundEventSchema);
  const inboundEventsCollection = driverCollectionOf(InboundEvents);

  // Both writes happen on every event: group-committed, a burst's events share round trips (docs/benchmark.md).
  // A write that fails for every event (a command error, a closed connection) fails them all, so the webhook answers
  // 5xx and the platform sends the events again.
  const insertFirstSights = groupedInsertOne(inboundEventsCollection, 'inbound_events.insert');
  // The event's content (message text) and whose it was go with the marker: they are kept no longer than the turn needs them.
  const markHandledTogether = groupedUpdateOne(inboundEventsCollection, 'inbound_events.markHandled');

  return {
    model: InboundEvents,

    /**
     * True when the id is new; false when it was recorded before (a duplicate id in the same write counts as
     * recorded before). A kept event is recorded with whose it is and its lease held by `leaseHolder`, in the same write.
     * Through the driver: a mongoose document for a few fixed fields is pure cost.
     */
    recordFirstSight(eventKey: string, now: Date, kept?: { event: string; identityKey: string; leaseHolder: string }): Promise<boolean> {
      return insertFirstSights({
        _id: eventKey,
        receivedAt: now,
        ...(kept !== undefined ? { event: kept.event, identityKey: kept.identityKey, claimedBy: kept.leaseHolder, recoveryClaimedAt: now } : {}),
      });
    },

    /** When the event's turn finished; null while it is recorded but unhandled; undefined if never recorded. */
    async handledAt(eventKey: string): Promise<Date | null | undefined> {
      const found = await InboundEvents.findById(eventKey, { handledAt: 1 }).lean();
      return found === null ? undefined : (found.handledAt ?? null);
    },

    markHandled(eventKey: string, now: Date): Promise<void> {
      return markHandledTogether({ filter: { _id: eventKey }, update: { $set: { handledAt: now }, $unset: { event: 1, identityKey: 1 } } });
    },

    /**
     * Kept events received before `cutoff` whose turn never finished and whose lease was last taken or renewed
     * before `leaseLapsedBefore` (or never), oldest first (a full scan on the embedded server).
     */
    async unhandledBefore(cutoff: Date, leaseLapsedBefore: Date, limit: number): Promise<{ eventKey: string; event: string }[]> {
      const docs = await InboundEvents.find(
        {
          handledAt: null,
          receivedAt: { $lt: cutoff },
          event: { $type: 'string' },
          $or: [{ recoveryClaimedAt: null }, { recoveryClaimedAt: { $lt: leaseLapsedBefore } }],
        },
        { event: 1 },
      )
        .sort({ receivedAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((doc) => ({ eventKey: doc._id, event: doc.event! }));
    },

    /**
     * True when `leaseHolder` holds the unhandled event's lease now: nobody held it, its holder stopped renewing it
     * before `leaseLapsedBefore` (a killed process), or it was this holder's already. One atomic update, so of
     * servers taking it at once (sweeps, a redelivery) exactly one wins.
     */
    async takeLease(eventKey: string, leaseHolder: string, now: Date, leaseLapsedBefore: Date): Promise<boolean> {
      const result = await InboundEvents.updateOne(
        {
          _id: eventKey,
          handledAt: null,
          $or: [{ recoveryClaimedAt: null }, { recoveryClaimedAt: { $lt: leaseLapsedBefore } }, { claimedBy: leaseHolder }],
        },
        { $set: { claimedBy: leaseHolder, recoveryClaimedAt: now } },
      );
      // Matched, not modified: the filter is the guard, and a holder renewing at the same instant modifies nothing.
      return result.matchedCount === 1;
    },

    /**
     * Renews the leases `leaseHolder` still holds, in one write; answers the keys among them it no longer holds
     * (another server took the event). Each filter pins `_id`, so the embedded server reads one document per update.
     * An event handled elsewhere was taken first, so the holder tells; an event marked handled without being taken
     * (its person erased while the turn runs, the turn that asked for the erasure) is still this holder's to answer.
     */
    async renewLeases(eventKeys: string[], leaseHolder: string, now: Date, maxTimeMS: number): Promise<string[]> {
      if (eventKeys.length === 0) return [];
      const renewed = await InboundEvents.bulkWrite(
        eventKeys.map((eventKey) => ({
          updateOne: { filter: { _id: eventKey, claimedBy: leaseHolder }, update: { $set: { recoveryClaimedAt: now } } },
        })),
        { ordered: false, maxTimeMS },
      );
      if (renewed.matchedCount === eventKeys.length) return [];
      // A bulk write counts, it does not say which. Losing a lease is rare: only then is each read back, by `_id`
      // alone, which the embedded server answers from its index as MongoDB does.
      const rows = await Promise.all(eventKeys.map((eventKey) => InboundEvents.findById(eventKey, { claimedBy: 1 }).maxTimeMS(maxTimeMS).lean()));
      return eventKeys.filter((_, index) => rows[index]?.claimedBy !== leaseHolder);
    },

    /**
     * True when `leaseHolder` still holds the event's lease, which is then renewed from `now`; false when another
     * server took it. One conditional write, with the renewal's filter (an event erased while its turn ran stays the holder's).
     */
    async confirmLease(eventKey: string, leaseHolder: string, now: Date, maxTimeMS: number): Promise<boolean> {
      const result = await InboundEvents.updateOne({ _id: eventKey, claimedBy: leaseHolder }, { $set: { recoveryClaimedAt: now } }, { maxTimeMS });
      return result.matchedCount === 1;
    },

    /** Gives up leases `leaseHolder` holds on unhandled events, so that a redelivery on any server takes them at once. */
    async giveBackLeases(eventKeys: string[], leaseHolder: string): Promise<void> {
      if (eventKeys.length === 0) return;
      await InboundEvents.bulkWrite(
        eventKeys.map((eventKey) => ({
          updateOne: { filter: { _id: eventKey, claimedBy: leaseHolder, handledAt: null }, update: { $unset: { claimedBy: 1, recoveryClaimedAt: 1 } } },
        })),
        { ordered: false },
      );
    },

    /**
     * Erasing a person: their kept events lose their content and can no longer be run (a sweep would otherwise
     * bring the person back as a stranger and answer them), but stay recorded, so that a redelivery is still
     * recognised. A lease on one stays with its holder: a turn running as the erasure happens (the one that asked
     * for it) still answers. Safe to run again. Answers how many events were forgotten.
     */
    async forgetEventsOf(identityKeys: string[], now: Date): Promise<number> {
      if (identityKeys.length === 0) return 0;
      const result = await InboundEvents.updateMany(
        // Only unhandled events carry the owner (handling unsets it): the sweep's index narrows this on real MongoDB,
        // and no index of its own costs every event a write for a rare erasure.
        { handledAt: null, identityKey: { $in: identityKeys } },
        { $set: { handledAt: now }, $unset: { event: 1, identityKey: 1 } },
      );
      return result.modifiedCount;
    },

    /**
     * Forgets events received before `cutoff`: a redelivery of one that old is not expected any more, and one still
     * unhandled after that long is never going to run (the sweep takes each within minutes), so its content goes with it.
     */
    async pruneBefore(cutoff: Date): Promise<{ handled: number; neverHandled: number }> {
      const handled = await InboundEvents.deleteMany({ handledAt: { $ne: null }, receivedAt: { $lt: cutoff } });
      const neverHandled = await InboundEvents.deleteMany({ handledAt: null, receivedAt: { $lt: cutoff } });
      return { handled: handled.deletedCount, neverHandled: neverHandled.deletedCount };
    },
  };
}

export type InboundEventRepository = ReturnType<typeof createInboundEventRepository>;
