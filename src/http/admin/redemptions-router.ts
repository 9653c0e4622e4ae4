import { Router } from 'express';
import { z } from 'zod';
import { cancelRedemption } from '../../loyalty/rewards/cancel-redemption';
import { fulfilRedemption } from '../../loyalty/rewards/fulfil-redemption';
import { normaliseVoucherCode } from '../../loyalty/rewards/redemption';
import type { ProgrammeRules } from '../../loyalty/programme';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AdminPrincipal } from './admin-auth';
import { ok, pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const statuses = ['pending', 'reversing', 'failed', 'redeemed', 'fulfilled', 'cancelling', 'cancelled', 'releasing', 'released'] as const;

const listQuery = pageQuery({ cursor: z.string().regex(/^\d{1,15}\.[A-Z0-9]{1,20}$/, 'the nextCursor of the previous page') }).extend({
  memberId: z.string().min(1).max(100).optional(),
  status: z.enum(statuses).optional(),
});
/** The voucher code the member shows; staff may type it in any case, with spaces or dashes. */
const idParam = z.object({
  id: z
    .string()
    .transform(normaliseVoucherCode)
    .pipe(z.string().regex(/^[A-Z0-9]{4,20}$/, 'a voucher code such as K7QM2XPR')),
});

export const redemptionOperations: AdminOperation[] = [
  {
    method: 'get',
    path: '/',
    summary: 'Redemptions, newest first, by member or status',
    query: listQuery,
    response: pageOf('redemptions', 'Redemptions'),
  },
  { method: 'get', path: '/:id', summary: 'One redemption by its voucher code', params: idParam, response: ok('The redemption') },
  {
    method: 'post',
    path: '/:id/fulfil',
    summary: 'Staff handed the reward over (again: replayed)',
    params: idParam,
    response: ok('The redemption, fulfilled'),
  },
  {
    method: 'post',
    path: '/:id/cancel',
    summary: 'Cancels an unused voucher: points refunded, stock back (again: replayed)',
    params: idParam,
    response: ok('The redemption, cancelled, and the points refunded'),
  },
];

export function createRedemptionsRouter(deps: { repositories: Repositories; rules: () => ProgrammeRules; clock: Clock }): Router {
  const redemptionDeps = () => ({ ...deps.repositories, rules: deps.rules() });
  const { redemptions, audit } = deps.repositories;
  const router = Router();
  const handledBy = (locals: Record<string, unknown>) => (locals.admin as AdminPrincipal).name;
  const notFound = (id: string) => new HttpError(404, 'redemption_not_found', `No redemption with voucher code ${id}`);

  router.get('/', async (req, res) => {
    const { memberId, status, limit, cursor } = parseInput(listQuery, req.query);
    res.json(
      await redemptions.list({
        limit,
        ...(memberId !== undefined ? { memberId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    );
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const redemption = await redemptions.findById(id);
    if (redemption === null) throw notFound(id);
    res.json(redemption);
  });

  /** Staff handed the reward over. Again: 200 with `replayed: true`. */
  router.post('/:id/fulfil', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const before = await redemptions.findById(id);
    const outcome = await fulfilRedemption(redemptionDeps(), { redemptionId: id, now: deps.clock.now(), handledBy: handledBy(res.locals) });
    switch (outcome.kind) {
      case 'notFound':
        throw notFound(id);
      case 'notFulfillable':
        throw new HttpError(409, 'not_fulfillable', `This voucher is ${outcome.status}; only a redeemed voucher can be fulfilled`, {
          status: outcome.status,
        });
      case 'fulfilled': {
        const answer = { redemption: outcome.redemption, replayed: outcome.replayed };
        await recordAudit(audit, res, { action: 'redemptions.fulfil', resource: `redemption:${id}`, before, after: answer, at: deps.clock.now().toJSDate() });
        res.json(answer);
      }
    }
  });

  /** Refunds the points as a new lot and returns the stock. Again: 200 with `replayed: true`, nothing refunded twice. */
  router.post('/:id/cancel', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const before = await redemptions.findById(id);
    const outcome = await cancelRedemption(redemptionDeps(), { redemptionId: id, now: deps.clock.now(), handledBy: handledBy(res.locals) });
    switch (outcome.kind) {
      case 'notFound':
        throw notFound(id);
      case 'notCancellable':
        throw new HttpError(409, 'not_cancellable', `This voucher is ${outcome.status}; only a redeemed, unused voucher can be cancelled`, {
          status: outcome.status,
        });
      case 'cancelled': {
        const answer = { redemption: outcome.redemption, refunded: outcome.refunded, replayed: outcome.replayed };
        await recordAudit(audit, res, { action: 'redemptions.cancel', resource: `redemption:${id}`, before, after: answer, at: deps.clock.now().toJSDate() });
        res.json(answer);
      }
    }
  });

  return router;
}
