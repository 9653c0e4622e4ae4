import { randomBytes } from 'node:crypto';
import type { Segment } from './segment';
import type { SegmentRepository } from './segment-repository';

export type SegmentFields = Pick<Segment, 'name' | 'description' | 'definition'>;

/** A new segment as saved: its id and both times are given here, not by the caller. */
export function newSegment(fields: SegmentFields, now: Date): Segment {
  return { id: `seg_${randomBytes(9).toString('base64url')}`, ...fields, createdAt: now, updatedAt: now };
}

/**
 * Changes only the fields given, so that two marketers changing different fields at once both keep theirs.
 * Answers the segment before and after, or null when there is none.
 */
export async function changeSegment(
  deps: { segments: SegmentRepository },
  id: string,
  changes: Partial<SegmentFields>,
  now: Date,
): Promise<{ before: Segment; after: Segment } | null> {
  const set = { ...changes, updatedAt: now };
  const before = await deps.segments.update(id, set);
  return before === null ? null : { before, after: { ...before, ...set } };
}
