import { validateSignature } from '@line/bot-sdk';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { Config } from '../../config';
import type { Deliver, Inbox } from '../../conversation/inbox';
import { systemClock, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { InboundEvent } from '../channel';
import { LineClient } from './line-client';
import { isLineUserId, isLineWebhookBody, toInboundEvents, type LineInbound } from './line-events';

export interface LineWebhookDeps {
  config: Pick<Config, 'LINE_CHANNEL_SECRET'>;
  inbox: Inbox;
  logger: Logger;
  lineClient: LineClient;
  clock?: Clock;
  /** How long a text or postback turn may take before LINE shows the loading animation; 800 ms unless a test says otherwise. */
  loadingAnimationAfterMs?: number;
}

export interface LineChannel {
  router: Router;
  lineClient: LineClient;
}

/** Mount at `/webhooks/line` before any JSON body parser: the signature covers the raw bytes. */
export function createLineWebhookRouter({
  config,
  inbox,
  logger,
  lineClient,
  clock = systemClock,
  loadingAnimationAfterMs = 800,
}: LineWebhookDeps): Router {
  const channelSecret = config.LINE_CHANNEL_SECRET;
  if (channelSecret === undefined) {
    throw new Error(
      'The LINE webhook needs LINE_CHANNEL_SECRET: set it (with LINE_CHANNEL_ACCESS_TOKEN), or leave LINE off and do not mount the LINE webhook',
    );
  }
  const router = express.Router();
  router.post(
    '/',
    express.raw({ type: '*/*', limit: '1mb' }),
    verifySignature(channelSecret, logger),
    parseWebhookBody(logger),
    async (req, res) => {
      const items = toInboundEvents(req.body, clock.now());
      const turns = deliverThrough(lineClient, items, logger, loadingAnimationAfterMs);
      try {
        const { accepted } = await inbox.accept(
          items.map((item) => item.event),
          turns.deliver,
        );
        // All redelivered: no turn will run, so nothing is coming to wait for.
        if (accepted === 0) turns.cancelLoadingAnimations();
      } catch (error) {
        turns.cancelLoadingAnimations();
        throw error;
      }
      res.status(200).json({});
    },
  );
  router.use(answerWebhookError(logger));
  return router;
}

export function createLineChannel(deps: {
  config: Pick<Config, 'LINE_CHANNEL_SECRET' | 'LINE_CHANNEL_ACCESS_TOKEN' | 'LINE_API_BASE_URL'>;
  inbox: Inbox;
  logger: Logger;
  clock?: Clock;
  loadingAnimationAfterMs?: number;
}): LineChannel {
  const lineClient = new LineClient({ config: deps.config, logger: deps.logger });
  return { lineClient, router: createLineWebhookRouter({ ...deps, lineClient }) };
}

interface LineTurns {
  deliver: Deliver;
  cancelLoadingAnimations(): void;
}

/**
 * Delivers each turn's replies, and shows LINE's loading animation for a text or postback turn that has
 * not answered within `loadingAnimationAfterMs` (PLATFORMS.md 1.5), once per event.
 */
function deliverThrough(lineClient: LineClient, items: LineInbound[], logger: Logger, loadingAnimationAfterMs: number): LineTurns {
  const itemsByEventId = new Map(items.map((item) => [item.event.eventId, item]));
  const loadingTimers = new Map<string, NodeJS.Timeout>();
  const loadingRequests = new Map<string, Promise<void>>();

  for (const item of items) {
    const chatId = loadingAnimationChatOf(item);
    if (chatId === undefined) continue;
    const { eventId } = item.event;
    const timer = setTimeout(() => {
      loadingTimers.delete(eventId);
      loadingRequests.set(eventId, showLoadingAnimation(lineClient, chatId, eventId, logger));
    }, loadingAnimationAfterMs);
    // A turn that never delivers (its event was a duplicate, or it failed) must not hold the process open.
    timer.unref();
    loadingTimers.set(eventId, timer);
  }

  function stopLoadingTimer(eventId: string): void {
    clearTimeout(loadingTimers.get(eventId));
    loadingTimers.delete(eventId);
  }

  return {
    deliver: async (event: InboundEvent, messages) => {
      stopLoadingTimer(event.eventId);
      // The animation ends when our message arrives; a start request landing after the reply would leave it
      // spinning for its full duration, so the reply waits for a request already under way.
      await loadingRequests.get(event.eventId);
      loadingRequests.delete(event.eventId);
      // An event the inbox did not get from this request has no reply token: the client pushes instead.
      const item = itemsByEventId.get(event.eventId) ?? { event, mode: 'active', timestamp: event.receivedAt.toMillis() };
      await lineClient.deliver(item, messages);
    },
    cancelLoadingAnimations: () => {
      for (const eventId of [...loadingTimers.keys()]) stopLoadingTimer(eventId);
    },
  };
}

// LINE ref #display-a-loading-indicator: one-to-one chats only; in standby another channel holds the chat.
function loadingAnimationChatOf(item: LineInbound): string | undefined {
  const { event } = item;
  if (item.mode !== 'active' || (event.kind !== 'text' && event.kind !== 'choice')) return undefined;
  return isLineUserId(event.channelUserId) ? event.channelUserId : undefined;
}

async function showLoadingAnimation(lineClient: LineClient, chatId: string, eventId: string, logger: Logger): Promise<void> {
  const outcome = await lineClient.showLoadingAnimation(chatId, 5);
  if (outcome.kind === 'failed') {
    logger.warn(
      { eventId, status: outcome.status, lineRequestId: outcome.requestId, reason: outcome.reason },
      'LINE loading animation could not be shown',
    );
  }
}

function verifySignature(channelSecret: string, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const signature = req.get('x-line-signature');
    const rawBody: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (signature === undefined || signature === '') {
      sendError(res, 401, 'invalid_signature', 'Missing X-Line-Signature header; LINE signs every webhook request');
      return;
    }
    if (!validateSignature(rawBody, channelSecret, signature)) {
      logger.warn('LINE webhook signature mismatch: check LINE_CHANNEL_SECRET against the LINE Developers Console');
      sendError(res, 401, 'invalid_signature', 'X-Line-Signature does not match the request body and LINE_CHANNEL_SECRET');
      return;
    }
    req.body = rawBody;
    next();
  };
}

function parseWebhookBody(logger: Logger): RequestHandler {
  return (req, res, next) => {
    let body: unknown;
    try {
      body = JSON.parse((req.body as Buffer).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!isLineWebhookBody(body)) {
      logger.warn('LINE webhook body is not a JSON object with an events array');
      sendError(res, 400, 'invalid_json', 'The body must be a JSON object with an "events" array (LINE webhook format)');
      return;
    }
    req.body = body;
    next();
  };
}

// Any failure after the signature check (the inbox could not record the events) answers 503 so LINE
// redelivers, if redelivery is on (PLATFORMS.md 1.4).
function answerWebhookError(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = bodyParserStatusOf(error);
    if (status === 413) {
      sendError(res, 413, 'payload_too_large', 'The webhook body is over 1 MB');
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      sendError(res, 400, 'invalid_body', 'The webhook body could not be read');
      return;
    }
    logger.error({ err: error }, 'LINE webhook events could not be accepted');
    sendError(res, 503, 'inbox_unavailable', 'The events could not be recorded; LINE may redeliver them later');
  };
}

function bodyParserStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error) || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

function sendError(res: express.Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}
