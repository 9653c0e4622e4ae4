import type { DateTime } from 'luxon';
import { awardPoints, type EarningRules } from '../points/award-points';
import type { LedgerRepository } from '../points/ledger-repository';
import type { MemberRepository } from './member-repository';
import { zoneNamed } from '../../shared/zones';

/** Whether `birthday` (yyyy-mm-dd) falls on `today`; 29 February birthdays are kept on 28 February in other years. */
export function isBirthdayOn(birthday: string, today: DateTime): boolean {
  const [, month, day] = birthday.split('-').map(Number);
  if (month === today.month && day === today.day) return true;
  return month === 2 && day === 29 && !today.isInLeapYear && today.month === 2 && today.day === 28;
}

/** The daily birthday job: once a year per member (the key holds the year), with a wish on their next chat. */
export async function awardBirthdayBonuses(
  deps: { members: MemberRepository; ledger: LedgerRepository; earning: EarningRules },
  options: { now: DateTime; points: number },
): Promise<{ awarded: number }> {
  const today = options.now.setZone(zoneNamed(deps.earning.zone));
  let awarded = 0;
  if (options.points <= 0) return { awarded };
  for await (const { memberId, birthday } of deps.members.streamBirthdays()) {
    if (!isBirthdayOn(birthday, today)) continue;
    const key = `birthday:${memberId}:${today.year}`;
    const result = await awardPoints(
      { ledger: deps.ledger, rules: deps.earning },
      { key, memberId, points: options.points, reason: 'birthdayBonus', now: options.now },
    );
    if (result.kind !== 'recorded') continue;
    awarded += 1;
    await deps.members.queueNotice(memberId, { key, template: 'notice.birthday', variables: { points: String(options.points) } });
  }
  return { awarded };
}
