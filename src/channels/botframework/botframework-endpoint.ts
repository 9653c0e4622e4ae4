import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import express, { type ErrorRequestHandler, type RequestHandler, type Response, type Router } from 'express';
import type { Config } from '../../config';
import type { Inbox } from '../../conversation/inbox';
import { systemClock, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { toInboundEvents } from './botframework-events';
import { toBotFrameworkActivities } from './botframework-messages';

export interface BotFrameworkEndpointDeps {
  config: Pick<Config, 'MICROSOFT_APP_ID' | 'MICROSOFT_APP_PASSWORD' | 'MICROSOFT_APP_TENANT_ID' | 'BOTFRAMEWORK_ALLOW_UNAUTHENTICATED'>;
  inbox: Inbox;
  logger: Logger;
  clock?: Clock;
}

const bodyLimit = '256kb';

/** Mount at `/api/messages`. Parses its own JSON: botbuilder's `process()` needs a parsed body (PLATFORMS.md 3.3). */
export function createBotFrameworkRouter({ config, inbox, logger, clock = systemClock }: BotFrameworkEndpointDeps): Router {
  const adapter = createAdapter(config);
  // Our turn catches its own failures; this is the last line before botbuilder's 500-with-message (PLATFORMS.md 3.3).
  adapter.onTurnError = async (_context, error) => {
    logger.error({ err: error }, 'Bot Framework turn failed outside the turn handler');
  };

  async function turn(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const channelId = typeof activity.channelId === 'string' ? activity.channelId : '';
    for (const event of toInboundEvents(activity, clock.now())) {
      try {
        const messages = await inbox.handleNow(event);
        const replies = toBotFrameworkActivities(messages, channelId);
        if (replies.length > 0) await context.sendActivities(replies);
      } catch (error) {
        logger.error({ err: error, channel: 'botframework', eventId: event.eventId }, 'Bot Framework event failed; answering 200 anyway');
      }
    }
  }

  const router = express.Router();
  router.post('/', express.json({ limit: bodyLimit }), requireActivity, (req, res) => adapter.process(req, res, turn));
  router.all('/', (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'method_not_allowed', 'The Bot Framework endpoint accepts only POST /api/messages with an Activity.');
  });
  router.use(answerEndpointError(logger));
  return router;
}

/** The warning main.ts logs at startup when the endpoint runs without authentication (PLATFORMS.md 3.4). */
export function unauthenticatedWarning(config: Pick<Config, 'MICROSOFT_APP_ID' | 'BOTFRAMEWORK_ALLOW_UNAUTHENTICATED'>): string | undefined {
  if (!config.BOTFRAMEWORK_ALLOW_UNAUTHENTICATED || config.MICROSOFT_APP_ID !== undefined) return undefined;
  return (
    'BOTFRAMEWORK_ALLOW_UNAUTHENTICATED=true: /api/messages accepts activities without authentication, and anyone can make ' +
    'the bot POST to any serviceUrl. Use it only locally or in tests; set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD in production.'
  );
}

// SingleTenant needs the tenant id; MultiTenant (the default) ignores it (PLATFORMS.md 3.3). An empty app id
// disables authentication both ways (PLATFORMS.md 3.4), which CONTRACT.md allows only with the explicit flag.
function createAdapter(config: BotFrameworkEndpointDeps['config']): CloudAdapter {
  const appId = config.MICROSOFT_APP_ID;
  if (appId === undefined && !config.BOTFRAMEWORK_ALLOW_UNAUTHENTICATED) {
    throw new Error(
      'The Bot Framework endpoint needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or BOTFRAMEWORK_ALLOW_UNAUTHENTICATED=true for local use; otherwise do not mount it',
    );
  }
  const tenantId = config.MICROSOFT_APP_TENANT_ID;
  return new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: appId ?? '',
      MicrosoftAppPassword: config.MICROSOFT_APP_PASSWORD ?? '',
      ...(tenantId === undefined ? {} : { MicrosoftAppTenantId: tenantId }),
      MicrosoftAppType: appId !== undefined && tenantId !== undefined ? 'SingleTenant' : 'MultiTenant',
    }),
  );
}

// botbuilder throws outside its own error handling for a body without `type` and only fails later on a bad
// serviceUrl, where the replies go (PLATFORMS.md 3.4); both are the caller's mistake, so answer 400 here.
const requireActivity: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    sendError(res, 400, 'invalid_activity', 'Send a Bot Framework Activity as a JSON object with Content-Type: application/json.');
    return;
  }
  const { type, serviceUrl } = body as { type?: unknown; serviceUrl?: unknown };
  if (typeof type !== 'string' || type === '') {
    sendError(res, 400, 'invalid_activity', 'The Activity has no `type` (e.g. "message" or "conversationUpdate").');
    return;
  }
  if (!isHttpUrl(serviceUrl)) {
    sendError(res, 400, 'invalid_activity', 'The Activity needs a `serviceUrl` (http or https): replies are sent there.');
    return;
  }
  next();
};

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const protocol = new URL(value).protocol;
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

// body-parser marks its own errors with `type` (express.json docs, "Errors").
function answerEndpointError(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
    if (type === 'entity.parse.failed') {
      sendError(res, 400, 'invalid_json', 'The request body is not valid JSON.');
      return;
    }
    if (type === 'entity.too.large') {
      sendError(res, 413, 'body_too_large', `The request body is larger than ${bodyLimit}.`);
      return;
    }
    const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendError(res, status, 'invalid_body', 'The request body could not be read; send UTF-8 JSON, uncompressed or as its Content-Encoding says.');
      return;
    }
    logger.error({ err: error }, 'Bot Framework request failed');
    sendError(res, 500, 'internal', 'Something went wrong on our side.');
  };
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}
