import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../shared/clock';
import type { MemberId } from '../../shared/ids';
import { awardPoints } from '../../loyalty/points/award-points';
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

export function createMembersRouter(deps: { repositories: Repositories; rules: ProgrammeRules; clock: Clock }): Router {
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
    await memberOr404(id);
    const now = deps.clock.now();
    const key = `adjustment:${body.idempotencyKey}`;
    const request = { key, memberId: id as MemberId, reason: 'adjustment' as const, note: body.reason, now };
    const result =
      body.points > 0
        ? await awardPoints({ ledger, rules: deps.rules.earning }, { ...request, points: body.points })
        : await ledger.spend({ ...request, points: -body.points });
    if (result.kind === 'notEnoughPoints') {
      throw new HttpError(409, 'not_enough_points', `The member has ${result.balance} points; ${result.shortBy} short`);
    }
    if (result.kind === 'noMember') throw new HttpError(404, 'member_not_found', `No member ${id}`);
    const entry = await ledger.find(key);
    if (entry?.status === 'rejected') throw new HttpError(409, 'not_enough_points', 'This adjustment was refused: not enough points');
    if (result.kind === 'duplicate' && (entry?.memberId !== id || entry.points !== body.points)) {
      throw new HttpError(409, 'idempotency_key_reused', 'This idempotencyKey was used for a different adjustment');
    }
    const balance = (await members.balanceState(id))?.points ?? 0;
    res.status(result.kind === 'duplicate' ? 200 : 201).json({ entry, balance, replayed: result.kind === 'duplicate' });
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
