import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface RecordedLineRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  /** A route the fake does not serve: the code under test called something it should not have. */
  unexpected: boolean;
}

export interface FakeLineApi {
  baseUrl: string;
  requests: RecordedLineRequest[];
  replies(): RecordedLineRequest[];
  pushes(): RecordedLineRequest[];
  unexpected(): RecordedLineRequest[];
  waitFor(predicate: (request: RecordedLineRequest) => boolean, timeoutMs?: number): Promise<RecordedLineRequest>;
  reset(): void;
  close(): Promise<void>;
}

const replyPath = '/v2/bot/message/reply';
const pushPath = '/v2/bot/message/push';

/**
 * Serves LINE's reply and push endpoints with their documented failure modes (LINE ref
 * #send-reply-message, #send-push-message, #retry-api-request):
 * - a reply token starting with `expired`, or one used before → 400 `Invalid reply token`;
 * - a reply token starting with `server-error` → 500;
 * - a push with an `X-Line-Retry-Key` seen before → 409 with `x-line-accepted-request-id`;
 * - any other route → 404, recorded as unexpected.
 */
export async function startFakeLineApi(): Promise<FakeLineApi> {
  const requests: RecordedLineRequest[] = [];
  const usedReplyTokens = new Set<string>();
  const acceptedRetryKeys = new Map<string, string>();
  const listeners = new Set<(request: RecordedLineRequest) => void>();

  const app = express();
  app.use(express.json({ type: '*/*', limit: '3mb' }));
  app.use((req, res, next) => {
    const requestId = randomUUID();
    res.setHeader('x-line-request-id', requestId);
    res.locals.requestId = requestId;
    res.on('finish', () => {
      const recorded: RecordedLineRequest = {
        method: req.method,
        path: req.path,
        headers: req.headers,
        body: req.body,
        status: res.statusCode,
        unexpected: res.locals.unexpected === true,
      };
      requests.push(recorded);
      for (const listener of listeners) listener(recorded);
    });
    if (req.get('authorization')?.startsWith('Bearer ') !== true) {
      res.status(401).json({ message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
      return;
    }
    next();
  });

  app.post(replyPath, (req, res) => {
    const { replyToken, messages } = (req.body ?? {}) as { replyToken?: unknown; messages?: unknown };
    if (req.get('x-line-retry-key') !== undefined) {
      res.status(400).json({ message: 'X-Line-Retry-Key is not supported for this endpoint' });
      return;
    }
    if (typeof replyToken !== 'string' || !hasOneToFiveMessages(messages)) {
      res.status(400).json({ message: 'The request body has 1 error(s)' });
      return;
    }
    if (replyToken.startsWith('server-error')) {
      res.status(500).json({ message: 'Internal server error' });
      return;
    }
    if (replyToken.startsWith('expired') || usedReplyTokens.has(replyToken)) {
      res.status(400).json({ message: 'Invalid reply token' });
      return;
    }
    usedReplyTokens.add(replyToken);
    res.status(200).json({ sentMessages: messages.map(() => ({ id: randomUUID(), quoteToken: randomUUID() })) });
  });

  app.post(pushPath, (req, res) => {
    const { to, messages } = (req.body ?? {}) as { to?: unknown; messages?: unknown };
    if (typeof to !== 'string' || !hasOneToFiveMessages(messages)) {
      res.status(400).json({ message: 'The request body has 1 error(s)' });
      return;
    }
    const retryKey = req.get('x-line-retry-key');
    const acceptedRequestId = retryKey === undefined ? undefined : acceptedRetryKeys.get(retryKey);
    if (acceptedRequestId !== undefined) {
      res.setHeader('x-line-accepted-request-id', acceptedRequestId);
      res.status(409).json({ message: 'The retry key is already accepted' });
      return;
    }
    if (retryKey !== undefined) acceptedRetryKeys.set(retryKey, String(res.locals.requestId));
    res.status(200).json({ sentMessages: messages.map(() => ({ id: randomUUID(), quoteToken: randomUUID() })) });
  });

  app.use((_req, res) => {
    res.locals.unexpected = true;
    res.status(404).json({ message: 'Not found: the fake LINE API serves only POST /v2/bot/message/reply and /push' });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    replies: () => requests.filter((request) => request.path === replyPath),
    pushes: () => requests.filter((request) => request.path === pushPath),
    unexpected: () => requests.filter((request) => request.unexpected),
    waitFor: (predicate, timeoutMs = 2000) =>
      new Promise((resolve, reject) => {
        const already = requests.find(predicate);
        if (already !== undefined) {
          resolve(already);
          return;
        }
        const timer = setTimeout(() => {
          listeners.delete(listener);
          const seen = requests.map((request) => `${request.method} ${request.path} → ${request.status}`).join(', ');
          reject(new Error(`The fake LINE API saw no matching request within ${timeoutMs} ms; it saw: ${seen || 'nothing'}`));
        }, timeoutMs);
        const listener = (request: RecordedLineRequest) => {
          if (!predicate(request)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(request);
        };
        listeners.add(listener);
      }),
    reset: () => {
      requests.length = 0;
      usedReplyTokens.clear();
      acceptedRetryKeys.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function hasOneToFiveMessages(messages: unknown): messages is unknown[] {
  return Array.isArray(messages) && messages.length >= 1 && messages.length <= 5;
}
