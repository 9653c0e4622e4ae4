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

export function createApp(routers: AppRouters, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(routers.health);
  for (const webhook of routers.webhooks) app.use(webhook.path, webhook.router);
  app.use(['/chat', '/admin'], pageSecurityHeaders());
  app.use('/chat', routers.webChat);
  app.get('/', (_req, res) => res.redirect('/chat'));
  app.use('/api/messages', routers.botFramework);
  app.use('/admin/api', routers.adminApi);
  app.use('/admin', createConsoleRouter());
  if (routers.privacy) app.use('/privacy', routers.privacy);
  app.use(notFound);
  app.use(createErrorHandler(logger));
  return app;
}
