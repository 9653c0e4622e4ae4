import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { waitForRequest } from './wait-for-request';

export interface RecordedLineRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  /** When the request reached the fake, in ms on the machine's clock (performance.timeOrigin + performance.now()). */
  receivedAt: number;
  /** A route the fake does not serve: the code under test called something it should not have. */
  unexpected: boolean;
}

export interface FakeLineApi {
  baseUrl: string;
  requests: RecordedLineRequest[];
  replies(): RecordedLineRequest[];
  pushes(): RecordedLineRequest[];
  unexpected(): RecordedLineRequest[];
  loadingAnimations(): RecordedLineRequest[];
  /** Rich menus created through the fake, by id, with the image uploaded to each (if any). */
  richMenus: Map<string, FakeRichMenu>;
  /** The id set with POST /v2/bot/user/all/richmenu/{richMenuId}, if any. */
  defaultRichMenuId(): string | undefined;
  waitFor(predicate: (request: RecordedLineRequest) => boolean, timeoutMs?: number): Promise<RecordedLineRequest>;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeRichMenu {
  menu: Record<string, unknown>;
  image?: { contentType: string; bytes: Buffer };
}

export const replyPath = '/v2/bot/message/reply';
export const pushPath = '/v2/bot/message/push';
export const loadingPath = '/v2/bot/chat/loading/start';
const maxRichMenuImageBytes = 1024 * 1024;

/**
 * Serves LINE's reply and push endpoints with their documented failure modes (LINE ref
 * #send-reply-message, #send-push-message, #retry-api-request):
 * - a reply token starting with `expired`, or one used before → 400 `Invalid reply token`;
 * - a reply token starting with `server-error` → 500;
 * - a push with an `X-Line-Retry-Key` seen before → 409 with `x-line-accepted-request-id`;
 * - the loading animation (#display-a-loading-indicator): 202, or 400 unless `loadingSeconds` is 5–60 in steps of 5;
 * - rich menus (#create-rich-menu, #upload-rich-menu-image, #set-default-rich-menu): an unknown id → 404,
 *   an image that is not PNG/JPEG, over 1 MB or uploaded twice → 400, a default without an image → 400;
 * - any other route → 404, recorded as unexpected.
 */
export async function startFakeLineApi(): Promise<FakeLineApi> {
  const requests: RecordedLineRequest[] = [];
  const usedReplyTokens = new Set<string>();
  const acceptedRetryKeys = new Map<string, string>();
  const listeners = new Set<(request: RecordedLineRequest) => void>();
  const richMenus = new Map<string, FakeRichMenu>();
  let defaultRichMenuId: string | undefined;

  const app = express();
  // Rich-menu images arrive as raw bytes (the SDK's blob client posts the Blob with its own content type).
  app.use(express.raw({ type: 'image/*', limit: '3mb' }));
  app.use(express.json({ type: (req) => !String(req.headers['content-type'] ?? '').startsWith('image/'), limit: '3mb' }));
  app.use((req, res, next) => {
    const receivedAt = performance.timeOrigin + performance.now();
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
        receivedAt,
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

  app.post(loadingPath, (req, res) => {
    const { chatId, loadingSeconds } = (req.body ?? {}) as { chatId?: unknown; loadingSeconds?: unknown };
    const validSeconds = loadingSeconds === undefined || (typeof loadingSeconds === 'number' && loadingSeconds >= 5 && loadingSeconds <= 60 && loadingSeconds % 5 === 0);
    if (typeof chatId !== 'string' || !validSeconds) {
      res.status(400).json({ message: 'The request body has 1 error(s)' });
      return;
    }
    res.status(202).json({});
  });

  app.post('/v2/bot/richmenu', (req, res) => {
    const menu = (req.body ?? {}) as Record<string, unknown>;
    const areas = menu.areas;
    if (typeof menu.size !== 'object' || typeof menu.chatBarText !== 'string' || typeof menu.name !== 'string' || !Array.isArray(areas) || areas.length < 1 || areas.length > 20) {
      res.status(400).json({ message: 'The request body has 1 error(s)' });
      return;
    }
    const richMenuId = `richmenu-${randomUUID().replaceAll('-', '')}`;
    richMenus.set(richMenuId, { menu });
    res.status(200).json({ richMenuId });
  });

  app.post('/v2/bot/richmenu/:richMenuId/content', (req, res) => {
    const richMenu = richMenus.get(req.params.richMenuId);
    const contentType = req.get('content-type') ?? '';
    if (richMenu === undefined) {
      res.status(404).json({ message: 'Not found' });
      return;
    }
    if (!['image/png', 'image/jpeg'].includes(contentType) || !Buffer.isBuffer(req.body) || req.body.length === 0) {
      res.status(400).json({ message: 'The image must be a non-empty image/png or image/jpeg body' });
      return;
    }
    if (req.body.length > maxRichMenuImageBytes) {
      res.status(400).json({ message: 'The image is larger than 1 MB' });
      return;
    }
    if (richMenu.image !== undefined) {
      res.status(400).json({ message: 'An image has already been uploaded to the richmenu' });
      return;
    }
    richMenu.image = { contentType, bytes: req.body };
    res.status(200).json({});
  });

  app.post('/v2/bot/user/all/richmenu/:richMenuId', (req, res) => {
    const richMenu = richMenus.get(req.params.richMenuId);
    if (richMenu === undefined) {
      res.status(404).json({ message: 'Not found' });
      return;
    }
    if (richMenu.image === undefined) {
      res.status(400).json({ message: 'must upload richmenu image before applying it to user' });
      return;
    }
    defaultRichMenuId = req.params.richMenuId;
    res.status(200).json({});
  });

  app.use((_req, res) => {
    res.locals.unexpected = true;
    res.status(404).json({ message: 'Not found: the fake LINE API serves reply, push, the loading animation and rich-menu create/upload/default' });
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
    loadingAnimations: () => requests.filter((request) => request.path === loadingPath),
    richMenus,
    defaultRichMenuId: () => defaultRichMenuId,
    waitFor: (predicate, timeoutMs = 2000) =>
      waitForRequest({ fakeName: 'LINE API', requests, listeners, predicate, timeoutMs }),
    reset: () => {
      requests.length = 0;
      usedReplyTokens.clear();
      acceptedRetryKeys.clear();
      richMenus.clear();
      defaultRichMenuId = undefined;
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
