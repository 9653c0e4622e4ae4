import type { Config } from '../../config';
import type { Logger } from '../../shared/logger';
import type { InboundEvent, OutboundMessage } from '../channel';
import { isPsid } from './messenger-events';
import { toMessengerMessages, type MessengerMessage } from './messenger-messages';

/** RESPONSE answers the person; UPDATE is proactive; both only inside the 24-hour window (PLATFORMS.md 2.5, 2.7). */
export type MessagingType = 'RESPONSE' | 'UPDATE';
export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

/** Graph API error fields (https://developers.facebook.com/docs/graph-api/guides/error-handling). */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  errorSubcode?: number;
  fbtraceId?: string;
}

export type MessengerSendOutcome =
  | { kind: 'sent'; messageId?: string }
  | { kind: 'failed'; status?: number; error?: GraphError; reason: string };

export type MessengerDeliveryOutcome =
  | { kind: 'skipped'; reason: 'notAConversation' | 'nothingToSend' | 'noReachableUser' }
  | { kind: 'sent'; messages: number }
  | { kind: 'failed'; sent: number; outcome: Extract<MessengerSendOutcome, { kind: 'failed' }> };

export interface MessengerClientDeps {
  config: Pick<Config, 'MESSENGER_PAGE_ACCESS_TOKEN' | 'MESSENGER_API_BASE_URL' | 'MESSENGER_API_VERSION'>;
  logger: Logger;
  timeoutMs?: number;
}

export class MessengerClient {
  private readonly graphRoot: string;
  private readonly accessToken: string;
  private readonly logger: Logger;
  private readonly timeoutMs: number;

  constructor({ config, logger, timeoutMs = 10_000 }: MessengerClientDeps) {
    if (config.MESSENGER_PAGE_ACCESS_TOKEN === undefined) {
      throw new Error(
        'MessengerClient needs MESSENGER_PAGE_ACCESS_TOKEN: set it (with MESSENGER_APP_SECRET and MESSENGER_VERIFY_TOKEN), or leave Messenger off and do not create a MessengerClient',
      );
    }
    // Joined as strings, not new URL(path, base), so a base URL with a path keeps it (PLATFORMS.md 2.8).
    this.graphRoot = `${config.MESSENGER_API_BASE_URL.replace(/\/+$/, '')}/${config.MESSENGER_API_VERSION}`;
    this.accessToken = config.MESSENGER_PAGE_ACCESS_TOKEN;
    this.logger = logger;
    this.timeoutMs = timeoutMs;
  }

  send(psid: string, message: MessengerMessage, messagingType: MessagingType): Promise<MessengerSendOutcome> {
    return this.post('/me/messages', { recipient: { id: psid }, messaging_type: messagingType, message });
  }

  /** A sender action must travel alone in its own request (PLATFORMS.md 2.5). */
  senderAction(psid: string, action: SenderAction): Promise<MessengerSendOutcome> {
    return this.post('/me/messages', { recipient: { id: psid }, sender_action: action });
  }

  /** Messenger Profile API: Get Started button, persistent menu (PLATFORMS.md 2.6). */
  setMessengerProfile(profile: Record<string, unknown>): Promise<MessengerSendOutcome> {
    return this.post('/me/messenger_profile', profile);
  }

  /** Sends a turn's replies in order and stops at the first failure; logs failures and never throws. */
  async deliver(event: InboundEvent, messages: OutboundMessage[], messagingType: MessagingType = 'RESPONSE'): Promise<MessengerDeliveryOutcome> {
    try {
      return await this.deliverOrThrow(event, messages, messagingType);
    } catch (error) {
      this.logger.error({ err: error, eventId: event.eventId }, 'Messenger delivery failed unexpectedly');
      return { kind: 'failed', sent: 0, outcome: { kind: 'failed', reason: error instanceof Error ? error.message : String(error) } };
    }
  }

  /** Sends rendered messages to a person, stopping at the first failure; `context` goes into the logs. */
  async sendAll(
    psid: string,
    messages: MessengerMessage[],
    messagingType: MessagingType,
    context: Record<string, unknown>,
  ): Promise<MessengerDeliveryOutcome> {
    // Typing dots cover the gap between the requests of a multi-message reply.
    if (messages.length > 1) await this.senderAction(psid, 'typing_on');
    let sent = 0;
    for (const message of messages) {
      const outcome = await this.send(psid, message, messagingType);
      if (outcome.kind === 'failed') {
        this.logFailure(outcome, { ...context, messagingType, sent });
        return { kind: 'failed', sent, outcome };
      }
      sent += 1;
    }
    return { kind: 'sent', messages: sent };
  }

  private async deliverOrThrow(event: InboundEvent, messages: OutboundMessage[], messagingType: MessagingType): Promise<MessengerDeliveryOutcome> {
    if (event.kind === 'unfollowed' || event.kind === 'unsupported') return { kind: 'skipped', reason: 'notAConversation' };
    if (!isPsid(event.channelUserId)) {
      this.logger.warn({ eventId: event.eventId }, 'Messenger reply skipped: the event has no PSID to send to');
      return { kind: 'skipped', reason: 'noReachableUser' };
    }
    const rendered = toMessengerMessages(messages);
    if (rendered.length === 0) return { kind: 'skipped', reason: 'nothingToSend' };
    return this.sendAll(event.channelUserId, rendered, messagingType, { eventId: event.eventId });
  }

  private async post(path: string, body: Record<string, unknown>): Promise<MessengerSendOutcome> {
    // The token rides in the query string (Meta `reference/send-api`); only `path` is ever logged.
    const url = `${this.graphRoot}${path}?access_token=${encodeURIComponent(this.accessToken)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : errorText(error);
      return { kind: 'failed', reason: `POST ${path}: ${reason}` };
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      const messageId = isRecord(payload) && typeof payload.message_id === 'string' ? payload.message_id : undefined;
      return { kind: 'sent', ...(messageId === undefined ? {} : { messageId }) };
    }
    const error = graphErrorOf(payload);
    return {
      kind: 'failed',
      status: response.status,
      ...(error === undefined ? {} : { error }),
      reason: `POST ${path}: ${response.status}${error?.message === undefined ? '' : ` ${error.message}`}`,
    };
  }

  private logFailure(outcome: Extract<MessengerSendOutcome, { kind: 'failed' }>, context: Record<string, unknown>): void {
    // Code 613 is the rate limit, 100 an invalid parameter (PLATFORMS.md 2.5); fbtrace_id is what Meta support asks for.
    this.logger.error(
      {
        ...context,
        status: outcome.status,
        code: outcome.error?.code,
        errorSubcode: outcome.error?.errorSubcode,
        errorType: outcome.error?.type,
        fbtraceId: outcome.error?.fbtraceId,
        reason: outcome.reason,
      },
      'Messenger send failed',
    );
  }
}

function graphErrorOf(payload: unknown): GraphError | undefined {
  if (!isRecord(payload) || !isRecord(payload.error)) return undefined;
  const { message, type, code, error_subcode: errorSubcode, fbtrace_id: fbtraceId } = payload.error;
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof code === 'number' ? { code } : {}),
    ...(typeof errorSubcode === 'number' ? { errorSubcode } : {}),
    ...(typeof fbtraceId === 'string' ? { fbtraceId } : {}),
  };
}

function errorText(error: unknown): string {
  // undici hides the socket error under `cause`; its message names the refused host and port.
  if (error instanceof Error && error.cause instanceof Error) return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
