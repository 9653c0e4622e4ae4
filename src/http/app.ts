import express, { type Express, type Router } from 'express';
import type { Logger } from '../shared/logger';
import { createConsoleRouter } from './console/console-router';
import { createErrorHandler, notFound } from './error-handler';
import { pageSecurityHeaders } from './security-headers';

export interface AppRouters {
  health: Router;
  /** Mounted before any body parser: the webhooks verify signatures over the raw bytes. */
  webhooks: { path: string; router: Router | express.RequestHandler }[];
  webChat: Router;
  botFramework: Router | express.RequestHandler;
  adminApi: Router;
  /** The members' data downloads (signed links from the chat). */
  privacy?: Router;
}

/** Per-IP limits in front of the browser and admin routes (src/http/rate-limit.ts); none on webhooks. */
export interface AppLimits {
  webChat: express.RequestHandler;
  adminApi: express.RequestHandler;
  /** The members' data-export downloads: a link guessed or shared is tried at the web chat's pace at most. */
  privacyDownloads?: express.RequestHandler;
}

const noLimit: express.RequestHandler = (_req, _res, next) => next();

export function createApp(routers: AppRouters, logger: Logger, limits: AppLimits = { webChat: noLimit, adminApi: noLimit }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(routers.health);
  for (const webhook of routers.webhooks) app.use(webhook.path, webhook.router);
  app.use(['/chat', '/admin'], pageSecurityHeaders());
  app.use('/chat', limits.webChat, routers.webChat);
  app.get('/', (_req, res) => res.redirect('/chat'));
  app.use('/api/messages', routers.botFramework);
  app.use('/admin/api', limits.adminApi, routers.adminApi);
  app.use('/admin', createConsoleRouter());
  if (routers.privacy) app.use('/privacy', limits.privacyDownloads ?? noLimit, routers.privacy);
  app.use(notFound);
  app.use(createErrorHandler(logger));
  return app;
}
