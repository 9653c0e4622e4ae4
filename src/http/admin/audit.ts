import type { Response } from 'express';
import type { AdminPrincipal } from './admin-auth';
import type { AuditRepository } from './audit-repository';

export interface AuditedChange {
  action: string;
  resource: string;
  before?: unknown;
  after?: unknown;
  at: Date;
}

/**
 * Records an admin write in the audit log, as the authenticated principal. Route handlers call it
 * after the change succeeded and before answering, so a 2xx always has its audit entry.
 */
export async function recordAudit(audit: AuditRepository, res: Response, change: AuditedChange): Promise<void> {
  await auditLater(audit, res)(change);
}

/**
 * For a change that finishes after the answer went out (a background job run): records it, when it
 * comes, as the principal of the request that started it.
 */
export function auditLater(audit: AuditRepository, res: Response): (change: AuditedChange) => Promise<void> {
  const admin = res.locals.admin as AdminPrincipal | undefined;
  const actor = { actor: admin?.name ?? 'system', role: admin?.role ?? 'system' };
  return async (change) => {
    await audit.record({ ...actor, ...change });
  };
}
