import express, { Router, type RequestHandler } from 'express';
import type { Logger } from '../../shared/logger';
import { notFound } from '../error-handler';
import { authenticateAdmin, requireAccess, type AdminArea, type AdminPrincipal, type AdminToken } from './admin-auth';
import type { AdminOperation } from './admin-operations';
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
export function createAdminApi(tokens: AdminToken[], routes: AdminRoute[], options: { logger?: Logger } = {}): Router {
  const api = Router();
  const document = createOpenApiDocument(routes);
  api.get('/openapi.json', (_req, res) => {
    res.json(document);
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
 * Keys MongoDB would read as operators (`$ne`, `$where`) or paths (`a.b`) never reach a query or
 * an update: a body with them, or a query key with a `$`, is refused before any route runs.
 * Query values are strings the routes type through zod, so `?channelUserId[$ne]=x` has no effect
 * beyond this 400.
 */
const rejectOperatorKeys: RequestHandler = (req, _res, next) => {
  const bad = [...operatorKeysIn(req.body, 'body', true), ...operatorKeysIn(req.query, 'query', false)];
  if (bad.length > 0) {
    next(
      new ValidationError(
        `${bad.map((found) => found.path).join(', ')}: keys may not start with $ or contain a dot (they would be database operators)`,
        bad,
      ),
    );
    return;
  }
  next();
};

function operatorKeysIn(value: unknown, path: string, refuseDots: boolean): { path: string; message: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => operatorKeysIn(item, `${path}.${index}`, refuseDots));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const here = `${path}.${key}`;
    const isOperator = key.startsWith('$') || (refuseDots ? key.includes('.') : key.includes('$'));
    return [
      ...(isOperator ? [{ path: here, message: 'not allowed: an operator or dotted key' }] : []),
      ...operatorKeysIn(inner, here, refuseDots),
    ];
  });
}
