import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type CookieOptions, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { locales, type Locale } from '../../conversation/flow-schema';
import type { Inbox } from '../../conversation/inbox';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { InboundEvent } from '../channel';

export interface WebChatDeps {
  inbox: Inbox;
  logger: Logger;
  defaultLocale: Locale;
  clock: Clock;
  /** Sets `Secure` on the cookies; turn on whenever the page is served over https. */
  secureCookies?: boolean;
}

export const webIdentityCookie = 'loyalty_web_id';
export const webLocaleCookie = 'loyalty_web_locale';

// 16 random bytes are 22 base64url characters without padding.
const webIdentityPattern = /^[A-Za-z0-9_-]{22}$/;
// Browsers cap cookie lifetimes at 400 days (RFC 6265bis); a year keeps the member's web identity across visits.
const cookieMaxAgeMs = 365 * 24 * 60 * 60 * 1000;
const publicDir = path.join(__dirname, 'public');

const localeSchema = z.enum(locales);

const sessionBody = z.strictObject({ locale: localeSchema.optional() });

const localeBody = z.strictObject({ locale: localeSchema });

const messageBody = z
  .strictObject({
    id: z.uuid('must be a UUID the client generates for this message, e.g. crypto.randomUUID()'),
    text: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
    payload: z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters').optional(),
  })
  .transform((body, context): WebMessage => {
    if (body.text !== undefined && body.payload === undefined) return { kind: 'text', id: body.id, text: body.text };
    if (body.payload !== undefined && body.text === undefined) return { kind: 'choice', id: body.id, payload: body.payload };
    context.issues.push({ code: 'custom', input: body, message: 'send exactly one of text (typed) or payload (a tapped choice)' });
    return z.NEVER;
  });

type WebMessage = { kind: 'text'; id: string; text: string } | { kind: 'choice'; id: string; payload: string };

type WebIdentity = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'known'; id: string };

class WebChatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createWebChatRouter(deps: WebChatDeps): express.Router {
  const router = express.Router();
  const secure = deps.secureCookies ?? false;

  router.use(cookieParser());
  router.use(express.json({ limit: '16kb' }));

  router.get('/', (_request, response) => {
    response.set(pageHeaders);
    response.sendFile('chat.html', { root: publicDir });
  });

  // The file names carry no version, so browsers keep them but check the ETag before each use.
  router.use(
    '/assets',
    express.static(publicDir, {
      index: false,
      redirect: false,
      cacheControl: false,
      setHeaders: (response) => response.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }),
    }),
  );

  router.use('/api', (_request, response, next) => {
    response.set('Cache-Control', 'no-store');
    next();
  });

  router.post('/api/session', async (request, response) => {
    const body = parse(sessionBody, request.body ?? {});
    const identity = readIdentity(request);
    if (identity.kind === 'malformed') throw malformedIdentity(response, cookieOptions(request, secure));
    const locale = body.locale ?? readLocale(request) ?? deps.defaultLocale;
    response.cookie(webLocaleCookie, locale, cookieOptions(request, secure));
    if (identity.kind === 'known') {
      response.json({ identity: { isNew: false }, locale, messages: [] });
      return;
    }
    const id = newWebIdentity();
    const messages = await deps.inbox.handleNow(followedEvent(id, locale, deps.clock));
    response.cookie(webIdentityCookie, id, cookieOptions(request, secure));
    response.json({ identity: { isNew: true }, locale, messages });
  });

  router.post('/api/messages', async (request, response) => {
    const identity = readIdentity(request);
    if (identity.kind === 'missing') throw noSession();
    if (identity.kind === 'malformed') throw malformedIdentity(response, cookieOptions(request, secure));
    const message = parse(messageBody, request.body);
    const locale = readLocale(request) ?? deps.defaultLocale;
    const messages = await deps.inbox.handleNow(messageEvent(message, identity.id, locale, deps.clock));
    response.json({ messages });
  });

  router.post('/api/locale', (request, response) => {
    const { locale } = parse(localeBody, request.body);
    response.cookie(webLocaleCookie, locale, cookieOptions(request, secure));
    response.json({ locale });
  });

  router.use('/api', (_request, _response, next) => {
    next(new WebChatError(404, 'not_found', 'The web chat API has POST /chat/api/session, /chat/api/messages and /chat/api/locale.'));
  });

  router.use('/api', apiErrorHandler(deps.logger));
  return router;
}

export function followedEvent(id: string, locale: Locale, clock: Clock): InboundEvent {
  return { kind: 'followed', ...eventSource(id, `web-follow:${id}`, locale, clock) };
}

export function messageEvent(message: WebMessage, id: string, locale: Locale, clock: Clock): InboundEvent {
  const source = eventSource(id, `web:${message.id}`, locale, clock);
  return message.kind === 'text'
    ? { kind: 'text', text: message.text, ...source }
    : { kind: 'choice', payload: message.payload, ...source };
}

function eventSource(id: string, eventId: string, locale: Locale, clock: Clock) {
  return { channel: 'web', channelUserId: id, eventId, receivedAt: clock.now(), locale } as const;
}

function newWebIdentity(): string {
  return randomBytes(16).toString('base64url');
}

function readIdentity(request: Request): WebIdentity {
  const value: unknown = request.cookies?.[webIdentityCookie];
  if (value === undefined) return { kind: 'missing' };
  return typeof value === 'string' && webIdentityPattern.test(value) ? { kind: 'known', id: value } : { kind: 'malformed' };
}

function readLocale(request: Request): Locale | undefined {
  const parsed = localeSchema.safeParse(request.cookies?.[webLocaleCookie]);
  return parsed.success ? parsed.data : undefined;
}

// Scoped to where the router is mounted, so the rest of the app (the admin console) never receives them.
function cookieOptions(request: Request, secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: request.baseUrl === '' ? '/' : request.baseUrl, maxAge: cookieMaxAgeMs };
}

function parse<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  if (body === undefined) throw new WebChatError(400, 'invalid_body', 'Send a JSON object with Content-Type: application/json.');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`))
    .join('; ');
  throw new WebChatError(400, 'invalid_body', message);
}

function noSession(): WebChatError {
  return new WebChatError(401, 'no_session', `No ${webIdentityCookie} cookie: POST /chat/api/session first to start a chat.`);
}

// Clearing the bad cookie lets the next POST /chat/api/session start a fresh identity instead of failing forever.
function malformedIdentity(response: Response, cookies: CookieOptions): WebChatError {
  const { maxAge: _maxAge, ...clearOptions } = cookies;
  response.clearCookie(webIdentityCookie, clearOptions);
  return new WebChatError(
    400,
    'invalid_identity',
    `The ${webIdentityCookie} cookie is not one this server issued; it has been cleared, so POST /chat/api/session again.`,
  );
}

const pageHeaders = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  // Everything the page needs is on this origin; message text never becomes markup, and this is the backstop.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const known = toWebChatError(error);
    if (known.status >= 500) logger.error({ err: error, path: request.originalUrl }, 'web chat request failed');
    response.status(known.status).set('Cache-Control', 'no-store').json({ error: { code: known.code, message: known.message } });
  };
}

// body-parser marks its own errors with `type` and `status` (express.json docs, "Errors").
function toWebChatError(error: unknown): WebChatError {
  if (error instanceof WebChatError) return error;
  const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
  if (type === 'entity.parse.failed') return new WebChatError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new WebChatError(413, 'body_too_large', 'The request body is larger than 16 kB.');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new WebChatError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
  }
  // A body that does not decode as its Content-Encoding says: the stream error carries only its 4xx status.
  const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new WebChatError(status, 'invalid_body', 'The request body could not be read; send UTF-8 JSON, uncompressed or as its Content-Encoding says.');
  }
  return new WebChatError(500, 'internal', 'Something went wrong on our side. Please try again in a moment.');
}
