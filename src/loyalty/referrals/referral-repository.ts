import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import type { ReferralCode } from './referral';

/** A member's referral code; `_id` is the code and memberId is unique, so each member has one and each code one owner. */
interface ReferralCodeDocument {
  _id: string;
  memberId: string;
  createdAt: Date;
}

/** A person (a channel identity, not a member yet) who arrived through someone's invite; `_id` is the identity key. */
interface InvitationDocument {
  _id: string;
  referrerId: string;
  code: string;
  invitedAt: Date;
}

/** A member who joined through an invite; `_id` is the new member's id, so a member is referred at most once. */
interface ReferralDocument {
  _id: string;
  referrerId: string;
  joinedAt: Date;
}

const codeSchema = new Schema<ReferralCodeDocument>(
  { _id: String, memberId: { type: String, required: true, unique: true }, createdAt: Date },
  { collection: 'referral_codes', versionKey: false },
);

const invitationSchema = new Schema<InvitationDocument>(
  { _id: String, referrerId: String, code: String, invitedAt: Date },
  { collection: 'referral_invitations', versionKey: false },
);

const referralSchema = new Schema<ReferralDocument>(
  { _id: String, referrerId: String, joinedAt: Date },
  { collection: 'referrals', versionKey: false },
);

export interface Invitation {
  referrerId: MemberId;
  code: ReferralCode;
  invitedAt: Date;
}

export function createReferralRepository(connection: Connection) {
  const Codes = connection.model<ReferralCodeDocument>('ReferralCode', codeSchema);
  const Invitations = connection.model<InvitationDocument>('ReferralInvitation', invitationSchema);
  const Referrals = connection.model<ReferralDocument>('Referral', referralSchema);

  return {
    models: [Codes, Invitations, Referrals],

    async codeOf(memberId: MemberId): Promise<ReferralCode | null> {
      const doc = await Codes.findOne({ memberId }, { _id: 1 }).lean();
      return doc ? (doc._id as ReferralCode) : null;
    },

    /**
     * Gives the member `code` unless they have one already. A duplicate key means either the
     * member has a code (another request won) or the code belongs to someone else: `codeOf` tells.
     */
    async claimCode(memberId: MemberId, code: ReferralCode, now: Date): Promise<{ kind: 'claimed' } | { kind: 'duplicate' }> {
      try {
        await Codes.create({ _id: code, memberId, createdAt: now });
        return { kind: 'claimed' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'duplicate' };
        throw error;
      }
    },

    async ownerOf(code: ReferralCode): Promise<MemberId | null> {
      const doc = await Codes.findById(code, { memberId: 1 }).lean();
      return doc ? (doc.memberId as MemberId) : null;
    },

    /** Remembers who invited the person; a later invite replaces an earlier one (the last link they followed counts). */
    async rememberInvitation(identityKey: string, invitation: Invitation): Promise<void> {
      await Invitations.updateOne({ _id: identityKey }, { $set: invitation }, { upsert: true });
    },

    /** When the person is erased: an erased member joining again on the same chat account is not credited to the old invite. */
    async forgetInvitation(identityKey: string): Promise<void> {
      await Invitations.deleteOne({ _id: identityKey });
    },

    async invitationOf(identityKey: string): Promise<Invitation | null> {
      const doc = await Invitations.findById(identityKey).lean();
      return doc ? { referrerId: doc.referrerId as MemberId, code: doc.code as ReferralCode, invitedAt: doc.invitedAt } : null;
    },

    /** Records that the member joined through the referrer's invite; a repeat is harmless (the first record stays). */
    async recordReferral(newMemberId: MemberId, referrerId: MemberId, joinedAt: Date): Promise<void> {
      await Referrals.updateOne({ _id: newMemberId }, { $setOnInsert: { referrerId, joinedAt } }, { upsert: true }).catch((error: unknown) => {
        // Two records of the same signup racing: the other one inserted it.
        if (!isDuplicateKeyError(error)) throw error;
      });
    },

    async referrerOf(memberId: MemberId): Promise<MemberId | null> {
      const doc = await Referrals.findById(memberId, { referrerId: 1 }).lean();
      return doc ? (doc.referrerId as MemberId) : null;
    },
  };
}

export type ReferralRepository = ReturnType<typeof createReferralRepository>;
