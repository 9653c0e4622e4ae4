import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository } from '../members/member-repository';
import { awardPoints, type EarningRules } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import { countsEvent, isComplete, type Mission, type MissionEventKind } from './mission';
import type { MissionRepository } from './mission-repository';

export interface MissionDeps {
  missions: MissionRepository;
  members: MemberRepository;
  ledger: LedgerRepository;
  earning: EarningRules;
}

/** The notice a member finds in their next reply when they complete a mission. */
export const missionCompletedTemplate = 'notice.mission-completed';

/**
 * Counts one successful platform event toward every running mission of its kind. `eventKey`
 * names the event (a check-in day, a point-code use, a redemption), so the same event recorded
 * twice counts once. Completion pays through awardPoints under `mission:<missionId>:<memberId>`:
 * however many events reach the target at once, and however often this runs again, the ledger
 * writes that key once, and the completion notice is queued under the same key, so once.
 */
export async function recordMissionEvent(
  deps: MissionDeps,
  memberId: MemberId,
  kind: MissionEventKind,
  eventKey: string,
  now: DateTime,
): Promise<{ completed: Mission[] }> {
  const running = (await deps.missions.allCached()).filter((mission) => countsEvent(mission, kind, now));
  const completed: Mission[] = [];
  for (const mission of running) {
    const count = await deps.missions.recordEvent(mission.id, memberId, `${kind}:${eventKey}`, now.toJSDate());
    if (!isComplete(mission, count)) continue;
    if (await completeMission(deps, mission, memberId, now)) completed.push(mission);
  }
  return { completed };
}

async function completeMission(deps: MissionDeps, mission: Mission, memberId: MemberId, now: DateTime): Promise<boolean> {
  const key = `mission:${mission.id}:${memberId}`;
  if (mission.rewardPoints > 0) {
    const award = await awardPoints(
      { ledger: deps.ledger, rules: deps.earning },
      { key, memberId, points: mission.rewardPoints, reason: 'mission', note: mission.name['zh-TW'], now },
    );
    if (award.kind === 'noMember') throw new Error(`Mission ${mission.id} progress for member ${memberId}, who does not exist`);
  }
  await deps.missions.markCompleted(mission.id, memberId, now.toJSDate());
  // Queued after the award, never before, and keyed like it: a re-run after a crash queues it once.
  return deps.members.queueNotice(memberId, {
    key,
    template: missionCompletedTemplate,
    variables: { missionNameZh: mission.name['zh-TW'], missionNameEn: mission.name.en, points: String(mission.rewardPoints) },
  });
}
