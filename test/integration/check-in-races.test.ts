import { DateTime } from 'luxon';
import { checkIn, type CheckInDeps, type CheckInOutcome } from '../../src/loyalty/check-in/check-in';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { newMemberId, type MemberId } from '../../src/shared/ids';
import { aNewMember } from '../support/builders';
import { startTestPlatform, type TestPlatform } from '../support/platform';

// A late turn (retried through an outage, run by the recovery sweep) checks the member in for the day they tapped
// on, which can be the day before a check-in running at the same time. Each plans its streak on the member it read;
// whichever lands second must plan again on what the first one wrote, not write a streak planned before it.

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());

const zone = 'Asia/Taipei';
const today = DateTime.fromISO('2026-11-23T10:00:00', { zone });
const dayOf = (at: DateTime) => at.toISODate()!;

function depsWith(members: CheckInDeps['members'] = platform.repositories.members, streakDays = 7): CheckInDeps {
  const { ledger, tierRules } = platform.repositories;
  return { members, ledger, tierRules, rules: { points: 10, streakDays, streakBonus: 50, zone }, earning: { expiry: { kind: 'never' }, zone } };
}

/** A member who checked in on the three days before yesterday: last day D-2, a 3-day streak. */
async function memberWithStreakUntilTheDayBeforeYesterday(): Promise<MemberId> {
  const id = newMemberId();
  await platform.repositories.members.create(aNewMember({ id, createdAt: today.minus({ days: 10 }).toJSDate() }));
  for (const daysAgo of [4, 3, 2]) {
    const at = today.minus({ days: daysAgo });
    expect(await checkIn(depsWith(), id, at)).toMatchObject({ kind: 'awarded', streak: 5 - daysAgo });
  }
  return id;
}

/** The member repository, with `whileRead` run after the first read of the member returned and before its reader goes on. */
function interleavedAfterFirstRead(whileRead: () => Promise<unknown>): CheckInDeps['members'] {
  const members = platform.repositories.members;
  let first = true;
  return {
    ...members,
    async findWithBalanceState(id) {
      const found = await members.findWithBalanceState(id);
      if (first) {
        first = false;
        await whileRead();
      }
      return found;
    },
  };
}

async function expectBothDaysPaidOnce(memberId: MemberId) {
  for (const day of [today.minus({ days: 1 }), today]) {
    expect(await platform.repositories.ledger.find(`checkin:${memberId}:${dayOf(day)}`)).toMatchObject({ status: 'applied', points: 10 });
  }
  expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'checkin' })).toBe(5);
  expect((await platform.repositories.members.findById(memberId))!.points).toBe(50);
  expect((await verifyLedger(platform.repositories)).problems).toEqual([]);
}

describe('a late check-in racing a live one', () => {
  it("lets today's check-in that lands while yesterday's late one is in flight keep the last day and the streak it wrote", async () => {
    const memberId = await memberWithStreakUntilTheDayBeforeYesterday();
    let live: CheckInOutcome | undefined;
    const tappedYesterday = today.minus({ days: 1 }).set({ hour: 23, minute: 58 });

    const late = await checkIn(
      depsWith(interleavedAfterFirstRead(async () => (live = await checkIn(depsWith(), memberId, today)))),
      memberId,
      today,
      tappedYesterday,
    );

    // Today's saw no check-in yesterday: its streak starts again. Yesterday's, recorded after it, pays its points only.
    expect(live).toMatchObject({ kind: 'awarded', points: 10, streak: 1 });
    expect(late).toMatchObject({ kind: 'awarded', points: 10, streak: 1 });
    expect((await platform.repositories.members.findById(memberId))!.checkIn).toEqual({ lastDay: dayOf(today), streak: 1 });
    await expectBothDaysPaidOnce(memberId);
  });

  it("plans today's check-in again on the streak yesterday's late one wrote while today's was in flight", async () => {
    const memberId = await memberWithStreakUntilTheDayBeforeYesterday();
    let late: CheckInOutcome | undefined;
    const tappedYesterday = today.minus({ days: 1 }).set({ hour: 23, minute: 58 });

    const live = await checkIn(
      depsWith(interleavedAfterFirstRead(async () => (late = await checkIn(depsWith(), memberId, today, tappedYesterday)))),
      memberId,
      today,
    );

    expect(late).toMatchObject({ kind: 'awarded', points: 10, streak: 4 });
    expect(live).toMatchObject({ kind: 'awarded', points: 10, streak: 5 });
    expect((await platform.repositories.members.findById(memberId))!.checkIn).toEqual({ lastDay: dayOf(today), streak: 5 });
    await expectBothDaysPaidOnce(memberId);
  });

  it("pays the streak bonus that today's check-in reaches only on the streak yesterday's late one wrote while it was in flight", async () => {
    const memberId = await memberWithStreakUntilTheDayBeforeYesterday();
    let late: CheckInOutcome | undefined;
    const tappedYesterday = today.minus({ days: 1 }).set({ hour: 23, minute: 58 });
    const fiveDayStreaks = (members?: CheckInDeps['members']) => depsWith(members, 5);

    const live = await checkIn(
      fiveDayStreaks(interleavedAfterFirstRead(async () => (late = await checkIn(fiveDayStreaks(), memberId, today, tappedYesterday)))),
      memberId,
      today,
    );

    // Read first, today's planned day 1 of a streak (no bonus); it lands as day 5, the bonus day.
    expect(late).toMatchObject({ kind: 'awarded', points: 10, streak: 4 });
    expect(live).toMatchObject({ kind: 'awarded', points: 60, bonus: 50, streak: 5, balance: 100 });
    expect(await platform.repositories.ledger.find(`checkin-bonus:${memberId}:${dayOf(today)}`)).toMatchObject({ status: 'applied', points: 50 });
    expect((await platform.repositories.members.findById(memberId))!.points).toBe(100);
    expect((await verifyLedger(platform.repositories)).problems).toEqual([]);
  });

  it('answers a second check-in for the same day that read the member before the first one landed as already checked in', async () => {
    const memberId = await memberWithStreakUntilTheDayBeforeYesterday();
    let first: CheckInOutcome | undefined;

    const second = await checkIn(
      depsWith(interleavedAfterFirstRead(async () => (first = await checkIn(depsWith(), memberId, today)))),
      memberId,
      today,
    );

    expect(first).toMatchObject({ kind: 'awarded', streak: 1 });
    expect(second).toMatchObject({ kind: 'alreadyCheckedIn', streak: 1, balance: 40 });
    expect((await platform.repositories.members.findById(memberId))!.checkIn).toEqual({ lastDay: dayOf(today), streak: 1 });
    expect(await platform.repositories.ledger.model.countDocuments({ memberId, reason: 'checkin' })).toBe(4);
    expect((await verifyLedger(platform.repositories)).problems).toEqual([]);
  });
});
