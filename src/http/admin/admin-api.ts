import express, { Router, type RequestHandler } from 'express';
import type { Logger } from '../../shared/logger';
import { notFound } from '../error-handler';
import { authenticateAdmin, mayAccess, requireAccess, type AdminArea, type AdminPrincipal, type AdminToken } from './admin-auth';
import { ok, type AdminOperation } from './admin-operations';
import { createOpenApiDocument } from './openapi';
import { ValidationError } from './validation';

export interface AdminRoute {
  /** Mounted under /admin/api, e.g. `/point-codes`. */
  path: string;
  area: AdminArea;
  router: Router;
  /** Every route of `router`, documented: see admin-operations.ts. */
  operations: AdminOperation[];
}

/** `/admin/api`: JSON in and out, bearer-token roles, every route in one list, described at /openapi.json. */
export function createAdminApi(tokens: AdminToken[], featureRoutes: AdminRoute[], options: { logger?: Logger } = {}): Router {
  const api = Router();
  const routes = [sessionRoute(featureRoutes), ...featureRoutes];
  const document = createOpenApiDocument(routes);
  api.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  api.use((_req, res, next) => {
    // Member data and tokens' answers must not linger in shared caches or the browser's back-forward cache.
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Authenticated first, so only a token holder gets a large body parsed (1,000 imported members, 10,000 coupon codes).
  api.use(authenticateAdmin(tokens));
  api.use(express.json({ limit: '2mb' }));
  if (options.logger) api.use(logAdminRequests(options.logger));
  api.use(rejectOperatorKeys);
  for (const route of routes) api.use(route.path, requireAccess(route.area), route.router);
  api.use(notFound);
  return api;
}

/** `GET /admin/api/session`: who the token is and which route paths it may change; the console hides what the role cannot do. */
function sessionRoute(routes: AdminRoute[]): AdminRoute {
  const router = Router();
  router.get('/', (_req, res) => {
    const admin = res.locals.admin as AdminPrincipal;
    res.json({
      role: admin.role,
      name: admin.name,
      writable: [...new Set(routes.filter((route) => mayAccess(admin.role, 'POST', route.area)).map((route) => route.path))],
    });
  });
  return {
    path: '/session',
    area: 'programme',
    router,
    operations: [{ method: 'get', path: '/', summary: 'Who this token is: role, name, and the paths it may change', response: ok('The session') }],
  };
}

/** One line per admin request, naming the principal (role and hash prefix), never the token. */
function logAdminRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      const admin = res.locals.admin as AdminPrincipal | undefined;
      logger.info({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, actor: admin?.name }, 'admin request');
    });
    next();
  };
}

/**
 * Keys MongoDB would read as operators (`$ne`, `$where`) never reach a query or an update: a body
 * or query key with a `$` is refused before any route runs. Dotted keys are legitimate data
 * (template ids such as `checkin.awarded`); the routes' strict schemas refuse unknown ones.
 * Query values are strings the routes type through zod, so `?channelUserId[$ne]=x` has no effect
 * beyond this 400.
 */
const rejectOperatorKeys: RequestHandler = (req, _res, next) => {
  const bad = [...operatorKeysIn(req.body, 'body'), ...operatorKeysIn(req.query, 'query')];
  if (bad.length > 0) {
    next(
      new ValidationError(
        `${bad.map((found) => found.path).join(', ')}: keys may not contain $ (they would be database operators)`,
        bad,
      ),
    );
    return;
  }
  next();
};

function operatorKeysIn(value: unknown, path: string): { path: string; message: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => operatorKeysIn(item, `${path}.${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${path}.${key}`;
    return [
      ...(key.includes('$') ? [{ path: here, message: 'not allowed: a key with $ would be a database operator' }] : []),
      ...operatorKeysIn(inner, here),
    ];
  });
}
