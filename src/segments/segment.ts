import type { ChannelName } from '../channels/channel';
import type { RfmScores } from './rfm';

export interface ScoreRange {
  min: number;
  max: number;
}

/**
 * Who a segment holds: every condition given must hold (AND); an empty definition is every
 * member. Days count in loyalty days, today included ("within 7 days" = today and the 6 before).
 */
export interface SegmentDefinition {
  tiers?: string[];
  points?: { min?: number; max?: number };
  lastCheckIn?: { kind: 'within' | 'notWithin'; days: number };
  /** Wrote to the bot on any channel within this many days. */
  chattedWithinDays?: number;
  /** Has at least one of these channels linked. */
  channels?: ChannelName[];
  rfm?: { recency?: ScoreRange; frequency?: ScoreRange; monetary?: ScoreRange };
}

export interface SegmentCandidate {
  memberId: string;
  tier: string;
  points: number;
  lastCheckInDay: string | null;
  lastChatAt: Date | null;
  channels: ChannelName[];
  rfm: RfmScores;
}

export interface Segment {
  id: string;
  name: string;
  description: string;
  definition: SegmentDefinition;
  createdAt: Date;
  updatedAt: Date;
}

const dayMs = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / dayMs);

/** Whether a member is in a segment, given today's loyalty day and the current instant. */
export function matchesSegment(definition: SegmentDefinition, candidate: SegmentCandidate, today: string, now: Date): boolean {
  if (definition.tiers && !definition.tiers.includes(candidate.tier)) return false;
  if (definition.points?.min !== undefined && candidate.points < definition.points.min) return false;
  if (definition.points?.max !== undefined && candidate.points > definition.points.max) return false;
  if (definition.lastCheckIn) {
    const checkedInWithin =
      candidate.lastCheckInDay !== null && dayNumber(today) - dayNumber(candidate.lastCheckInDay) < definition.lastCheckIn.days;
    if (checkedInWithin !== (definition.lastCheckIn.kind === 'within')) return false;
  }
  if (definition.chattedWithinDays !== undefined) {
    if (candidate.lastChatAt === null || now.getTime() - candidate.lastChatAt.getTime() >= definition.chattedWithinDays * dayMs) return false;
  }
  if (definition.channels && !definition.channels.some((channel) => candidate.channels.includes(channel))) return false;
  for (const axis of ['recency', 'frequency', 'monetary'] as const) {
    const range = definition.rfm?.[axis];
    if (range && (candidate.rfm[axis] < range.min || candidate.rfm[axis] > range.max)) return false;
  }
  return true;
}

/** Whether the definition needs RFM scores, so evaluation reads purchases only when it must. */
export function usesRfm(definition: SegmentDefinition): boolean {
  return definition.rfm !== undefined && Object.values(definition.rfm).some((range) => range !== undefined);
}
