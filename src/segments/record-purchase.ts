import type { MemberRepository } from '../loyalty/members/member-repository';
import type { Purchase, PurchaseRepository } from './purchase-repository';

export type RecordPurchaseOutcome =
  | { kind: 'recorded'; purchase: Purchase }
  | { kind: 'duplicate'; purchase: Purchase }
  | { kind: 'noMember' }
  /** The key was used before for a different purchase: a caller bug, never silently merged. */
  | { kind: 'keyReused'; purchase: Purchase };

/**
 * Records a purchase for RFM segments. It awards no points: points for spending come from point
 * codes printed on receipts (or staff adjustments), so a purchase reported both ways never pays twice.
 */
export async function recordPurchase(
  deps: { members: MemberRepository; purchases: PurchaseRepository },
  purchase: Purchase,
): Promise<RecordPurchaseOutcome> {
  if ((await deps.members.findById(purchase.memberId)) === null) return { kind: 'noMember' };
  const result = await deps.purchases.record(purchase);
  if (result.kind === 'duplicate') {
    const same =
      result.purchase.memberId === purchase.memberId &&
      result.purchase.amount === purchase.amount &&
      result.purchase.occurredAt.getTime() === purchase.occurredAt.getTime();
    if (!same) return { kind: 'keyReused', purchase: result.purchase };
  }
  return result;
}
