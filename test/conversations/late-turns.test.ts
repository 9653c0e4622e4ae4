import { randomUUID } from 'node:crypto';
import type { InboundEvent } from '../../src/channels/channel';
import type { RewardId } from '../../src/loyalty/rewards/reward';
import type { MemberId } from '../../src/shared/ids';
import { aReward } from '../support/builders';
import { conversationWith } from '../support/conversation';
import { startTestPlatform, type TestPlatform } from '../support/platform';

// A turn can run long after its event arrived: the recovery sweep runs an acknowledged event its server never
// answered RECOVER_UNHANDLED_AFTER_SECONDS later, and the inbox retries a turn through a database outage. The
// recovery jobs running meanwhile take records older than a minute or two as abandoned by a crashed server, so the
// late turn's own records must not look that old.

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'false', SIGNUP_BONUS_POINTS: '0', POINTS_EXPIRY_POLICY: 'never' });
});
afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

async function memberWith(points: number) {
  const chat = conversationWith(platform, { locale: 'en' });
  await chat.joins();
  const memberId = (await platform.repositories.identities.find(`web:${chat.source.channelUserId}`))!.memberId! as MemberId;
  await platform.repositories.ledger.earn({ key: `seed:${memberId}`, memberId, points, reason: 'adjustment', now: platform.clock.now(), expiresAt: null });
  return { chat, memberId };
}

async function runRecoveryJobs() {
  await platform.jobs.recoverRedemptions();
  await platform.jobs.recoverLedger();
}

/** Runs the recovery jobs every server runs each minute just before the turn's ledger write of the given kind. */
function recoveryJobsRunBefore(method: 'spend' | 'earn') {
  const ledger = platform.repositories.ledger;
  if (method === 'spend') {
    const spend = ledger.spend.bind(ledger);
    jest.spyOn(ledger, 'spend').mockImplementation(async (request) => {
      await runRecoveryJobs();
      return spend(request);
    });
  } else {
    const earn = ledger.earn.bind(ledger);
    jest.spyOn(ledger, 'earn').mockImplementation(async (request) => {
      await runRecoveryJobs();
      return earn(request);
    });
  }
}

it('a redemption confirmed 10 minutes before its turn runs is not taken over by the recovery jobs mid-turn', async () => {
  platform.clock.set('2026-11-23T10:00:00+08:00');
  const reward = aReward({ id: `late-${randomUUID().slice(0, 8)}` as RewardId, cost: 100, stock: 5 });
  await platform.repositories.rewards.create(reward, platform.clock.now().toJSDate());
  const { chat, memberId } = await memberWith(250);
  await chat.taps(`intent=redeem&reward=${reward.id}`);

  const confirmedAt = platform.clock.now().plus({ seconds: 20 });
  platform.clock.set(confirmedAt.plus({ minutes: 10 }).toISO()!);
  recoveryJobsRunBefore('spend');
  const confirm: InboundEvent = { ...chat.source, kind: 'choice', payload: 'answer=confirm', eventId: randomUUID(), receivedAt: confirmedAt };
  const replies = await platform.inbox.handleNow(confirm);

  const [redemption] = (await platform.repositories.redemptions.list({ memberId, limit: 1 })).redemptions;
  expect(redemption).toMatchObject({ status: 'redeemed', cost: 100 });
  expect(JSON.stringify(replies)).toContain(redemption!.id);
  expect((await platform.repositories.members.findById(memberId))!.points).toBe(150);
  expect((await platform.repositories.rewards.findById(reward.id))!.stock).toBe(4);
});

it('a late turn stamps its ledger entry with the time it runs, and judges by the time the member acted', async () => {
  platform.clock.set('2026-11-23T10:00:00+08:00');
  const { chat, memberId } = await memberWith(0);
  const tappedAt = platform.clock.now().set({ hour: 23, minute: 58 });
  platform.clock.set(tappedAt.plus({ minutes: 12 }).toISO()!);
  recoveryJobsRunBefore('earn');
  await platform.inbox.handleNow({ ...chat.source, kind: 'text', text: 'check in', eventId: randomUUID(), receivedAt: tappedAt });

  const entry = await platform.repositories.ledger.find(`checkin:${memberId}:2026-11-23`);
  expect(entry).toMatchObject({ status: 'applied', points: 10 });
  expect(entry!.createdAt).toEqual(platform.clock.now().toJSDate());
});
