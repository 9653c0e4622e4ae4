import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../database/mongo-connection';
import type { MemberId } from '../../shared/ids';
import type { Mission, MissionEventKind, MissionId, MissionProgress } from './mission';
import { shortLivedCache } from '../../shared/short-lived-cache';

interface MissionDocument {
  _id: string;
  name: { 'zh-TW': string; en: string };
  startsAt: Date;
  endsAt: Date;
  goal: { kind: MissionEventKind; target: number };
  rewardPoints: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** `_id` is `<missionId>:<memberId>`: one document per member and mission, so every change is one atomic update. */
interface ProgressDocument {
  _id: string;
  missionId: string;
  memberId: string;
  /** The distinct events counted; their number is the progress. */
  eventKeys: string[];
  completedAt: Date | null;
  createdAt: Date;
}

const missionSchema = new Schema<MissionDocument>(
  {
    _id: String,
    name: { 'zh-TW': String, en: String },
    startsAt: Date,
    endsAt: Date,
    goal: { kind: String, target: Number },
    rewardPoints: Number,
    active: Boolean,
    createdAt: Date,
    updatedAt: Date,
  },
  { collection: 'missions', versionKey: false },
);

const progressSchema = new Schema<ProgressDocument>(
  {
    _id: String,
    missionId: String,
    memberId: String,
    eventKeys: { type: [String], default: [] },
    completedAt: { type: Date, default: null },
    createdAt: Date,
  },
  { collection: 'mission_progress', versionKey: false },
);
progressSchema.index({ memberId: 1 });

/** Fields to change; a name changes per locale. */
export type MissionChanges = Partial<Omit<Mission, 'id' | 'name'>> & { name?: Partial<Mission['name']> };

export function progressIdOf(missionId: MissionId, memberId: MemberId): string {
  return `${missionId}:${memberId}`;
}

export function createMissionRepository(connection: Connection) {
  const Missions = connection.model<MissionDocument>('Mission', missionSchema);
  const Progress = connection.model<ProgressDocument>('MissionProgress', progressSchema);
  // Every award asks which missions count it; a few seconds of caching keeps that off the database (as tier rules do).
  const everyMission = shortLivedCache(5000, async () => (await Missions.find().sort({ startsAt: -1 }).lean()).map(toMission));

  return {
    models: [Missions, Progress],

    async create(mission: Mission, now: Date): Promise<{ kind: 'created' } | { kind: 'duplicate' }> {
      const { id, ...fields } = mission;
      try {
        await Missions.create({ _id: id, ...fields, createdAt: now, updatedAt: now });
        everyMission.clear();
        return { kind: 'created' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'duplicate' };
        throw error;
      }
    },

    async findById(id: string): Promise<Mission | null> {
      const doc = await Missions.findById(id).lean();
      return doc ? toMission(doc) : null;
    },

    async update(id: string, changes: MissionChanges, now: Date): Promise<boolean> {
      const set: Record<string, unknown> = { updatedAt: now };
      for (const [field, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        if (field === 'name') for (const [locale, text] of Object.entries(value as object)) set[`name.${locale}`] = text;
        else set[field] = value;
      }
      const matched = (await Missions.updateOne({ _id: id }, { $set: set })).matchedCount === 1;
      everyMission.clear();
      return matched;
    },

    /** A page of missions in id order; `after` is the last id of the previous page. */
    async page(options: { limit: number; after?: string }): Promise<{ missions: Mission[]; nextCursor: string | null }> {
      const filter = options.after !== undefined ? { _id: { $gt: options.after } } : {};
      const docs = await Missions.find(filter).sort({ _id: 1 }).limit(options.limit + 1).lean();
      const missions = docs.slice(0, options.limit).map(toMission);
      return { missions, nextCursor: docs.length > options.limit ? (missions.at(-1)?.id ?? null) : null };
    },

    /** Every mission, newest first. Missions are few (a marketer's campaigns), so no paging. */
    async all(): Promise<Mission[]> {
      return (await Missions.find().sort({ startsAt: -1 }).lean()).map(toMission);
    },

    /** Every mission as of at most a few seconds ago (changes made through this repository show at once): for the award path. */
    allCached: everyMission.get,

    /**
     * Counts an event toward a member's mission: `$addToSet` of its key, so the same event (a
     * redelivery, a retry) counts once; returns the distinct count after this update.
     */
    async recordEvent(missionId: MissionId, memberId: MemberId, eventKey: string, now: Date): Promise<number> {
      const _id = progressIdOf(missionId, memberId);
      const update = {
        $addToSet: { eventKeys: eventKey },
        $setOnInsert: { missionId, memberId, completedAt: null, createdAt: now },
      };
      const options = { upsert: true, returnDocument: 'after' as const, projection: { eventKeys: 1 } };
      for (let attempt = 0; ; attempt += 1) {
        try {
          const after = await Progress.findOneAndUpdate({ _id }, update, options).lean();
          return after?.eventKeys.length ?? 0;
        } catch (error) {
          // Two first events racing both upsert: one inserts, the other gets E11000 and updates on retry.
          if (!isDuplicateKeyError(error) || attempt >= 2) throw error;
        }
      }
    },

    async markCompleted(missionId: MissionId, memberId: MemberId, now: Date): Promise<void> {
      await Progress.updateOne({ _id: progressIdOf(missionId, memberId), completedAt: null }, { $set: { completedAt: now } });
    },

    /** The member's progress on the given missions (by `_id`, one lookup each). */
    async progressOf(memberId: MemberId, missionIds: MissionId[]): Promise<Map<MissionId, MissionProgress>> {
      if (missionIds.length === 0) return new Map();
      const docs = await Progress.find(
        { _id: { $in: missionIds.map((id) => progressIdOf(id, memberId)) } },
        { missionId: 1, eventKeys: 1, completedAt: 1 },
      ).lean();
      return new Map(
        docs.map((doc) => [
          doc.missionId as MissionId,
          { missionId: doc.missionId as MissionId, count: doc.eventKeys?.length ?? 0, completedAt: doc.completedAt ?? null },
        ]),
      );
    },
  };
}

export type MissionRepository = ReturnType<typeof createMissionRepository>;

function toMission(doc: MissionDocument): Mission {
  return {
    id: doc._id as MissionId,
    name: { 'zh-TW': doc.name?.['zh-TW'] ?? '', en: doc.name?.en ?? '' },
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    goal: { kind: doc.goal.kind, target: doc.goal.target },
    rewardPoints: doc.rewardPoints,
    active: doc.active !== false,
  };
}
