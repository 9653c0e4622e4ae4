import type { Connection } from 'mongoose';
import type { FlowPosition } from './flow-engine';

/** A conversation waiting for an answer, one per channel identity. */
export interface Session {
  identityKey: string;
  position: FlowPosition;
  /** Optimistic concurrency: a save only lands on the revision it was loaded at. */
  revision: number;
  updatedAt: Date;
  /** The event whose turn saved it: that event, run again after a failure, must not answer the next question. */
  savedBy: string | null;
}

/** How a session is stored: the `session` field of its channel identity's document. */
export interface StoredSession {
  flowId: string;
  flowVersion: number;
  runId: string;
  stepId: string;
  variables: Record<string, string>;
  misses: number;
  revision: number;
  updatedAt: Date;
  savedBy?: string;
}

interface IdentitySessionDocument {
  _id: string;
  session?: StoredSession;
}

/**
 * Sessions live on the identity document, so the turn's first call (the identity repository's `touchForTurn`)
 * returns the session too: one round trip on every turn instead of two. This repository reads and writes only
 * that field, through the collection itself: a second model on `identities` would have its own idea of the
 * collection's indexes, and initialising it would drop the identity model's.
 */
export function createSessionRepository(connection: Connection) {
  const Sessions = connection.collection<IdentitySessionDocument>('identities');

  return {
    models: [],

    async load(identityKey: string): Promise<Session | null> {
      const doc = await Sessions.findOne({ _id: identityKey }, { projection: { session: 1 } });
      return sessionOf(identityKey, doc?.session ?? null);
    },

    /**
     * Saves the position if nobody else saved since `loaded`; false when another turn won. The identity exists:
     * the turn touched it first.
     */
    async save(identityKey: string, position: FlowPosition, loaded: Session | null, now: Date, savedBy: string): Promise<boolean> {
      const stored: StoredSession = { ...position, revision: loaded === null ? 0 : loaded.revision + 1, updatedAt: now, savedBy };
      const unchanged = loaded === null ? { session: { $exists: false } } : { 'session.revision': loaded.revision };
      const result = await Sessions.updateOne({ _id: identityKey, ...unchanged }, { $set: { session: stored } });
      return result.matchedCount === 1;
    },

    async clear(identityKey: string): Promise<void> {
      await Sessions.updateOne({ _id: identityKey, session: { $exists: true } }, { $unset: { session: 1 } });
    },

    /**
     * Sessions used to have their own `sessions` collection, which may hold half-answered signups (names, mobiles)
     * that erasure no longer looks at. Servers of the earlier version still use it during a rolling upgrade, so only
     * what nobody can continue goes: sessions idle longer than `idleMinutes` (the flow runner's rule, which those
     * servers apply too), then the collection once it is empty. A session still in use when this runs is left to a
     * later run: it runs at startup and on a schedule until it answers `retired`. Safe to repeat, and to run on
     * several servers at once.
     */
    async retirePreviousStorage(now: Date, idleMinutes: number): Promise<'retired' | 'stillInUse'> {
      const previous = connection.collection('sessions');
      const continuableSince = new Date(now.getTime() - idleMinutes * 60_000);
      // $not also takes the documents without a usable updatedAt: no server can continue those either.
      await previous.deleteMany({ updatedAt: { $not: { $gte: continuableSince } } });
      if ((await previous.countDocuments({}, { limit: 1 })) > 0) return 'stillInUse';
      await connection.dropCollection('sessions').catch((error: { codeName?: string; code?: number; message?: string }) => {
        // MongoDB says NamespaceNotFound (26); the embedded server only "ns not found".
        if (error.code !== 26 && error.codeName !== 'NamespaceNotFound' && error.message !== 'ns not found') throw error;
      });
      return 'retired';
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;

export function sessionOf(identityKey: string, stored: StoredSession | null | undefined): Session | null {
  if (!stored) return null;
  return {
    identityKey,
    position: {
      flowId: stored.flowId,
      flowVersion: stored.flowVersion,
      runId: stored.runId,
      stepId: stored.stepId,
      variables: stored.variables ?? {},
      misses: stored.misses ?? 0,
    },
    revision: stored.revision,
    updatedAt: stored.updatedAt,
    savedBy: stored.savedBy ?? null,
  };
}
