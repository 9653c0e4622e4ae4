import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';
import type { FlowPosition } from './flow-engine';

/** A conversation waiting for an answer, one per channel identity. */
export interface Session {
  identityKey: string;
  position: FlowPosition;
  /** Optimistic concurrency: a save only lands on the revision it was loaded at. */
  revision: number;
  updatedAt: Date;
}

interface SessionDocument {
  _id: string;
  flowId: string;
  flowVersion: number;
  runId: string;
  stepId: string;
  variables: Record<string, string>;
  misses: number;
  revision: number;
  updatedAt: Date;
}

const sessionSchema = new Schema<SessionDocument>(
  {
    _id: String,
    flowId: String,
    flowVersion: Number,
    runId: String,
    stepId: String,
    variables: { type: Schema.Types.Mixed, default: {} },
    misses: Number,
    revision: Number,
    updatedAt: Date,
  },
  { collection: 'sessions', versionKey: false, minimize: false },
);

export function createSessionRepository(connection: Connection) {
  const Sessions = connection.model<SessionDocument>('Session', sessionSchema);

  return {
    model: Sessions,

    async load(identityKey: string): Promise<Session | null> {
      const doc = await Sessions.findById(identityKey).lean();
      if (doc === null) return null;
      return {
        identityKey,
        position: {
          flowId: doc.flowId,
          flowVersion: doc.flowVersion,
          runId: doc.runId ?? doc._id,
          stepId: doc.stepId,
          variables: doc.variables ?? {},
          misses: doc.misses ?? 0,
        },
        revision: doc.revision,
        updatedAt: doc.updatedAt,
      };
    },

    /** Saves the position if nobody else saved since `loaded`; false when another turn won. */
    async save(identityKey: string, position: FlowPosition, loaded: Session | null, now: Date): Promise<boolean> {
      const fields = { ...position, updatedAt: now };
      if (loaded === null) {
        try {
          await Sessions.create({ _id: identityKey, ...fields, revision: 0 });
          return true;
        } catch (error) {
          if (isDuplicateKeyError(error)) return false;
          throw error;
        }
      }
      const result = await Sessions.updateOne(
        { _id: identityKey, revision: loaded.revision },
        { $set: fields, $inc: { revision: 1 } },
      );
      return result.matchedCount === 1;
    },

    async clear(identityKey: string): Promise<void> {
      await Sessions.deleteOne({ _id: identityKey });
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
