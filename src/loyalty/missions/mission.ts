import { DateTime } from 'luxon';
import type { Locale } from '../../conversation/flow-schema';
import type { Branded } from '../../shared/ids';
import { numberFormat } from '../../shared/number-format';

/** A slug chosen by the marketer, e.g. `december-check-ins`. */
export type MissionId = Branded<string, 'MissionId'>;

export const missionIdPattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

/**
 * The platform events a mission can count: each successful check-in, point-code collection or
 * redemption, and each friend who joins through the member's invite.
 */
export const missionEventKinds = ['checkIns', 'pointCodes', 'redemptions', 'referrals'] as const;
export type MissionEventKind = (typeof missionEventKinds)[number];

export interface Mission {
  id: MissionId;
  name: Record<Locale, string>;
  /** Counts events from this instant (inclusive). */
  startsAt: Date;
  /** Counts events until this instant (exclusive). */
  endsAt: Date;
  goal: { kind: MissionEventKind; target: number };
  /** Points awarded once, when the member reaches the target. */
  rewardPoints: number;
  active: boolean;
}

/** Progress of one member on one mission: the distinct events counted, so a redelivered event counts once. */
export interface MissionProgress {
  missionId: MissionId;
  count: number;
  completedAt: Date | null;
}

export function isRunning(mission: Mission, now: DateTime): boolean {
  const at = now.toMillis();
  return mission.active && mission.startsAt.getTime() <= at && at < mission.endsAt.getTime();
}

/** Whether an event of `kind` at `now` moves this mission on. */
export function countsEvent(mission: Mission, kind: MissionEventKind, now: DateTime): boolean {
  return mission.goal.kind === kind && isRunning(mission, now);
}

export function isComplete(mission: Mission, count: number): boolean {
  return count >= mission.goal.target;
}

/** ▓▓▓░░ 3/5: `width` blocks, filled in proportion (rounded down, so only a finished mission looks full). */
export function progressBar(count: number, target: number, width = 5): string {
  const shown = Math.min(count, target);
  const filled = target > 0 ? Math.floor((shown / target) * width) : width;
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${shown}/${target}`;
}

const goalWords: Record<MissionEventKind, Record<Locale, (target: number) => string>> = {
  checkIns: { 'zh-TW': (target) => `簽到 ${target} 天`, en: (target) => `check in on ${target} days` },
  pointCodes: { 'zh-TW': (target) => `集點 ${target} 次`, en: (target) => `collect ${target} point codes` },
  redemptions: { 'zh-TW': (target) => `兌換 ${target} 次禮物`, en: (target) => `redeem ${target} rewards` },
  referrals: { 'zh-TW': (target) => `邀請 ${target} 位好友入會`, en: (target) => `invite ${target} friends who join` },
};

/**
 * One entry per mission for the chat: "🎯 December streak (check in on 5 days)" over
 * "▓▓▓░░ 3/5 · 50 points when done · ends 12/31". The last day shown is the one before endsAt.
 */
export function missionLines(missions: Mission[], progress: ReadonlyMap<MissionId, MissionProgress>, locale: Locale, zone: string): string[] {
  const number = numberFormat(locale);
  return missions.map((mission) => {
    const count = progress.get(mission.id)?.count ?? 0;
    const done = isComplete(mission, count);
    const bar = progressBar(count, mission.goal.target);
    const points = number.format(mission.rewardPoints);
    const lastDay = DateTime.fromMillis(mission.endsAt.getTime() - 1, { zone }).toFormat('MM/dd');
    const goal = goalWords[mission.goal.kind][locale](mission.goal.target);
    if (locale === 'zh-TW') {
      return done
        ? `✅ ${mission.name[locale]}（${goal}）\n${bar}・已完成，獲得 ${points} 點`
        : `🎯 ${mission.name[locale]}（${goal}）\n${bar}・完成送 ${points} 點・${lastDay} 截止`;
    }
    return done
      ? `✅ ${mission.name[locale]} (${goal})\n${bar} · done, ${points} points earned`
      : `🎯 ${mission.name[locale]} (${goal})\n${bar} · ${points} points when done · ends ${lastDay}`;
  });
}
