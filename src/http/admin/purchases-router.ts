import { Router } from 'express';
import { z } from 'zod';
import type { MemberRepository } from '../../loyalty/members/member-repository';
import type { PurchaseRepository } from '../../segments/purchase-repository';
import { recordPurchase } from '../../segments/record-purchase';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AuditRepository } from './audit-repository';
import { recordAudit } from './audit';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';

/** `POST /admin/api/purchases`: a purchase for RFM segments; it awards no points. */
export const newPurchaseSchema = z.strictObject({
  memberId: z.string().min(1).max(100),
  /** In the programme's currency; 0 for a free order still counts toward frequency. */
  amount: z.number().min(0).max(100_000_000),
  occurredAt: z.iso.datetime({ offset: true, error: 'an ISO date-time with an offset, e.g. 2026-11-20T14:05:00+08:00' }),
  /** Reporting the same purchase again with the same key records it once. */
  idempotencyKey: z.string().trim().min(8).max(200),
});

export const purchaseSchema = z.object({ key: z.string(), memberId: z.string(), amount: z.number(), occurredAt: z.iso.datetime(), recordedAt: z.iso.datetime() });

export const purchaseOperations: AdminOperation[] = [
  {
    method: 'post',
    path: '/',
    summary: 'Records a purchase for RFM segments (idempotent by key; awards no points)',
    body: newPurchaseSchema,
    response: ok('The purchase (200 when the key was recorded before)', purchaseSchema, 201),
  },
];

export function createPurchasesRouter(deps: { members: MemberRepository; purchases: PurchaseRepository; audit: AuditRepository; clock: Clock }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const body = parseInput(newPurchaseSchema, req.body);
    const now = deps.clock.now().toJSDate();
    const occurredAt = new Date(body.occurredAt);
    if (occurredAt.getTime() > now.getTime() + 5 * 60_000) {
      throw new HttpError(400, 'purchase_in_future', `occurredAt ${body.occurredAt} is in the future; send when the purchase happened`);
    }
    const outcome = await recordPurchase(deps, { key: body.idempotencyKey, memberId: body.memberId, amount: body.amount, occurredAt, recordedAt: now });
    switch (outcome.kind) {
      case 'noMember':
        throw new HttpError(404, 'member_not_found', `No member ${body.memberId}`);
      case 'keyReused':
        throw new HttpError(409, 'idempotency_key_reused', `idempotencyKey ${body.idempotencyKey} was used for a different purchase; use a new key`, outcome.purchase);
      case 'duplicate':
        res.status(200).json(outcome.purchase);
        return;
      case 'recorded':
        await recordAudit(deps.audit, res, { action: 'purchases.record', resource: `member:${body.memberId}`, after: outcome.purchase, at: now });
        res.status(201).json(outcome.purchase);
    }
  });

  return router;
}
