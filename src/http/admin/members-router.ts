import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../shared/clock';
import type { MemberId } from '../../shared/ids';
import { adjustPoints } from '../../loyalty/points/adjust-points';
import { verifyLedger } from '../../loyalty/points/verify-ledger';
import type { ProgrammeRules } from '../../loyalty/programme';
import type { Repositories } from '../../repositories';
import { HttpError } from '../error-handler';
import { parseInput } from './validation';

const lookup = z.object({
  channel: z.enum(['line', 'messenger', 'botframework', 'web']),
  channelUserId: z.string().min(1).max(200),
});
const memberIdParam = z.object({ id: z.string().regex(/^m_[A-Za-z0-9_-]{16}$/, 'a member id such as m_Ab12…') });
const ledgerQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const adjustment = z.strictObject({
  points: z
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((points) => points !== 0, 'must not be 0'),
  reason: z.string().trim().min(1).max(200),
  idempotencyKey: z.string().trim().min(8).max(100).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only'),
});

export function createMembersRouter(deps: { repositories: Repositories; rules: () => ProgrammeRules; clock: Clock }): Router {
  const { members, identities, ledger } = deps.repositories;
  const router = Router();

  const memberOr404 = async (id: string) => {
    const member = await members.findById(id);
    if (member === null) throw new HttpError(404, 'member_not_found', `No member ${id}`);
    const balance = await members.balanceState(id);
    return { ...member, lots: balance?.lots ?? [] };
  };

  router.get('/', async (req, res) => {
    const query = parseInput(lookup, req.query);
    const identity = await identities.find(`${query.channel}:${query.channelUserId}`);
    if (identity?.memberId == null) throw new HttpError(404, 'member_not_found', `No member has ${query.channel} id ${query.channelUserId}`);
    res.json(await memberOr404(identity.memberId));
  });

  router.get('/:id', async (req, res) => {
    res.json(await memberOr404(parseInput(memberIdParam, req.params).id));
  });

  router.get('/:id/ledger', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const { limit } = parseInput(ledgerQuery, req.query);
    await memberOr404(id);
    res.json({ entries: await ledger.recent(id as MemberId, limit) });
  });

  router.post('/:id/adjustments', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const body = parseInput(adjustment, req.body);
    const outcome = await adjustPoints(
      { members, ledger, earning: deps.rules().earning },
      { memberId: id as MemberId, ...body, now: deps.clock.now() },
    );
    switch (outcome.kind) {
      case 'noMember':
        throw new HttpError(404, 'member_not_found', `No member ${id}`);
      case 'notEnoughPoints':
        throw new HttpError(409, 'not_enough_points', `Not enough points: the member has ${outcome.balance}, ${outcome.shortBy} short`);
      case 'keyReused':
        throw new HttpError(409, 'idempotency_key_reused', 'This idempotencyKey was used for a different adjustment');
      default:
        res.status(outcome.kind === 'replayed' ? 200 : 201).json({ entry: outcome.entry, balance: outcome.balance, replayed: outcome.kind === 'replayed' });
    }
  });

  return router;
}

export function createLedgerRouter(deps: { repositories: Repositories }): Router {
  const router = Router();
  router.get('/verify', async (_req, res) => {
    res.json(await verifyLedger({ members: deps.repositories.members, ledger: deps.repositories.ledger }));
  });
  return router;
}
