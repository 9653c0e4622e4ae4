import type { DateTime } from 'luxon';
import type { MemberProfile, ProgrammeFactsRepository } from '../analytics/programme-facts-repository';
import type { PurchaseRepository } from './purchase-repository';
import { noPurchaseScores, rfmWindowDays, scoreRfm, type RfmScores } from './rfm';
import { matchesSegment, usesRfm, type SegmentDefinition } from './segment';
import { zoneNamed } from '../shared/zones';

export interface SegmentDeps {
  programmeFacts: ProgrammeFactsRepository;
  purchases: PurchaseRepository;
}

export interface SegmentMember extends MemberProfile {
  rfm: RfmScores;
  lastChatAt: Date | null;
}

export interface SegmentPreview {
  size: number;
  /** Of `size`, seeded demo members (counted, never messaged). */
  demoMembers: number;
  sample: { memberId: string; name: string; tier: string; points: number; channels: string[]; rfm: RfmScores; demo: boolean }[];
}

const sampleSize = 10;

/**
 * The members a definition holds right now: one pass over members, one `$group` over identities
 * and, only when the definition scores RFM, one over purchases. Sandbox members are never in a
 * segment, nor are members who stopped promotions: segments are who broadcasts reach, and the
 * same pass that picks them reads the consent (docs/privacy.md).
 */
export async function findSegmentMembers(deps: SegmentDeps, definition: SegmentDefinition, now: DateTime, zone: string): Promise<SegmentMember[]> {
  const nowDate = now.toJSDate();
  const today = now.setZone(zoneNamed(zone)).toISODate()!;
  const members: MemberProfile[] = [];
  for await (const member of deps.programmeFacts.streamMembers()) if (!member.sandbox && member.mayReceiveMarketing) members.push(member);
  // Quintiles rank the members a segment can hold: sandbox purchases would shift everyone's scores.
  const ids = new Set(members.map((member) => member.memberId));
  const rfm = usesRfm(definition)
    ? scoreRfm((await deps.purchases.summariesSince(now.minus({ days: rfmWindowDays }).toJSDate())).filter((summary) => ids.has(summary.memberId)), nowDate)
    : new Map<string, RfmScores>();
  const lastInbound = await deps.programmeFacts.lastInboundByMember();
  const found: SegmentMember[] = [];
  for (const member of members) {
    const candidate = {
      ...member,
      channels: member.identities.map((identity) => identity.channel),
      lastChatAt: lastInbound.get(member.memberId) ?? null,
      rfm: rfm.get(member.memberId) ?? noPurchaseScores,
    };
    if (matchesSegment(definition, candidate, today, nowDate)) {
      found.push({ ...member, rfm: candidate.rfm, lastChatAt: candidate.lastChatAt });
    }
  }
  return found;
}

export async function previewSegment(deps: SegmentDeps, definition: SegmentDefinition, now: DateTime, zone: string): Promise<SegmentPreview> {
  const members = await findSegmentMembers(deps, definition, now, zone);
  return {
    size: members.length,
    demoMembers: members.filter((member) => member.demo).length,
    sample: members.slice(0, sampleSize).map((member) => ({
      memberId: member.memberId,
      name: member.name,
      tier: member.tier,
      points: member.points,
      channels: [...new Set(member.identities.map((identity) => identity.channel))],
      rfm: member.rfm,
      demo: member.demo,
    })),
  };
}
