import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';

/** A member's current link code: one document per member, so a new code replaces the previous one. */
export interface LinkCode {
  memberId: MemberId;
  code: string;
  expiresAt: Date;
  usedAt: Date | null;
  /** The identity that consumed the code: a retry of its confirmation may finish the link. */
  usedBy: string | null;
}

interface LinkCodeDocument {
  /** The member id: the deterministic key that makes issuing a new code replace the old one in one write. */
  _id: string;
  code: string;
  expiresAt: Date;
  usedAt: Date | null;
  usedBy: string | null;
  createdAt: Date;
}

const linkCodeSchema = new Schema<LinkCodeDocument>(
  {
    _id: String,
    code: { type: String, required: true, unique: true },
    expiresAt: Date,
    usedAt: { type: Date, default: null },
    usedBy: { type: String, default: null },
    createdAt: Date,
  },
  { collection: 'link_codes', versionKey: false },
);

export function createLinkCodeRepository(connection: Connection) {
  const LinkCodes = connection.model<LinkCodeDocument>('LinkCode', linkCodeSchema);

  return {
    model: LinkCodes,

    /** Makes `code` the member's only code; `taken` when another member's document holds the same digits. */
    async replace(memberId: MemberId, code: string, expiresAt: Date, now: Date): Promise<{ kind: 'issued' } | { kind: 'taken' }> {
      try {
        await LinkCodes.updateOne(
          { _id: memberId },
          { $set: { code, expiresAt, usedAt: null, usedBy: null, createdAt: now } },
          { upsert: true },
        );
        return { kind: 'issued' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'taken' };
        throw error;
      }
    },

    async removeOfMember(memberId: MemberId): Promise<void> {
      await LinkCodes.deleteOne({ _id: memberId });
    },

    async findByCode(code: string): Promise<LinkCode | null> {
      const doc = await LinkCodes.findOne({ code }).lean();
      return doc ? toLinkCode(doc) : null;
    },

    /**
     * Consumes the code for `identityKey` unless someone else did: the guard `usedAt: null` lets one
     * identity win, and matching `usedBy` lets a retry of that identity's confirmation pass again.
     */
    async consume(code: string, identityKey: string, now: Date): Promise<boolean> {
      const result = await LinkCodes.updateOne(
        { code, expiresAt: { $gt: now }, usedAt: null },
        { $set: { usedAt: now, usedBy: identityKey } },
      );
      if (result.modifiedCount === 1) return true;
      return (await LinkCodes.countDocuments({ code, usedBy: identityKey })) === 1;
    },

    /** Deletes the codes that expired, or were used, before `cutoff`; answers how many. */
    async deleteExpiredOrUsedBefore(cutoff: Date): Promise<number> {
      const result = await LinkCodes.deleteMany({ $or: [{ expiresAt: { $lt: cutoff } }, { usedAt: { $lt: cutoff } }] });
      return result.deletedCount;
    },
  };
}

export type LinkCodeRepository = ReturnType<typeof createLinkCodeRepository>;

function toLinkCode(doc: LinkCodeDocument): LinkCode {
  return {
    memberId: doc._id as MemberId,
    code: doc.code,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
    usedBy: doc.usedBy ?? null,
  };
}
