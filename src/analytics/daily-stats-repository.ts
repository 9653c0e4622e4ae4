import { Schema, type Connection } from 'mongoose';
import type { DailyStats } from './daily-stats';

interface DailyStatsDocument extends Omit<DailyStats, 'day'> {
  /** The loyalty day, yyyy-MM-dd: one document per finished day. */
  _id: string;
  computedAt: Date;
}

const dailyStatsSchema = new Schema<DailyStatsDocument>(
  {
    _id: String,
    totalMembers: Number,
    newSignups: Number,
    activeMembers: Number,
    checkedIn: Number,
    checkInRate: { type: Number, default: null },
    points: { issued: Number, redeemed: Number, refunded: Number, expired: Number },
    redemptionsByReward: { type: Schema.Types.Mixed, default: {} },
    tierMix: { type: Schema.Types.Mixed, default: {} },
    channelMix: { type: Schema.Types.Mixed, default: {} },
    computedAt: Date,
  },
  { collection: 'daily_stats', versionKey: false, minimize: false },
);

export function createDailyStatsRepository(connection: Connection) {
  const Stats = connection.model<DailyStatsDocument>('DailyStats', dailyStatsSchema);
  return {
    model: Stats,

    async findDays(days: string[]): Promise<Map<string, DailyStats>> {
      const docs = await Stats.find({ _id: { $in: days } }, { computedAt: 0 }).lean<DailyStatsDocument[]>();
      return new Map(docs.map(({ _id, computedAt: _, ...stats }) => [_id, { day: _id, ...stats }]));
    },

    /** Stores finished days; a day stored before keeps its first figures (its snapshot of tiers). */
    async storeMissing(stats: DailyStats[], computedAt: Date): Promise<number> {
      if (stats.length === 0) return 0;
      const result = await Stats.bulkWrite(
        stats.map(({ day, ...figures }) => ({
          updateOne: { filter: { _id: day }, update: { $setOnInsert: { ...figures, computedAt } }, upsert: true },
        })),
        { ordered: false },
      );
      return result.upsertedCount;
    },
  };
}

export type DailyStatsRepository = ReturnType<typeof createDailyStatsRepository>;
