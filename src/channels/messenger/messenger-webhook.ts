import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../../config';
import type { Deliver, Inbox } from '../../conversation/inbox';
import { systemClock, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { MessengerClient } from './messenger-client';
import { isMessengerWebhookBody, toInboundEvents } from './messenger-events';
import { answerWebhookError, parseVerifiedBody, sendWebhookError } from '../webhook-support';

export interface MessengerWebhookDeps {
  config: Pick<Config, 'MESSENGER_APP_SECRET' | 'MESSENGER_VERIFY_TOKEN'>;
  inbox: Inbox;
  logger: Logger;
  messengerClient: MessengerClient;
  clock?: Clock;
}

export interface MessengerChannel {
  router: Router;
  messengerClient: MessengerClient;
}

const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

/** Mount at `/webhooks/messenger` before any JSON body parser: the signature covers the raw bytes. */
export function createMessengerWebhookRouter({ config, inbox, logger, messengerClient, clock = systemClock }: MessengerWebhookDeps): Router {
  const { MESSENGER_APP_SECRET: appSecret, MESSENGER_VERIFY_TOKEN: verifyToken } = config;
  if (appSecret === undefined || verifyToken === undefined) {
    throw new Error(
      'The Messenger webhook needs MESSENGER_APP_SECRET and MESSENGER_VERIFY_TOKEN: set them (with MESSENGER_PAGE_ACCESS_TOKEN), or leave Messenger off and do not mount the Messenger webhook',
    );
  }
  const deliver: Deliver = async (event, messages) => {
    await messengerClient.deliver(event, messages, 'RESPONSE');
  };
  const router = express.Router();
  router.get('/', answerVerification(verifyToken, logger));
  router.post(
    '/',
    express.raw({ type: '*/*', limit: '1mb' }),
    verifySignature(appSecret, logger),
    parseVerifiedBody({ isValid: isMessengerWebhookBody, logger, code: 'invalid_body', message: 'The body must be a JSON object with "object": "page" and an "entry" array (Messenger webhook format)' }),
    async (req, res) => {
      await inbox.accept(toInboundEvents(req.body, clock.now()), deliver);
      res.status(200).json({});
    },
  );
  router.use(answerWebhookError({ logger, platform: 'Messenger', retryNote: 'Meta retries them' }));
  return router;
}

export function createMessengerChannel(deps: {
  config: Pick<
    Config,
    'MESSENGER_APP_SECRET' | 'MESSENGER_VERIFY_TOKEN' | 'MESSENGER_PAGE_ACCESS_TOKEN' | 'MESSENGER_API_BASE_URL' | 'MESSENGER_API_VERSION'
  >;
  inbox: Inbox;
  logger: Logger;
  clock?: Clock;
}): MessengerChannel {
  const messengerClient = new MessengerClient({ config: deps.config, logger: deps.logger });
  return { messengerClient, router: createMessengerWebhookRouter({ ...deps, messengerClient }) };
}

// PLATFORMS.md 2.1: Meta saves the callback URL only if we echo hub.challenge for our verify token.
function answerVerification(verifyToken: string, logger: Logger): RequestHandler {
  return (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || !isSameSecret(token, verifyToken)) {
      logger.warn({ mode: typeof mode === 'string' ? mode : undefined }, 'Messenger verification refused: check MESSENGER_VERIFY_TOKEN against the App Dashboard');
      sendWebhookError(res, 403, 'verification_failed', 'hub.mode must be "subscribe" and hub.verify_token must equal MESSENGER_VERIFY_TOKEN');
      return;
    }
    res.status(200).type('text/plain').send(typeof challenge === 'string' ? challenge : '');
  };
}

// Hashing both sides first gives equal lengths, so timingSafeEqual never leaks the token's length.
function isSameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

// PLATFORMS.md 2.2: HMAC-SHA256 with the App Secret over the exact bytes Meta sent (it escapes non-ASCII).
function verifySignature(appSecret: string, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const header = req.get('x-hub-signature-256');
    const rawBody: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (header === undefined || header === '') {
      sendWebhookError(res, 401, 'invalid_signature', 'Missing X-Hub-Signature-256 header; Meta signs every webhook request');
      return;
    }
    const given = Buffer.from(signaturePattern.exec(header)?.[1]?.toLowerCase() ?? '', 'hex');
    const expected = createHmac('sha256', appSecret).update(rawBody).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      logger.warn('Messenger webhook signature mismatch: check MESSENGER_APP_SECRET against the App Dashboard (App settings › Basic)');
      sendWebhookError(res, 401, 'invalid_signature', 'X-Hub-Signature-256 does not match the request body and MESSENGER_APP_SECRET');
      return;
    }
    req.body = rawBody;
    next();
  };
}
