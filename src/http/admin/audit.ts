import type { Response } from 'express';
import type { AdminPrincipal } from './admin-auth';
import type { AuditRepository } from './audit-repository';

/**
 * Records an admin write in the audit log, as the authenticated principal. Route handlers call it
 * after the change succeeded and before answering, so a 2xx always has its audit entry.
 */
export async function recordAudit(
  audit: AuditRepository,
  res: Response,
  change: { action: string; resource: string; before?: unknown; after?: unknown; at: Date },
): Promise<void> {
  const admin = res.locals.admin as AdminPrincipal | undefined;
  await audit.record({ actor: admin?.name ?? 'system', role: admin?.role ?? 'system', ...change });
}
