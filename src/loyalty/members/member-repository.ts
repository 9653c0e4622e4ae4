import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import type { MemberId } from '../../shared/ids';
import type { Member } from './member';

interface MemberDocument {
  _id: string;
  /** The channel identity that signed up: unique, so two signups of one person make one member. */
  signupKey: string;
  name: string;
  mobile: string;
  birthday: string | null;
  locale: Locale | null;
  tier: string;
  points: number;
  earnedTotal: number;
  checkIn: { streak: number; lastDay: string | null };
  consents: { document: 'terms' | 'privacy'; version: string; acceptedAt: Date }[];
  identities: { channel: ChannelName; channelUserId: string }[];
  /** Keys of the latest ledger entries applied: the marker that makes applying an entry idempotent. */
  appliedEntries: string[];
  createdAt: Date;
}

const memberSchema = new Schema<MemberDocument>(
  {
    _id: String,
    signupKey: { type: String, required: true, unique: true },
    name: String,
    mobile: String,
    birthday: { type: String, default: null },
    locale: { type: String, default: null },
    tier: String,
    points: { type: Number, default: 0 },
    earnedTotal: { type: Number, default: 0 },
    checkIn: { streak: { type: Number, default: 0 }, lastDay: { type: String, default: null } },
    consents: [{ _id: false, document: String, version: String, acceptedAt: Date }],
    identities: [{ _id: false, channel: String, channelUserId: String }],
    appliedEntries: { type: [String], default: [] },
    createdAt: Date,
  },
  { collection: 'members', versionKey: false },
);
memberSchema.index({ mobile: 1 });

/** How many applied-entry keys a member keeps; the recovery sweep must run before this many newer entries apply. */
export const appliedEntryWindow = 200;

export interface NewMember extends Omit<Member, 'points' | 'earnedTotal' | 'checkIn'> {
  signupKey: string;
}

export function createMemberRepository(connection: Connection) {
  const Members = connection.model<MemberDocument>('Member', memberSchema);

  return {
    model: Members,

    async create(member: NewMember): Promise<{ kind: 'created' } | { kind: 'duplicate' }> {
      try {
        await Members.create({
          _id: member.id,
          signupKey: member.signupKey,
          name: member.name,
          mobile: member.mobile,
          birthday: member.birthday,
          locale: member.locale,
          tier: member.tier,
          points: 0,
          earnedTotal: 0,
          checkIn: { streak: 0, lastDay: null },
          consents: member.consents,
          identities: member.identities,
          appliedEntries: [],
          createdAt: member.createdAt,
        });
        return { kind: 'created' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'duplicate' };
        throw error;
      }
    },

    async findById(id: string): Promise<Member | null> {
      const doc = await Members.findById(id, { appliedEntries: 0 }).lean();
      return doc ? toMember(doc) : null;
    },

    async findBySignupKey(signupKey: string): Promise<Member | null> {
      const doc = await Members.findOne({ signupKey }, { appliedEntries: 0 }).lean();
      return doc ? toMember(doc) : null;
    },

    async setLocale(id: MemberId, locale: Locale): Promise<void> {
      await Members.updateOne({ _id: id }, { $set: { locale } });
    },

    /**
     * Applies a ledger entry to the balance exactly once: the filter skips a member whose marker
     * list already holds the key. Returns the balance after, or null when it was applied before.
     */
    async applyEntry(entry: {
      key: string;
      memberId: string;
      points: number;
      earned: number;
      set?: Record<string, unknown>;
    }): Promise<{ balance: number } | null> {
      const before = await Members.findOneAndUpdate(
        { _id: entry.memberId, appliedEntries: { $ne: entry.key } },
        {
          $inc: { points: entry.points, earnedTotal: entry.earned },
          $push: { appliedEntries: { $each: [entry.key], $slice: -appliedEntryWindow } },
          ...(entry.set ? { $set: entry.set } : {}),
        },
        // DATABASE.md: only a projected pre-image is trustworthy under contention.
        { returnDocument: 'before', projection: { points: 1 } },
      ).lean();
      return before ? { balance: before.points + entry.points } : null;
    },
  };
}

export type MemberRepository = ReturnType<typeof createMemberRepository>;

function toMember(doc: Omit<MemberDocument, 'appliedEntries'>): Member {
  return {
    id: doc._id as MemberId,
    name: doc.name,
    mobile: doc.mobile,
    birthday: doc.birthday ?? null,
    locale: doc.locale ?? null,
    tier: doc.tier,
    points: doc.points,
    earnedTotal: doc.earnedTotal ?? 0,
    checkIn: { streak: doc.checkIn?.streak ?? 0, lastDay: doc.checkIn?.lastDay ?? null },
    consents: doc.consents ?? [],
    identities: doc.identities ?? [],
    createdAt: doc.createdAt,
  };
}
