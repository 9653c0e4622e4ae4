import type { MemberId } from '../../shared/ids';

export type LedgerReason = 'checkin' | 'signupBonus' | 'adjustment';

/**
 * One change of points. Its key is the idempotency key (a platform event, a check-in day, an
 * admin-supplied key): a second entry with the same key is never written. An earn entry is a lot
 * whose `remaining` spending draws down.
 */
export interface LedgerEntry {
  key: string;
  memberId: MemberId;
  kind: 'earn';
  points: number;
  reason: LedgerReason;
  /** Words for the member's history, e.g. "7-day streak". */
  note: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  remaining: number;
  /** Written before the member's balance changes; true once it has. */
  applied: boolean;
  /** State that changes together with the balance, in the same atomic update. */
  effects: { checkIn?: { lastDay: string; streak: number } } | null;
}

export type RecordResult =
  | { kind: 'recorded'; entry: LedgerEntry; balance: number }
  | { kind: 'duplicate'; entry: LedgerEntry };
