import type { DateTime } from 'luxon';
import type { MemberId } from '../../shared/ids';
import type { WelcomeAmounts } from './member';
import { awardPoints } from '../points/award-points';
import { creditReferral, referralKeyOf, type CreditOutcome, type CreditReferralDeps } from '../referrals/credit-referral';

export type WelcomeDeps = Omit<CreditReferralDeps, 'bonusPoints'>;


export interface Welcome {
  /** False when the bonus was paid before (or there is none). */
  bonusPaid: boolean;
  referral: CreditOutcome;
}

interface WelcomeRequest {
  memberId: MemberId;
  /** The identity that signed up: the invitation, if any, is remembered under it. */
  identityKey: string;
  amounts: WelcomeAmounts;
  now: DateTime;
}

export function signupBonusKeyOf(memberId: MemberId): string {
  return `signup-bonus:${memberId}`;
}

/**
 * What follows joining: the welcome bonus, and the credit of the friend who invited them. Both are keyed by the new
 * member, so the signup turn run again, and the recovery below, pay what is missing and nothing twice.
 */
export async function welcomeNewMember(deps: WelcomeDeps, request: WelcomeRequest): Promise<Welcome> {
  const bonusPaid = await payWelcomeBonus(deps, request);
  return { bonusPaid, referral: await creditInviter(deps, request) };
}

async function payWelcomeBonus(deps: WelcomeDeps, { memberId, amounts, now }: WelcomeRequest): Promise<boolean> {
  if (amounts.signupBonus <= 0) return false;
  const result = await awardPoints(
    { ledger: deps.ledger, rules: deps.earning },
    { key: signupBonusKeyOf(memberId), memberId, points: amounts.signupBonus, reason: 'signupBonus', now },
  );
  return result.kind === 'recorded';
}

function creditInviter(deps: WelcomeDeps, { memberId, identityKey, amounts, now }: WelcomeRequest): Promise<CreditOutcome> {
  return creditReferral({ ...deps, bonusPoints: amounts.referralBonus }, { newMemberId: memberId, identityKey, now });
}

/** A signup younger than this may still be paying in its own turn: the redemption recovery's wait (redemptionLeaseMs). */
const welcomeSettlesWithinMs = 2 * 60_000;

/**
 * How far back the recovery looks. A turn that failed after making the member is run again within minutes (the inbox's
 * retries, the recovery sweep), and this job runs every few minutes: two days leave room for a long outage of the
 * jobs, and keep the pass over recent members short.
 */
const welcomeLookBackDays = 2;

/**
 * The welcome recovery, every few minutes: a signup turn that failed after it made the member and before it paid (the
 * database blipped, the server died) pays when that event is run again or the person answers again. One who never
 * writes again, once their event is given up or handled, is paid here: members who joined in chat in the last
 * `welcomeLookBackDays` without a welcome bonus in the ledger, or invited and without their referrer's credit. It pays
 * the amounts the programme promised when they joined, kept on the member: a bonus raised since is not paid
 * retroactively, nor one that was 0 then. The same keyed payments as the turn, so a turn run again at the same moment
 * pays once with it. A member found paid is marked settled and not read again. Safe on several servers at once.
 */
export async function welcomeMissedNewMembers(deps: WelcomeDeps, now: DateTime): Promise<{ bonuses: number; referrals: number }> {
  let bonuses = 0;
  let referrals = 0;
  const joinedFrom = now.minus({ days: welcomeLookBackDays }).toJSDate();
  const joinedBefore = now.minus({ milliseconds: welcomeSettlesWithinMs }).toJSDate();
  for await (const { memberId, signupKey, welcome } of deps.members.streamChatSignups(joinedFrom, joinedBefore)) {
    const request = { memberId, identityKey: signupKey, amounts: welcome, now };
    if ((await isBonusMissing(deps, request)) && (await payWelcomeBonus(deps, request))) bonuses += 1;
    if ((await isReferralCreditMissing(deps, request)) && (await creditInviter(deps, request)).kind === 'credited') referrals += 1;
    // Checked (and paid) without an error: every later run would only find the same, so it passes the member by.
    await deps.members.markWelcomeSettled(memberId, now.toJSDate());
  }
  return { bonuses, referrals };
}

async function isBonusMissing(deps: WelcomeDeps, { memberId, amounts }: WelcomeRequest): Promise<boolean> {
  return amounts.signupBonus > 0 && (await deps.ledger.find(signupBonusKeyOf(memberId))) === null;
}

/**
 * A referral counts as credited once its record and (with a bonus) the referrer's ledger entry exist. An invite that
 * does not count (the referrer's own second membership) pays nothing, and the member is settled like any other.
 */
async function isReferralCreditMissing(deps: WelcomeDeps, { memberId, identityKey, amounts }: WelcomeRequest): Promise<boolean> {
  if ((await deps.referrals.invitationOf(identityKey)) === null) return false;
  if ((await deps.referrals.referrerOf(memberId)) === null) return true;
  return amounts.referralBonus > 0 && (await deps.ledger.find(referralKeyOf(memberId))) === null;
}
