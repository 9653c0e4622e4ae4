import { Schema, type Connection, type mongo } from 'mongoose';
import { groupCommit } from '../shared/group-commit';

interface InboundEventDocument {
  _id: string;
  receivedAt: Date;
  /** When the event's turn finished; absent while it is recorded but not handled (a crash, a 5xx mid-batch). */
  handledAt?: Date | null;
}

const inboundEventSchema = new Schema<InboundEventDocument>(
  { _id: String, receivedAt: Date, handledAt: { type: Date, default: null } },
  { collection: 'inbound_events', versionKey: false },
);

/**
 * Every platform event id seen, so that a redelivered event (LINE's isRedelivery, a retried
 * Messenger POST, a web chat resend) is recognised and not answered twice.
 */
export function createInboundEventRepository(connection: Connection) {
  const InboundEvents = connection.model<InboundEventDocument>('InboundEvent', inboundEventSchema);
  const inboundEventsCollection = InboundEvents.collection as unknown as mongo.Collection<InboundEventDocument>;

  // Both writes happen on every event: group-committed, a burst's events share round trips (docs/benchmark.md).
  const insertFirstSights = groupCommit<InboundEventDocument, boolean>(async (docs) => {
    try {
      await inboundEventsCollection.insertMany(docs, { ordered: false });
      return docs.map(() => true);
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code?: number; errmsg?: string }[] }).writeErrors;
      if (writeErrors === undefined) throw error;
      const outcomes: (boolean | Error)[] = docs.map(() => true);
      for (const failed of writeErrors) {
        outcomes[failed.index] = failed.code === 11000 ? false : Object.assign(new Error(failed.errmsg ?? 'insert failed'), { code: failed.code });
      }
      return outcomes;
    }
  });
  const markHandledTogether = groupCommit<{ eventKey: string; now: Date }, void>(async (marks) => {
    await InboundEvents.bulkWrite(
      marks.map(({ eventKey, now }) => ({ updateOne: { filter: { _id: eventKey }, update: { $set: { handledAt: now } } } })),
      { ordered: false },
    );
    return marks.map(() => undefined);
  });

  return {
    model: InboundEvents,

    /**
     * True when the id is new; false when it was recorded before (a duplicate id in the same write counts as
     * recorded before). Through the driver: a mongoose document for two fixed fields is pure cost.
     */
    recordFirstSight(eventKey: string, now: Date): Promise<boolean> {
      return insertFirstSights({ _id: eventKey, receivedAt: now });
    },

    /** When the event's turn finished; null while it is recorded but unhandled; undefined if never recorded. */
    async handledAt(eventKey: string): Promise<Date | null | undefined> {
      const found = await InboundEvents.findById(eventKey, { handledAt: 1 }).lean();
      return found === null ? undefined : (found.handledAt ?? null);
    },

    markHandled(eventKey: string, now: Date): Promise<void> {
      return markHandledTogether({ eventKey, now });
    },
  };
}

export type InboundEventRepository = ReturnType<typeof createInboundEventRepository>;
