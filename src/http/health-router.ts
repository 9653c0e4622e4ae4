import { Router } from 'express';
import { answeredWithin } from '../shared/answered-within';
import type { Metrics } from '../shared/metrics';
import { errorBody } from './error-handler';

const readyPingTimeoutMs = 2000;

export function createHealthRouter(deps: { ping: () => Promise<void>; metrics: Metrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      // Probes give up after a second or two: a database that hangs is as unready as one that refuses.
      await answeredWithin(readyPingTimeoutMs, deps.ping(), 'The ping');
      res.json({ status: 'ready' });
    } catch (error) {
      res.status(503).json(errorBody('database_unavailable', `The database does not answer: ${(error as Error).message}`));
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
