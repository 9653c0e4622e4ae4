import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../shared/logger';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}

/** An expected failure a route reports: its status, a stable code and a message that says how to fix it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}`));
};

/** Client mistakes (bad JSON, bodies too large) answer 4xx; anything else is ours: 500, logged. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (
    error: { status?: number; statusCode?: number; type?: string; message?: string; code?: unknown; details?: unknown },
    req,
    res,
    _next,
  ) => {
    const status = error.status ?? error.statusCode ?? 500;
    if (res.headersSent) return;
    if (status >= 400 && status < 500) {
      const code =
        typeof error.code === 'string'
          ? error.code
          : error.type === 'entity.too.large'
            ? 'body_too_large'
            : error.type === 'entity.parse.failed'
              ? 'invalid_json'
              : 'bad_request';
      res.status(status).json(errorBody(code, error.message ?? 'Bad request', error.details));
      return;
    }
    // The route's pattern, not the path: a path can carry a secret (a data export link is one).
    logger.error({ err: error, method: req.method, path: `${req.baseUrl}${(req.route as { path?: string } | undefined)?.path ?? ''}` }, 'request failed');
    res.status(500).json(errorBody('internal', 'Something went wrong on our side; it has been logged.'));
  };
}
