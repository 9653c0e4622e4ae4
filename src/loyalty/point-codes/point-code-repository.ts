import type { Connection } from 'mongoose';

// Placeholder, being written: point codes (issue 4).
export function createPointCodeRepository(_connection: Connection) {
  return { models: [] as import('mongoose').Model<any>[] };
}

export type PointCodeRepository = ReturnType<typeof createPointCodeRepository>;
