import { Schema, type Connection } from 'mongoose';
import type { ProgrammeOverrides, ProgrammeSettingsChange } from './programme-settings';
import { programmeSettingKeys } from './programme-settings';

interface ProgrammeSettingsDocument {
  _id: 'current';
  overrides: Record<string, unknown>;
  /** Bumped by every change: other servers poll it to know they must reload. */
  revision: number;
  updatedAt: Date;
  updatedBy: string;
}

const programmeSettingsSchema = new Schema<ProgrammeSettingsDocument>(
  { _id: String, overrides: Schema.Types.Mixed, revision: Number, updatedAt: Date, updatedBy: String },
  { collection: 'programme_settings', versionKey: false, minimize: false },
);

export interface StoredProgrammeSettings {
  overrides: Record<string, unknown>;
  revision: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** One document, `_id: 'current'`; until a marketer changes something, every number is its env default. */
export function createProgrammeSettingsRepository(connection: Connection) {
  const Settings = connection.model<ProgrammeSettingsDocument>('ProgrammeSettings', programmeSettingsSchema);
  const read = async (): Promise<StoredProgrammeSettings> => {
    const doc = await Settings.findById('current').lean();
    return { overrides: doc?.overrides ?? {}, revision: doc?.revision ?? 0, updatedAt: doc?.updatedAt ?? null, updatedBy: doc?.updatedBy ?? null };
  };
  return {
    model: Settings,
    current: read,

    async revision(): Promise<number> {
      return (await Settings.findById('current', { revision: 1 }).lean())?.revision ?? 0;
    },

    /**
     * Applies a change field by field in one atomic update and returns the overrides it replaced
     * (the pre-image, DATABASE.md: never an unprojected post-image).
     */
    async change(change: ProgrammeSettingsChange, by: string, now: Date): Promise<{ before: ProgrammeOverrides }> {
      const set: Record<string, unknown> = { updatedAt: now, updatedBy: by };
      const unset: Record<string, ''> = {};
      for (const key of programmeSettingKeys) {
        const value = change[key];
        if (value === null) unset[`overrides.${key}`] = '';
        else if (value !== undefined) set[`overrides.${key}`] = value;
      }
      const before = await Settings.findOneAndUpdate(
        { _id: 'current' },
        { $set: set, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}), $inc: { revision: 1 } },
        { upsert: true, returnDocument: 'before', projection: { overrides: 1 } },
      ).lean();
      return { before: (before?.overrides ?? {}) as ProgrammeOverrides };
    },

    /** Every number back to its env default. */
    async reset(by: string, now: Date): Promise<{ before: ProgrammeOverrides }> {
      const before = await Settings.findOneAndUpdate(
        { _id: 'current' },
        { $set: { overrides: {}, updatedAt: now, updatedBy: by }, $inc: { revision: 1 } },
        { upsert: true, returnDocument: 'before', projection: { overrides: 1 } },
      ).lean();
      return { before: (before?.overrides ?? {}) as ProgrammeOverrides };
    },
  };
}

export type ProgrammeSettingsRepository = ReturnType<typeof createProgrammeSettingsRepository>;
