import { validateSignature } from '@line/bot-sdk';
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../../config';
import type { Deliver, Inbox } from '../../conversation/inbox';
import { systemClock, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { InboundEvent } from '../channel';
import { LineClient } from './line-client';
import { isLineUserId, isLineWebhookBody, toInboundEvents, type LineInbound } from './line-events';
import { answerWebhookError, parseVerifiedBody, sendWebhookError } from '../webhook-support';

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
    parseVerifiedBody({ isValid: isLineWebhookBody, logger, code: 'invalid_json', message: 'The body must be a JSON object with an "events" array (LINE webhook format)' }),
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
  router.use(answerWebhookError({ logger, platform: 'LINE', retryNote: 'LINE may redeliver them later' }));
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
      sendWebhookError(res, 401, 'invalid_signature', 'Missing X-Line-Signature header; LINE signs every webhook request');
      return;
    }
    if (!validateSignature(rawBody, channelSecret, signature)) {
      logger.warn('LINE webhook signature mismatch: check LINE_CHANNEL_SECRET against the LINE Developers Console');
      sendWebhookError(res, 401, 'invalid_signature', 'X-Line-Signature does not match the request body and LINE_CHANNEL_SECRET');
      return;
    }
    req.body = rawBody;
    next();
  };
}
