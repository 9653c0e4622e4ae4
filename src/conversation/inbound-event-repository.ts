import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';

interface InboundEventDocument {
  _id: string;
  receivedAt: Date;
  handledAt: Date | null;
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

  return {
    model: InboundEvents,

    /** True when the id is new; false when it was recorded before. */
    async recordFirstSight(eventKey: string, now: Date): Promise<boolean> {
      try {
        await InboundEvents.create({ _id: eventKey, receivedAt: now, handledAt: null });
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
