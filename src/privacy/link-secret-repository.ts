import { randomBytes } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';

interface SecretDocument {
  _id: string;
  value: string;
  createdAt: Date;
}

const secretSchema = new Schema<SecretDocument>({ _id: String, value: String, createdAt: Date }, { collection: 'secrets', versionKey: false });

const exportLinkSecretId = 'privacy-export-link';

/** Secrets the server makes for itself when the operator set none; one document each. */
export function createLinkSecretRepository(connection: Connection) {
  const Secrets = connection.model<SecretDocument>('Secret', secretSchema);

  return {
    model: Secrets,

    /**
     * The export-link signing secret: generated on first use and kept, so every instance and every
     * restart signs alike. Two instances generating at once both read back the one that landed.
     */
    async exportLinkSecret(now: Date): Promise<string> {
      const existing = await Secrets.findById(exportLinkSecretId).lean();
      if (existing) return existing.value;
      try {
        await Secrets.updateOne(
          { _id: exportLinkSecretId },
          { $setOnInsert: { value: randomBytes(32).toString('base64url'), createdAt: now } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const stored = await Secrets.findById(exportLinkSecretId).lean();
      if (stored === null) throw new Error('The export-link secret was written but cannot be read back');
      return stored.value;
    },
  };
}

export type LinkSecretRepository = ReturnType<typeof createLinkSecretRepository>;
