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

/**
 * What a turn that ended a flow leaves in place of the session it continued: that event, run again after a failure
 * (the session is gone by then), continues the same session again and reaches the same ending, instead of being taken
 * for a new message. The next session saved, or the next flow ended, replaces it.
 */
export interface StoredEnding {
  endedBy: string;
  /** When the turn that ended the flow ran: the ending is forgotten `endingKeptMinutes` later. */
  endedAt: Date;
  session: StoredSession;
}

/**
 * How long an ending is kept: a failed turn is run again within minutes (the inbox's retries, then the recovery sweep
 * ten minutes on). An ending holds the answers the flow collected, so it goes soon after; a turn run later than this
 * is taken for a new message. Idle sessions are kept this much longer than the idle time, for the same late turns.
 */
export const endingKeptMinutes = 60;

interface IdentitySessionDocument {
  _id: string;
  session?: StoredSession;
  lastEnding?: StoredEnding;
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
      const result = await Sessions.updateOne({ _id: identityKey, ...unchanged }, { $set: { session: stored }, $unset: { lastEnding: 1 } });
      return result.matchedCount === 1;
    },

    /**
     * The flow of `continued` ended in the turn of event `endedBy`: the session goes and the ending stays, in one write.
     * Only while the stored session is still `continued` (or already gone, for a turn run again): a session another
     * turn saved meanwhile stays.
     */
    async end(identityKey: string, continued: Session, endedBy: string, endedAt: Date): Promise<void> {
      const lastEnding: StoredEnding = { endedBy, endedAt, session: storedOf(continued) };
      const stillContinued = { 'session.runId': continued.position.runId, 'session.revision': continued.revision };
      await Sessions.updateOne(
        { _id: identityKey, $or: [stillContinued, { session: { $exists: false } }] },
        { $unset: { session: 1 }, $set: { lastEnding } },
      );
    },

    /** Forgets the session and any ending (unfollowed, erased, a preview reset). */
    async clear(identityKey: string): Promise<void> {
      await Sessions.updateOne(
        { _id: identityKey, $or: [{ session: { $exists: true } }, { lastEnding: { $exists: true } }] },
        { $unset: { session: 1, lastEnding: 1 } },
      );
    },

    /**
     * Forgets what people typed into flows they left: sessions idle past `idleMinutes` (a turn takes an idle session
     * for a new conversation), with the margin a late turn (run again after a failure) is given, and endings older than
     * that margin. A turn that read an idle session just before it goes finds its save refused, as when another turn
     * saves first.
     */
    async forgetIdle(now: Date, idleMinutes: number): Promise<{ sessions: number; endings: number }> {
      const idleSince = new Date(now.getTime() - (idleMinutes + endingKeptMinutes) * 60_000);
      const endedBefore = new Date(now.getTime() - endingKeptMinutes * 60_000);
      const sessions = await Sessions.updateMany({ 'session.updatedAt': { $lt: idleSince } }, { $unset: { session: 1 } });
      const endings = await Sessions.updateMany({ 'lastEnding.endedAt': { $lt: endedBefore } }, { $unset: { lastEnding: 1 } });
      return { sessions: sessions.modifiedCount, endings: endings.modifiedCount };
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

/** The session the event's own turn ended, if the last flow ended was ended by this event. */
export function endedSessionOf(identityKey: string, ending: StoredEnding | null | undefined, eventId: string): Session | null {
  return ending?.endedBy === eventId ? sessionOf(identityKey, ending.session) : null;
}

function storedOf(session: Session): StoredSession {
  return {
    ...session.position,
    revision: session.revision,
    updatedAt: session.updatedAt,
    ...(session.savedBy !== null ? { savedBy: session.savedBy } : {}),
  };
}

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
