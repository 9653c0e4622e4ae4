import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-connection';
import type { Locale } from './flow-schema';

/** What marketers edit without a deploy: a flow (one YAML), or a template group (one YAML per locale). */
export type ContentKind = 'flow' | 'template';

/** A flow's YAML, or a template group's YAML by locale. */
export type ContentText = string | Record<Locale, string>;

export interface Draft {
  kind: ContentKind;
  resourceId: string;
  content: ContentText;
  savedAt: Date;
  savedBy: string;
  /** Bumped by every save: publishing removes the draft only if nobody saved again meanwhile. */
  revision: number;
}

/** How a version came to be: a published draft, a copy of an earlier version, or the shipped file. */
export type VersionSource = 'draft' | 'rollback' | 'reset';

export interface PublishedVersion {
  kind: ContentKind;
  resourceId: string;
  version: number;
  content: ContentText;
  publishedAt: Date;
  publishedBy: string;
  source: VersionSource;
  fromVersion: number | null;
}

interface DraftDocument extends Draft {
  _id: string;
}

interface VersionDocument extends PublishedVersion {
  _id: string;
}

interface RevisionDocument {
  _id: string;
  revision: number;
  updatedAt: Date;
}

const draftSchema = new Schema<DraftDocument>(
  {
    _id: String,
    kind: String,
    resourceId: String,
    content: Schema.Types.Mixed,
    savedAt: Date,
    savedBy: String,
    revision: Number,
  },
  { collection: 'content_drafts', versionKey: false, minimize: false },
);

const versionSchema = new Schema<VersionDocument>(
  {
    _id: String,
    kind: String,
    resourceId: String,
    version: Number,
    content: Schema.Types.Mixed,
    publishedAt: Date,
    publishedBy: String,
    source: String,
    fromVersion: { type: Number, default: null },
  },
  { collection: 'content_versions', versionKey: false, minimize: false },
);

const revisionSchema = new Schema<RevisionDocument>(
  { _id: String, revision: Number, updatedAt: Date },
  { collection: 'content_revision', versionKey: false },
);

const catalogRevisionId = 'catalog';

function resourceKey(kind: ContentKind, resourceId: string): string {
  return `${kind}:${resourceId}`;
}

// Zero-padded so that the _id order is the version order: the latest version is an _id range read.
function versionKey(kind: ContentKind, resourceId: string, version: number): string {
  return `${resourceKey(kind, resourceId)}:${String(version).padStart(9, '0')}`;
}

function versionRange(kind: ContentKind, resourceId: string) {
  // Resource ids are [a-z0-9-]; ':' sorts before them and ';' right after ':', so the range holds one resource.
  return { $gt: `${resourceKey(kind, resourceId)}:`, $lt: `${resourceKey(kind, resourceId)};` };
}

const stripId = <T extends { _id: string }>({ _id, ...rest }: T): Omit<T, '_id'> => rest;

/**
 * Drafts, numbered published versions and one catalog revision. A version's number is part of
 * its _id, so two concurrent publishes can never take the same number: the loser's insert fails
 * on the unique _id and it takes the next one.
 */
export function createContentVersionRepository(connection: Connection) {
  const Drafts = connection.model<DraftDocument>('ContentDraft', draftSchema);
  const Versions = connection.model<VersionDocument>('ContentVersion', versionSchema);
  const Revisions = connection.model<RevisionDocument>('ContentRevision', revisionSchema);

  return {
    models: [Drafts, Versions, Revisions],

    async draft(kind: ContentKind, resourceId: string): Promise<Draft | null> {
      const doc = await Drafts.findById(resourceKey(kind, resourceId)).lean<DraftDocument>();
      return doc ? stripId(doc) : null;
    },

    async drafts(): Promise<Draft[]> {
      return (await Drafts.find({}).lean<DraftDocument[]>()).map(stripId);
    },

    async saveDraft(kind: ContentKind, resourceId: string, content: ContentText, savedBy: string, now: Date): Promise<Draft> {
      const before = await Drafts.findOneAndUpdate(
        { _id: resourceKey(kind, resourceId) },
        { $set: { kind, resourceId, content, savedAt: now, savedBy }, $inc: { revision: 1 } },
        { upsert: true, returnDocument: 'before', projection: { revision: 1 } },
      ).lean<{ revision: number }>();
      return { kind, resourceId, content, savedAt: now, savedBy, revision: (before?.revision ?? 0) + 1 };
    },

    /** Removes the draft; with `revision`, only if nobody saved it again since (then the newer draft stays). */
    async discardDraft(kind: ContentKind, resourceId: string, revision?: number): Promise<boolean> {
      const result = await Drafts.deleteOne({ _id: resourceKey(kind, resourceId), ...(revision !== undefined ? { revision } : {}) });
      return result.deletedCount === 1;
    },

    async latest(kind: ContentKind, resourceId: string): Promise<PublishedVersion | null> {
      const doc = await Versions.findOne({ _id: versionRange(kind, resourceId) })
        .sort({ _id: -1 })
        .lean<VersionDocument>();
      return doc ? stripId(doc) : null;
    },

    async version(kind: ContentKind, resourceId: string, version: number): Promise<PublishedVersion | null> {
      const doc = await Versions.findById(versionKey(kind, resourceId, version)).lean<VersionDocument>();
      return doc ? stripId(doc) : null;
    },

    /** Newest first, without contents. */
    async versions(kind: ContentKind, resourceId: string): Promise<Omit<PublishedVersion, 'content'>[]> {
      const docs = await Versions.find({ _id: versionRange(kind, resourceId) }, { content: 0 })
        .sort({ _id: -1 })
        .lean<VersionDocument[]>();
      return docs.map(stripId);
    },

    /** Every published version of everything: what the live catalog is built from. */
    async allVersions(): Promise<PublishedVersion[]> {
      return (await Versions.find({}).sort({ _id: 1 }).lean<VersionDocument[]>()).map(stripId);
    },

    /**
     * Publishes the next version after max(latest, `after`). `contentFor` gets the number, so a
     * flow's YAML can carry its own version.
     */
    async publish(
      kind: ContentKind,
      resourceId: string,
      entry: { contentFor: (version: number) => ContentText; after: number; source: VersionSource; fromVersion: number | null },
      publishedBy: string,
      now: Date,
    ): Promise<PublishedVersion> {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const latest = await this.latest(kind, resourceId);
        const version = Math.max(latest?.version ?? 0, entry.after) + 1;
        const published: PublishedVersion = {
          kind,
          resourceId,
          version,
          content: entry.contentFor(version),
          publishedAt: now,
          publishedBy,
          source: entry.source,
          fromVersion: entry.fromVersion,
        };
        try {
          await Versions.create({ _id: versionKey(kind, resourceId, version), ...published });
          return published;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      throw new Error(`Could not take a version number for ${resourceKey(kind, resourceId)}: too many publishes at once`);
    },

    async catalogRevision(): Promise<number> {
      return (await Revisions.findById(catalogRevisionId).lean<RevisionDocument>())?.revision ?? 0;
    },

    /** Tells every server sharing the database that the live catalog changed. */
    async bumpCatalogRevision(now: Date): Promise<void> {
      await Revisions.updateOne({ _id: catalogRevisionId }, { $inc: { revision: 1 }, $set: { updatedAt: now } }, { upsert: true });
    },
  };
}

export type ContentVersionRepository = ReturnType<typeof createContentVersionRepository>;
