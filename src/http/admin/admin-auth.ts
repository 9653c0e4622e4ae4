import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AdminRole } from '../../config';
import { errorBody } from '../error-handler';

export interface AdminToken {
  role: AdminRole;
  token: string;
}

export interface AdminPrincipal {
  role: AdminRole;
  /** A short, non-secret name for audit logs: the role and a hash prefix of the token. */
  name: string;
}

/** What each role may do: admin everything; marketer the programme; viewer only reads. */
const allowed: Record<AdminRole, (method: string, area: AdminArea) => boolean> = {
  admin: () => true,
  marketer: (method, area) => method === 'GET' || area !== 'staff',
  viewer: (method) => method === 'GET' || method === 'HEAD',
};

/** staff: member balances and redemptions; programme: rewards, codes, flows, templates. */
export type AdminArea = 'staff' | 'programme';

/** The roles that may call `method` in `area`: what the OpenAPI document and the role tests read. */
export function rolesAllowed(method: string, area: AdminArea): AdminRole[] {
  return (Object.keys(allowed) as AdminRole[]).filter((role) => allowed[role](method.toUpperCase(), area));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Bearer tokens compared in constant time (hashing first makes lengths equal). */
export function authenticateAdmin(tokens: AdminToken[]): RequestHandler {
  const known = tokens.map((token) => ({ ...token, digest: digest(token.token) }));
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match) {
      res.status(401).json(errorBody('unauthenticated', 'Send Authorization: Bearer <token> (see ADMIN_TOKENS)'));
      return;
    }
    const presented = digest(match[1]!);
    const found = known.find((token) => timingSafeEqual(token.digest, presented));
    if (!found) {
      res.status(401).json(errorBody('unauthenticated', 'Unknown admin token'));
      return;
    }
    res.locals.admin = { role: found.role, name: `${found.role}:${found.digest.toString('hex').slice(0, 8)}` } satisfies AdminPrincipal;
    next();
  };
}

/** Whether a role may send `method` to routes of `area`; the console asks through GET /admin/api/session. */
export function mayAccess(role: AdminRole, method: string, area: AdminArea): boolean {
  return allowed[role](method, area);
}

export function requireAccess(area: AdminArea): RequestHandler {
  return (req, res, next) => {
    const admin = res.locals.admin as AdminPrincipal | undefined;
    if (admin && allowed[admin.role](req.method, area)) {
      next();
      return;
    }
    res.status(403).json(errorBody('forbidden', `The ${admin?.role ?? 'anonymous'} role cannot ${req.method} here`));
  };
}
