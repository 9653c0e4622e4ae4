import type { Connection } from 'mongoose';

// Placeholder, being written: redemptions (issue 4).
export function createRedemptionRepository(_connection: Connection) {
  return { models: [] as import('mongoose').Model<any>[] };
}

export type RedemptionRepository = ReturnType<typeof createRedemptionRepository>;
