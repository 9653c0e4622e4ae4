import type { MemberId } from '../../shared/ids';
import { generateReferralCode, type ReferralCode } from './referral';
import type { ReferralRepository } from './referral-repository';

/**
 * The member's referral code, made on first ask and the same ever after. A claim that loses to
 * a concurrent ask of the same member finds the winner's code; one that hits another member's
 * code draws again.
 */
export async function referralCodeFor(
  deps: { referrals: ReferralRepository; generate?: () => ReferralCode },
  memberId: MemberId,
  now: Date,
): Promise<ReferralCode> {
  const generate = deps.generate ?? (() => generateReferralCode());
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const existing = await deps.referrals.codeOf(memberId);
    if (existing !== null) return existing;
    const code = generate();
    if ((await deps.referrals.claimCode(memberId, code, now)).kind === 'claimed') return code;
  }
  throw new Error(`No free referral code for member ${memberId} after 10 draws: the code space is nearly full`);
}
