import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface RecordedConnectorRequest {
  method: string;
  path: string;
  conversationId: string | undefined;
  /** The activity being answered (`replyToActivity`); undefined for `sendToConversation`. */
  replyToActivityId: string | undefined;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  /** A route the fake does not serve: the code under test called something it should not have. */
  unexpected: boolean;
}

/** An activity as the bot sent it, with the fields the tests look at. */
export interface SentActivity {
  type?: string;
  text?: string;
  replyToId?: string;
  conversation?: { id?: string };
  suggestedActions?: { actions: { type: string; title: string; value?: unknown; displayText?: string }[] };
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  channelData?: Record<string, unknown>;
}

export interface FakeBotConnector {
  /** Put this in an activity's `serviceUrl`: botbuilder sends the replies there (PLATFORMS.md 3.4). */
  serviceUrl: string;
  requests: RecordedConnectorRequest[];
  activities(): SentActivity[];
  unexpected(): RecordedConnectorRequest[];
  reset(): void;
  close(): Promise<void>;
}

/**
 * Serves the two Bot Connector routes a turn uses (MS Learn rest-api/bot-framework-rest-connector-api-reference):
 * - POST /v3/conversations/:conversationId/activities/:activityId (Reply to Activity);
 * - POST /v3/conversations/:conversationId/activities (Send to Conversation);
 * each answering `{ id }`, or 400 `BadArgument` when the conversation id starts with `rejected-` (a reply
 * the Connector refuses). Any other route → 404, recorded as unexpected.
 */
export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const requests: RecordedConnectorRequest[] = [];

  const app = express();
  app.use(express.json({ type: '*/*', limit: '1mb' }));
  app.use((req, res, next) => {
    res.on('finish', () => {
      requests.push({
        method: req.method,
        path: req.path,
        conversationId: res.locals.conversationId as string | undefined,
        replyToActivityId: res.locals.replyToActivityId as string | undefined,
        headers: req.headers,
        body: req.body,
        status: res.statusCode,
        unexpected: res.locals.unexpected === true,
      });
    });
    next();
  });

  app.post('/v3/conversations/:conversationId/activities/:activityId', (req, res) => {
    res.locals.conversationId = req.params.conversationId;
    res.locals.replyToActivityId = req.params.activityId;
    answer(req.params.conversationId, res);
  });

  app.post('/v3/conversations/:conversationId/activities', (req, res) => {
    res.locals.conversationId = req.params.conversationId;
    answer(req.params.conversationId, res);
  });

  app.use((_req, res) => {
    res.locals.unexpected = true;
    res.status(404).json({ error: { code: 'NotFound', message: 'The fake Bot Connector serves only POST /v3/conversations/:id/activities[/:activityId]' } });
  });

  function answer(conversationId: string, res: express.Response) {
    if (conversationId.startsWith('rejected-')) {
      res.status(400).json({ error: { code: 'BadArgument', message: 'The fake Bot Connector rejects conversations named rejected-*' } });
      return;
    }
    res.status(200).json({ id: randomUUID() });
  }

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;

  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    requests,
    activities: () => requests.filter((request) => request.status === 200).map((request) => request.body as SentActivity),
    unexpected: () => requests.filter((request) => request.unexpected),
    reset: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
