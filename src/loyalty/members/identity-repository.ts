import { Schema, type Connection } from 'mongoose';
import type { ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import type { StoredEnding, StoredSession } from '../../conversation/session-repository';
import type { MemberId } from '../../shared/ids';
import { driverCollectionOf } from '../../database/mongo-connection';
import { groupedFindById, groupedUpdateOne } from '../../database/grouped-calls';

/** A person as one channel knows them (a LINE user id, a web cookie id), member or not yet. */
export interface ChannelIdentity {
  key: string;
  channel: ChannelName;
  channelUserId: string;
  memberId: MemberId | null;
  locale: Locale | null;
  following: boolean;
  lastInboundAt: Date | null;
}

interface IdentityDocument {
  _id: string;
  channel: ChannelName;
  channelUserId: string;
  memberId: string | null;
  locale: Locale | null;
  following: boolean;
  lastInboundAt: Date | null;
  createdAt: Date;
  /** The conversation waiting for this identity's answer (session-repository.ts). */
  session?: StoredSession;
  /** The session the last flow that ended continued, with the event that ended it (session-repository.ts). */
  lastEnding?: StoredEnding;
}

const identitySchema = new Schema<IdentityDocument>(
  {
    _id: String,
    channel: String,
    channelUserId: String,
    memberId: { type: String, default: null },
    locale: { type: String, default: null },
    following: { type: Boolean, default: true },
    lastInboundAt: { type: Date, default: null },
    createdAt: Date,
  },
  { collection: 'identities', versionKey: false },
);
identitySchema.index({ memberId: 1 });

type IdentityChanges = { following?: boolean; locale?: Locale };

const projection = { channel: 1, channelUserId: 1, memberId: 1, locale: 1, following: 1, lastInboundAt: 1 };
const turnProjection = { ...projection, session: 1, lastEnding: 1 };
/**
 * How far behind the last message `lastInboundAt` may be left by a turn: its readers count in hours and days
 * (Messenger's 24-hour window, which it then closes that much early; segments by last activity), and a person in a
 * conversation writes every few seconds.
 */
const lastInboundAtCoarseness = 60_000;

export function createIdentityRepository(connection: Connection) {
  const Identities = connection.model<IdentityDocument>('Identity', identitySchema);
  const identitiesCollection = driverCollectionOf(Identities);

  async function touched(
    key: string,
    source: { channel: ChannelName; channelUserId: string },
    now: Date,
    changes: IdentityChanges,
    fields: Record<string, number>,
  ): Promise<Omit<IdentityDocument, 'createdAt'>> {
    // Every turn's first call: through the driver, with the schema's defaults written out (mongoose's cost per call
    // is about half the driver's again, docs/benchmark.md).
    const doc = await identitiesCollection.findOneAndUpdate(
      { _id: key },
      {
        $setOnInsert: {
          channel: source.channel,
          channelUserId: source.channelUserId,
          memberId: null,
          createdAt: now,
          ...(changes.following === undefined ? { following: true } : {}),
          ...(changes.locale === undefined ? { locale: null } : {}),
        },
        $set: {
          lastInboundAt: now,
          ...(changes.following !== undefined ? { following: changes.following } : {}),
          ...(changes.locale !== undefined ? { locale: changes.locale } : {}),
        },
      },
      { upsert: true, returnDocument: 'after', projection: fields },
    );
    return doc as Omit<IdentityDocument, 'createdAt'>;
  }

  // A turn whose event changes nothing but when the person last wrote (nearly every turn) reads the identity in a
  // grouped call, which the turns in flight share, and writes that time only when the stored one is older than
  // `lastInboundAtCoarseness`; the upserting findOneAndUpdate above is one round trip and one page write per turn.
  const readForTurn = groupedFindById(identitiesCollection, { name: 'identities.findForTurn', projection: turnProjection });
  const writeLastInbound = groupedUpdateOne(identitiesCollection, 'identities.lastInboundAt');

  /**
   * `touched` for a known identity and an event that changes nothing else (a follow, an unfollow and web chat's events,
   * which report the locale, take `touched`); null for a person seen for the first time, who then takes `touched`.
   */
  async function touchedKnown(key: string, now: Date): Promise<Omit<IdentityDocument, 'createdAt'> | null> {
    const known = await readForTurn(key);
    if (known === null) return null;
    const stored = known.lastInboundAt?.getTime();
    if (stored !== undefined && stored <= now.getTime() && now.getTime() - stored < lastInboundAtCoarseness) return known;
    await writeLastInbound({ filter: { _id: key }, update: { $set: { lastInboundAt: now } } });
    return { ...known, lastInboundAt: now };
  }

  return {
    model: Identities,

    /** Records that the person wrote (or followed / unfollowed) and returns who they are. */
    async touch(key: string, source: { channel: ChannelName; channelUserId: string }, now: Date, changes: IdentityChanges = {}): Promise<ChannelIdentity> {
      return toIdentity(await touched(key, source, now, changes, projection));
    },

    /** `touch`, also returning the session and the last ending stored with the identity: a turn's first call, one round trip. */
    async touchForTurn(
      key: string,
      source: { channel: ChannelName; channelUserId: string },
      now: Date,
      changes: IdentityChanges = {},
    ): Promise<{ identity: ChannelIdentity; session: StoredSession | null; lastEnding: StoredEnding | null }> {
      const changesNothingElse = changes.following === undefined && changes.locale === undefined;
      const doc = (changesNothingElse ? await touchedKnown(key, now) : null) ?? (await touched(key, source, now, changes, turnProjection));
      return { identity: toIdentity(doc), session: doc.session ?? null, lastEnding: doc.lastEnding ?? null };
    },

    async find(key: string): Promise<ChannelIdentity | null> {
      const doc = await Identities.findById(key, projection).lean();
      return doc ? toIdentity(doc) : null;
    },

    async linkMember(key: string, memberId: MemberId): Promise<void> {
      await Identities.updateOne({ _id: key }, { $set: { memberId } });
    },

    /** Links the identity to the member unless it already belongs to another member; repeating it is harmless. */
    async linkToMemberIfFree(key: string, memberId: MemberId): Promise<boolean> {
      await Identities.updateOne({ _id: key, memberId: null }, { $set: { memberId } });
      return (await Identities.exists({ _id: key, memberId })) !== null;
    },

    /**
     * Links a channel identity nobody has used yet (a CRM import knows the member's LINE user id
     * before they chat) to the member, unless it belongs to another member already.
     */
    async claimForMember(key: string, source: { channel: ChannelName; channelUserId: string }, memberId: MemberId, now: Date): Promise<boolean> {
      await Identities.updateOne(
        { _id: key },
        {
          $setOnInsert: {
            channel: source.channel,
            channelUserId: source.channelUserId,
            memberId: null,
            locale: null,
            following: true,
            lastInboundAt: null,
            createdAt: now,
          },
        },
        { upsert: true },
      );
      await Identities.updateOne({ _id: key, memberId: null }, { $set: { memberId } });
      return (await Identities.exists({ _id: key, memberId })) !== null;
    },

    async setLocale(key: string, locale: Locale): Promise<void> {
      await Identities.updateOne({ _id: key }, { $set: { locale } });
    },

    async forget(key: string): Promise<void> {
      await Identities.deleteOne({ _id: key });
    },

    /** Every identity linked to the member, with when it was first seen (for a data export). */
    async ofMember(memberId: MemberId): Promise<(ChannelIdentity & { createdAt: Date | null })[]> {
      const docs = await Identities.find({ memberId }, { ...projection, createdAt: 1 }).lean();
      return docs.map((doc) => ({ ...toIdentity(doc), createdAt: doc.createdAt ?? null }));
    },

    /**
     * Forgets the identity if it still belongs to the member: the person's next message creates a
     * fresh identity, a stranger. One the person re-created since (memberId null) is left alone.
     */
    async removeOfMember(key: string, memberId: MemberId): Promise<void> {
      await Identities.deleteOne({ _id: key, memberId });
    },
  };
}

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;

function toIdentity(doc: Omit<IdentityDocument, 'createdAt'>): ChannelIdentity {
  return {
    key: doc._id,
    channel: doc.channel,
    channelUserId: doc.channelUserId,
    memberId: (doc.memberId as MemberId | null) ?? null,
    locale: doc.locale ?? null,
    following: doc.following ?? true,
    lastInboundAt: doc.lastInboundAt ?? null,
  };
}
