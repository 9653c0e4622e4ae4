import { Schema, type Connection, type mongo } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';

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

  return {
    model: InboundEvents,

    /**
     * True when the id is new; false when it was recorded before. On every event's path, so it inserts through the
     * driver: a mongoose document (construction, casting, validation) for two fixed fields is pure cost.
     */
    async recordFirstSight(eventKey: string, now: Date): Promise<boolean> {
      try {
        await inboundEventsCollection.insertOne({ _id: eventKey, receivedAt: now });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },

    /** When the event's turn finished; null while it is recorded but unhandled; undefined if never recorded. */
    async handledAt(eventKey: string): Promise<Date | null | undefined> {
      const found = await InboundEvents.findById(eventKey, { handledAt: 1 }).lean();
      return found === null ? undefined : (found.handledAt ?? null);
    },

    async markHandled(eventKey: string, now: Date): Promise<void> {
      await InboundEvents.updateOne({ _id: eventKey }, { $set: { handledAt: now } });
    },
  };
}

export type InboundEventRepository = ReturnType<typeof createInboundEventRepository>;
