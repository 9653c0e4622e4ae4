import { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { MemberRepository, Notice } from '../members/member-repository';
import { isExpired, pointsExpiringBy } from './ledger';
import type { LedgerRepository } from './ledger-repository';
import { zoneNamed } from '../../shared/zones';

export interface ExpiryRun {
  membersChecked: number;
  membersExpired: number;
  pointsExpired: number;
  remindersQueued: number;
}

/**
 * The nightly expiry job: one pass over the members (DATABASE.md: no per-member ledger queries).
 * Due lots become expiry entries keyed by lot, so a re-run or a run racing a spend never takes a
 * point twice; members with points expiring within `reminderDays` get one reminder per lot.
 */
export async function expirePoints(
  deps: {
    members: MemberRepository;
    ledger: LedgerRepository;
    /** Offers a queued reminder for delivery now (a push where allowed); it stays queued otherwise. */
    offer?: (memberId: MemberId, notice: Notice) => Promise<unknown>;
  },
  options: { now: DateTime; reminderDays: number; zone: string },
): Promise<ExpiryRun> {
  const run: ExpiryRun = { membersChecked: 0, membersExpired: 0, pointsExpired: 0, remindersQueued: 0 };
  const reminderHorizon = options.now.plus({ days: options.reminderDays });
  for await (const member of deps.members.streamBalances()) {
    run.membersChecked += 1;
    if (member.lots.some((lot) => isExpired(lot, options.now))) {
      const expired = await deps.ledger.expireDue(member.memberId, member.lots, options.now);
      if (expired > 0) {
        run.membersExpired += 1;
        run.pointsExpired += expired;
      }
    }
    const upcoming = member.lots
      .filter((lot) => !isExpired(lot, options.now) && lot.expiresAt !== null && lot.expiresAt <= reminderHorizon.toJSDate())
      .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime());
    const soonest = upcoming[0];
    if (soonest === undefined || options.reminderDays === 0) continue;
    const notice: Notice = {
      key: `expiry-reminder:${soonest.key}`,
      template: 'notice.points-expiring',
      variables: {
        points: String(pointsExpiringBy(upcoming, reminderHorizon)),
        date: calendarDate(soonest.expiresAt!, options.zone),
      },
    };
    if (!(await deps.members.queueNotice(member.memberId, notice))) continue;
    run.remindersQueued += 1;
    await deps.offer?.(member.memberId, notice);
  }
  return run;
}

function calendarDate(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant).setZone(zoneNamed(zone)).toISODate()!;
}
