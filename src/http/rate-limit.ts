import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { errorBody } from './error-handler';

export interface PerIpLimit {
  /** Requests one client IP may make per window; 0 turns the limit off. */
  limit: number;
  windowSeconds: number;
  /** What the limit protects, for the message, e.g. "the admin API". */
  what: string;
}

/**
 * 429 with Retry-After once one IP makes more than `limit` requests in a window. The counts live in
 * this process: with several instances behind a load balancer each instance counts on its own.
 * Not for platform webhooks: every LINE and Messenger request comes from the platform's own servers.
 */
export function perIpRateLimit({ limit, windowSeconds, what }: PerIpLimit): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // IPv6 clients are counted by their /56 network, so one host cannot rotate addresses around the limit.
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown'),
    handler: (_req, res, _next, options) => {
      res
        .status(options.statusCode)
        .json(
          errorBody(
            'rate_limited',
            `Too many requests to ${what} from your address: at most ${limit} every ${windowSeconds} s. Try again after the Retry-After seconds.`,
          ),
        );
    },
  });
}
