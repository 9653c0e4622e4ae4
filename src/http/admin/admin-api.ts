import express, { Router } from 'express';
import { authenticateAdmin, mayAccess, requireAccess, type AdminArea, type AdminPrincipal, type AdminToken } from './admin-auth';

export interface AdminRoute {
  /** Mounted under /admin/api, e.g. `/point-codes`. */
  path: string;
  area: AdminArea;
  router: Router;
}

/** `/admin/api`: JSON in and out, bearer-token roles, every route in one list. */
export function createAdminApi(tokens: AdminToken[], routes: AdminRoute[]): Router {
  const api = Router();
  api.use(express.json({ limit: '256kb' }));
  api.use((_req, res, next) => {
    // Member data and tokens' answers must not linger in shared caches or the browser's back-forward cache.
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(authenticateAdmin(tokens));
  /** Who the token is and which route paths it may change: the console hides what the role cannot do. */
  api.get('/session', (_req, res) => {
    const admin = res.locals.admin as AdminPrincipal;
    res.json({
      role: admin.role,
      name: admin.name,
      writable: routes.filter((route) => mayAccess(admin.role, 'POST', route.area)).map((route) => route.path),
    });
  });
  for (const route of routes) api.use(route.path, requireAccess(route.area), route.router);
  return api;
}
