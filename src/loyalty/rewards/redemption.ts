import { randomInt } from 'node:crypto';
import type { Locale } from '../../conversation/flow-schema';
import type { Branded, MemberId } from '../../shared/ids';
import type { RewardId } from './reward';

/** The voucher code the member shows in the store; also the redemption's id in the admin API. */
export type RedemptionId = Branded<string, 'RedemptionId'>;

/**
 * pending: steps in progress. reversing → failed: a step failed (or a crash was found), resources
 * are being handed back. redeemed: the member holds a voucher. fulfilled: staff handed the reward
 * over. cancelling → cancelled: staff cancelled, refunding. releasing → released: nobody confirmed
 * it within the hold, refunding.
 */
export type RedemptionStatus =
  | 'pending'
  | 'reversing'
  | 'failed'
  | 'redeemed'
  | 'fulfilled'
  | 'cancelling'
  | 'cancelled'
  | 'releasing'
  | 'released';

/** Why a redemption failed after it was recorded: what its duplicates are told too. */
export type RedemptionFailure = 'notEnoughPoints' | 'overLimit' | 'outOfStock' | 'poolEmpty' | 'interrupted';

export interface Redemption {
  id: RedemptionId;
  /** `redeem:<memberId>:<flowRunId>`: however often the same confirmation arrives, one redemption. */
  key: string;
  memberId: MemberId;
  rewardId: RewardId;
  rewardName: Record<Locale, string>;
  /** The ledger note of the spend and the refund: the reward's name in the member's language. */
  note: string;
  cost: number;
  /** Snapshots of the reward when redeemed: which resources the steps take and compensation returns. */
  takesStock: boolean;
  perMemberLimit: number | null;
  usesCouponPool: boolean;
  couponCode: string | null;
  status: RedemptionStatus;
  failure: RedemptionFailure | null;
  /** For a notEnoughPoints failure: how many more points were needed. */
  shortBy: number | null;
  balanceAfter: number | null;
  createdAt: Date;
  updatedAt: Date;
  redeemedAt: Date | null;
  /** A reservation nobody fulfilled by then is released and refunded (REDEMPTION_HOLD_HOURS). */
  holdUntil: Date | null;
  fulfilledAt: Date | null;
  cancelledAt: Date | null;
  releasedAt: Date | null;
  /** The admin who fulfilled or cancelled it (role and token hash prefix). */
  handledBy: string | null;
}

/** No 0/O, 1/I/L: staff read these aloud and type them. */
const voucherAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const voucherLength = 8;

export function newRedemptionId(): RedemptionId {
  let code = '';
  for (let index = 0; index < voucherLength; index += 1) code += voucherAlphabet[randomInt(voucherAlphabet.length)];
  return code as RedemptionId;
}

/** What staff type: case and spaces or dashes do not matter. */
export function normaliseVoucherCode(typed: string): string {
  return typed.normalize('NFKC').toUpperCase().replace(/[\s-]/g, '');
}

export function redemptionKeyOf(memberId: MemberId, flowRunId: string): string {
  return `redeem:${memberId}:${flowRunId}`;
}

export const spendKeyOf = (id: RedemptionId) => `redemption:${id}`;
export const refundKeyOf = (id: RedemptionId) => `refund:${id}`;
