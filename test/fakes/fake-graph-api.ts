import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { waitForRequest } from './wait-for-request';

export interface RecordedGraphRequest {
  method: string;
  path: string;
  /** The query without access_token, so a recorded request can be printed safely. */
  query: Record<string, unknown>;
  hadAccessToken: boolean;
  body: Record<string, unknown>;
  status: number;
  /** A route the fake does not serve: the code under test called something it should not have. */
  unexpected: boolean;
}

export interface FakeGraphApi {
  baseUrl: string;
  requests: RecordedGraphRequest[];
  /** Send API requests that carry a message (not sender actions). */
  messages(): RecordedGraphRequest[];
  senderActions(): RecordedGraphRequest[];
  profiles(): RecordedGraphRequest[];
  unexpected(): RecordedGraphRequest[];
  /** Every send to this PSID fails with the given Graph error code (613 rate limit, 100 invalid parameter, …). */
  failSendsTo(psid: string, code?: number): void;
  /** Runs `hook` on each Send API message before answering it, so a test can act while the sender waits; null stops. */
  beforeAnsweringSends(hook: ((recipientId: string) => Promise<void>) | null): void;
  waitFor(predicate: (request: RecordedGraphRequest) => boolean, timeoutMs?: number): Promise<RecordedGraphRequest>;
  reset(): void;
  close(): Promise<void>;
}

const graphErrors: Record<number, { status: number; type: string; message: string }> = {
  100: { status: 400, type: 'OAuthException', message: '(#100) Invalid parameter' },
  190: { status: 400, type: 'OAuthException', message: 'Invalid OAuth access token.' },
  613: { status: 400, type: 'OAuthException', message: '(#613) Calls to this api have exceeded the rate limit.' },
};

/**
 * Serves the Send API (`/:version/me/messages`, `/:version/:pageId/messages`) and the Messenger
 * Profile API (`/:version/me/messenger_profile`) with Graph-shaped errors (PLATFORMS.md 2.5, 2.6):
 * - no `access_token` query parameter → code 190;
 * - a malformed body or a message over the documented limits → code 100;
 * - a recipient registered with `failSendsTo` → that code (613 by default);
 * - any other route → 404, recorded as unexpected.
 */
export async function startFakeGraphApi(): Promise<FakeGraphApi> {
  const requests: RecordedGraphRequest[] = [];
  const failingRecipients = new Map<string, number>();
  const listeners = new Set<(request: RecordedGraphRequest) => void>();
  let beforeAnswering: ((recipientId: string) => Promise<void>) | null = null;

  const app = express();
  app.use(express.json({ type: '*/*', limit: '3mb' }));
  app.use((req, res, next) => {
    const { access_token: accessToken, ...query } = req.query;
    res.on('finish', () => {
      const recorded: RecordedGraphRequest = {
        method: req.method,
        path: req.path,
        query,
        hadAccessToken: typeof accessToken === 'string' && accessToken !== '',
        body: (req.body ?? {}) as Record<string, unknown>,
        status: res.statusCode,
        unexpected: res.locals.unexpected === true,
      };
      requests.push(recorded);
      for (const listener of listeners) listener(recorded);
    });
    if (typeof accessToken !== 'string' || accessToken === '') {
      sendGraphError(res, 190);
      return;
    }
    next();
  });

  app.post(['/:version/me/messages', '/:version/:pageId/messages'], async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const recipientId = (body.recipient as { id?: unknown } | undefined)?.id;
    if (typeof recipientId !== 'string' || problemsOf(body).length > 0) {
      sendGraphError(res, 100, problemsOf(body).join('; '));
      return;
    }
    if (body.message !== undefined && beforeAnswering !== null) await beforeAnswering(recipientId);
    const failure = failingRecipients.get(recipientId);
    if (failure !== undefined) {
      sendGraphError(res, failure);
      return;
    }
    res.status(200).json(body.sender_action === undefined ? { recipient_id: recipientId, message_id: `m_${randomBytes(12).toString('hex')}` } : { recipient_id: recipientId });
  });

  app.post('/:version/me/messenger_profile', (req, res) => {
    const body = (req.body ?? {}) as { persistent_menu?: { locale?: string }[]; get_started?: unknown };
    if (body.persistent_menu !== undefined && !body.persistent_menu.some((menu) => menu.locale === 'default')) {
      sendGraphError(res, 100, 'persistent_menu needs a locale "default" entry');
      return;
    }
    res.status(200).json({ result: 'success' });
  });

  app.use((_req, res) => {
    res.locals.unexpected = true;
    res.status(404).json({ error: { message: 'Unknown path: the fake Graph API serves /:version/me/messages and /:version/me/messenger_profile', type: 'GraphMethodException', code: 100 } });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  const isSendApi = (request: RecordedGraphRequest) => /\/messages$/.test(request.path);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    messages: () => requests.filter((request) => isSendApi(request) && request.body.message !== undefined),
    senderActions: () => requests.filter((request) => isSendApi(request) && request.body.sender_action !== undefined),
    profiles: () => requests.filter((request) => request.path.endsWith('/me/messenger_profile')),
    unexpected: () => requests.filter((request) => request.unexpected),
    failSendsTo: (psid, code = 613) => failingRecipients.set(psid, code),
    beforeAnsweringSends: (hook) => {
      beforeAnswering = hook;
    },
    waitFor: (predicate, timeoutMs = 2000) =>
      waitForRequest({ fakeName: 'Graph API', requests, listeners, predicate, timeoutMs }),
    reset: () => {
      requests.length = 0;
      failingRecipients.clear();
      beforeAnswering = null;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

// The documented limits (PLATFORMS.md 2.5), so a rendering bug fails like the real API would.
function problemsOf(body: Record<string, unknown>): string[] {
  if (body.sender_action !== undefined) {
    return body.message === undefined ? [] : ['sender_action cannot be combined with message'];
  }
  const problems: string[] = [];
  if (!['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(String(body.messaging_type))) problems.push('messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG');
  const message = body.message as
    | { text?: string; attachment?: { payload?: { elements?: { title?: string; subtitle?: string; buttons?: { title?: string; payload?: string }[] }[] } }; quick_replies?: { title?: string; payload?: string }[] }
    | undefined;
  if (message === undefined || (message.text === undefined) === (message.attachment === undefined)) {
    problems.push('message needs exactly one of text or attachment');
    return problems;
  }
  if (message.text !== undefined && (message.text.length === 0 || message.text.length > 2000)) problems.push('text must be 1-2000 characters');
  const quickReplies = message.quick_replies ?? [];
  if (quickReplies.length > 13) problems.push('at most 13 quick replies');
  for (const reply of quickReplies) {
    if ((reply.title ?? '').length > 20 || (reply.payload ?? '').length > 1000) problems.push('quick reply title ≤ 20, payload ≤ 1000');
  }
  const elements = message.attachment?.payload?.elements ?? [];
  if (message.attachment !== undefined && (elements.length === 0 || elements.length > 10)) problems.push('generic template needs 1-10 elements');
  for (const element of elements) {
    if (!element.title || element.title.length > 80 || (element.subtitle ?? '').length > 80) problems.push('element title 1-80, subtitle ≤ 80');
    const buttons = element.buttons ?? [];
    if (buttons.length > 3) problems.push('at most 3 buttons per element');
    for (const button of buttons) {
      if (!button.title || button.title.length > 20 || (button.payload ?? '').length > 1000) problems.push('button title 1-20, payload ≤ 1000');
    }
  }
  return problems;
}

function sendGraphError(res: express.Response, code: number, detail?: string): void {
  const known = graphErrors[code] ?? { status: 400, type: 'OAuthException', message: `(#${code}) Error` };
  res.status(known.status).json({
    error: {
      message: detail ? `${known.message}: ${detail}` : known.message,
      type: known.type,
      code,
      fbtrace_id: `A${randomBytes(10).toString('hex')}`,
    },
  });
}
