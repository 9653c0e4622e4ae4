import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ProgrammeRules } from '../../loyalty/programme';
import { eraseMember } from '../../privacy/erase-member';
import { exportMemberData } from '../../privacy/export-member-data';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import type { MemberId } from '../../shared/ids';
import { errorBody, HttpError } from '../error-handler';
import type { AdminPrincipal } from './admin-auth';
import { recordAudit } from './audit';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';

const memberIdParam = z.object({ id: z.string().regex(/^m_[A-Za-z0-9_-]{16}$/, 'a member id such as m_Ab12…') });

/** Whole-member data is for the admin role only, reads included: a marketer sees balances, not a person's file. */
export const privacyOperations: AdminOperation[] = [
  { method: 'get', path: '/:id/export', summary: 'Everything held about a member, as JSON (admin only)', params: memberIdParam, response: ok('The export'), roles: ['admin'] },
  { method: 'delete', path: '/:id', summary: 'Erases a member: personal data removed, vouchers cancelled, points forfeited (admin only)', params: memberIdParam, response: ok('The erasure'), roles: ['admin'] },
];

const adminOnly: RequestHandler = (_req, res, next) => {
  const admin = res.locals.admin as AdminPrincipal | undefined;
  if (admin?.role === 'admin') {
    next();
    return;
  }
  res.status(403).json(errorBody('forbidden', `Only the admin role may export or erase a member's data, not ${admin?.role ?? 'anonymous'}`));
};

/**
 * Data requests answered by staff (docs/privacy.md), mounted at /members next to the members
 * router. The audit entries name the action and the member id, never the personal data itself.
 */
export function createPrivacyAdminRouter(deps: { repositories: Repositories; rules: () => ProgrammeRules; clock: Clock }): Router {
  const { repositories, clock } = deps;
  const router = Router();

  router.get('/:id/export', adminOnly, async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const now = clock.now();
    const data = await exportMemberData(repositories, id as MemberId, now);
    if (data === null) throw new HttpError(404, 'member_not_found', `No member ${id} (or the member was erased)`);
    await recordAudit(repositories.audit, res, {
      action: 'members.export',
      resource: `member:${id}`,
      after: { exportedAt: data.exportedAt },
      at: now.toJSDate(),
    });
    res.set('Cache-Control', 'no-store').attachment(`member-${id}.json`).json(data);
  });

  router.delete('/:id', adminOnly, async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const now = clock.now();
    const outcome = await eraseMember({ ...repositories, rules: deps.rules() }, id as MemberId, now);
    if (outcome.kind === 'notFound') throw new HttpError(404, 'member_not_found', `No member ${id}`);
    if (outcome.kind === 'alreadyErased') {
      res.json({ id, deleted: true, deletedAt: outcome.deletedAt, replayed: true });
      return;
    }
    const { kind: _kind, ...settled } = outcome;
    await recordAudit(repositories.audit, res, {
      action: 'members.erase',
      resource: `member:${id}`,
      before: { deleted: false },
      after: { deleted: true, ...settled },
      at: now.toJSDate(),
    });
    res.json({ id, deleted: true, deletedAt: now.toJSDate(), replayed: false, ...settled });
  });

  return router;
}
