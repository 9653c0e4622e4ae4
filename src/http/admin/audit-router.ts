import { Router } from 'express';
import { z } from 'zod';
import type { Repositories } from '../../repositories';
import { pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { parseInput } from './validation';

const auditId = z.string().regex(/^[\dT:.Z-]{20,30}-[0-9a-f]{24}$/, 'the nextCursor (an audit entry id) of the previous page');
const auditQuery = pageQuery({ cursor: auditId }).extend({
  /** The same as cursor: entries older than this entry id. */
  before: auditId.optional(),
  /** Only changes of this resource, e.g. `reward:coffee`. */
  resource: z.string().min(1).max(200).optional(),
  /** Only this action, e.g. `rewards.update`. */
  action: z.string().regex(/^[a-z][\w.-]{0,80}$/, 'a dotted action such as rewards.update').optional(),
});

export const auditOperations: AdminOperation[] = [
  {
    method: 'get',
    path: '/',
    summary: 'The audit log of admin writes, newest first',
    query: auditQuery,
    response: pageOf('entries', 'Audit entries: actor (role:hashprefix), action, resource, before, after, at'),
  },
];

/** `GET /admin/api/audit`: who changed what, with the resource before and after. */
export function createAuditRouter(deps: { repositories: Pick<Repositories, 'audit'> }): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const { limit, cursor, before, resource, action } = parseInput(auditQuery, req.query);
    const olderThan = cursor ?? before;
    const entries = await deps.repositories.audit.list({
      limit: limit + 1,
      ...(olderThan !== undefined ? { before: olderThan } : {}),
      ...(resource !== undefined ? { resource } : {}),
      ...(action !== undefined ? { action } : {}),
    });
    const page = entries.slice(0, limit);
    res.json({ entries: page, nextCursor: entries.length > limit ? (page.at(-1)?.id ?? null) : null });
  });
  return router;
}
