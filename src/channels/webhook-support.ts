import type express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../shared/logger';

/** The plumbing every signed webhook shares: JSON errors, body parsing after the signature check, 503 on outage. */
export function sendWebhookError(res: express.Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Parses the verified raw body; a body of the wrong shape answers 400 with what the platform format is. */
export function parseVerifiedBody(options: {
  isValid: (body: unknown) => boolean;
  logger: Logger;
  code: string;
  message: string;
}): RequestHandler {
  return (req, res, next) => {
    let body: unknown;
    try {
      body = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!options.isValid(body)) {
      options.logger.warn(options.message);
      sendWebhookError(res, 400, options.code, options.message);
      return;
    }
    req.body = body;
    next();
  };
}

/**
 * A failure after the signature check (the inbox could not record the events) answers 503 so the
 * platform retries; a body the parser refused answers 4xx.
 */
export function answerWebhookError(options: { logger: Logger; platform: string; retryNote: string }): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = bodyParserStatusOf(error);
    if (status === 413) {
      sendWebhookError(res, 413, 'payload_too_large', 'The webhook body is over 1 MB');
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      sendWebhookError(res, 400, 'invalid_body', 'The webhook body could not be read');
      return;
    }
    options.logger.error({ err: error }, `${options.platform} webhook events could not be accepted`);
    sendWebhookError(res, 503, 'inbox_unavailable', `The events could not be recorded; ${options.retryNote}`);
  };
}

// body-parser's own errors carry `type`, but one from the stream it reads (a body that is not the gzip its
// Content-Encoding says) carries only the 4xx status it was given: both are the sender's mistake.
function bodyParserStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}
