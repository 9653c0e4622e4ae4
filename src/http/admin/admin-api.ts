import express, { Router } from 'express';
import { authenticateAdmin, requireAccess, type AdminArea, type AdminToken } from './admin-auth';

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
  api.use(authenticateAdmin(tokens));
  for (const route of routes) api.use(route.path, requireAccess(route.area), route.router);
  return api;
}
