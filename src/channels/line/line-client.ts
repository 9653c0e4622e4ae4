import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import type { Config } from '../../config';
import { stableUuid } from '../../shared/ids';
import type { Logger } from '../../shared/logger';
import type { OutboundMessage } from '../channel';
import { isLineUserId, type LineInbound } from './line-events';
import { LineHttp, statusText, type LineHttpResponse } from './line-http';
import { toLineMessages } from './line-messages';

export type LineSendOutcome =
  | { kind: 'sent'; requestId?: string }
  // LINE ref #retry-api-request: 409 means a request with this retry key was already accepted.
  | { kind: 'alreadyAccepted'; acceptedRequestId?: string }
  | { kind: 'failed'; status?: number; requestId?: string; reason: string };

export type LineDeliveryOutcome =
  | { kind: 'skipped'; reason: 'standby' | 'notAConversation' | 'nothingToSend' | 'noReachableUser' }
  | { kind: 'replied' }
  | { kind: 'pushed'; alreadyAccepted: boolean }
  | { kind: 'failed'; status?: number };

export type RichMenuPublishOutcome =
  | { kind: 'published'; richMenuId: string }
  | { kind: 'failed'; step: 'create' | 'uploadImage' | 'setDefault'; richMenuId?: string; status?: number; requestId?: string; reason: string };

export interface LineClientDeps {
  config: Pick<Config, 'LINE_CHANNEL_ACCESS_TOKEN' | 'LINE_API_BASE_URL'>;
  logger: Logger;
}

export class LineClient {
  private readonly api: messagingApi.MessagingApiClient;
  private readonly blobApi: messagingApi.MessagingApiBlobClient;
  private readonly http: LineHttp;
  private readonly logger: Logger;

  constructor({ config, logger }: LineClientDeps) {
    if (config.LINE_CHANNEL_ACCESS_TOKEN === undefined) {
      throw new Error(
        'LineClient needs LINE_CHANNEL_ACCESS_TOKEN: set it (with LINE_CHANNEL_SECRET), or leave LINE off and do not create a LineClient',
      );
    }
    // The SDK resolves absolute paths against baseURL, so only its origin counts (PLATFORMS.md 1.2).
    this.api = new messagingApi.MessagingApiClient({
      channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN,
      baseURL: config.LINE_API_BASE_URL,
    });
    // Rich-menu images go to api-data.line.me by default; CONTRACT has one LINE root, and the api-data
    // paths do not collide with the api ones, so both clients share it (PLATFORMS.md 1.2).
    this.blobApi = new messagingApi.MessagingApiBlobClient({
      channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN,
      baseURL: config.LINE_API_BASE_URL,
    });
    this.http = new LineHttp(config.LINE_API_BASE_URL, config.LINE_CHANNEL_ACCESS_TOKEN);
    this.logger = logger;
  }

  /** LINE ref #send-reply-message. */
  async reply(replyToken: string, messages: messagingApi.Message[]): Promise<LineSendOutcome> {
    return this.send('/v2/bot/message/reply', { replyToken, messages });
  }

  /** LINE ref #send-push-message: the retry key makes a repeated push one message (409 when already accepted). */
  async push(userId: string, messages: messagingApi.Message[], retryKey: string): Promise<LineSendOutcome> {
    return this.send('/v2/bot/message/push', { to: userId, messages }, { 'x-line-retry-key': retryKey });
  }

  /**
   * Shows the typing dots in a one-to-one chat until our next message or `loadingSeconds` pass
   * (LINE ref #display-a-loading-indicator: 5–60 s in steps of 5, 100 requests/s). Never throws.
   */
  async showLoadingAnimation(userId: string, loadingSeconds = 5): Promise<LineSendOutcome> {
    return this.send('/v2/bot/chat/loading/start', { chatId: userId, loadingSeconds });
  }

  private async send(path: string, body: object, headers?: Record<string, string>): Promise<LineSendOutcome> {
    let response: LineHttpResponse;
    try {
      response = await this.http.postJson(path, body, headers);
    } catch (error) {
      return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    const requestId = response.header('x-line-request-id');
    const withRequestId = requestId === undefined ? {} : { requestId };
    if (response.status >= 200 && response.status < 300) return { kind: 'sent', ...withRequestId };
    if (response.status === 409 && headers?.['x-line-retry-key'] !== undefined) {
      const acceptedRequestId = response.header('x-line-accepted-request-id');
      return { kind: 'alreadyAccepted', ...(acceptedRequestId === undefined ? {} : { acceptedRequestId }) };
    }
    return {
      kind: 'failed',
      status: response.status,
      ...withRequestId,
      reason: `${response.status} ${statusText(response.status)}: ${response.text.slice(0, 500)}`,
    };
  }

  /** Creates the rich menu, uploads its PNG and makes it every user's default (LINE ref #rich-menu). Never throws. */
  async publishDefaultRichMenu(menu: messagingApi.RichMenuRequest, png: Buffer): Promise<RichMenuPublishOutcome> {
    let richMenuId: string;
    try {
      richMenuId = (await this.api.createRichMenu(menu)).richMenuId;
    } catch (error) {
      return { kind: 'failed', step: 'create', ...failureDetails(error) };
    }
    try {
      await this.blobApi.setRichMenuImage(richMenuId, new Blob([new Uint8Array(png)], { type: 'image/png' }));
    } catch (error) {
      return { kind: 'failed', step: 'uploadImage', richMenuId, ...failureDetails(error) };
    }
    try {
      await this.api.setDefaultRichMenu(richMenuId);
    } catch (error) {
      return { kind: 'failed', step: 'setDefault', richMenuId, ...failureDetails(error) };
    }
    return { kind: 'published', richMenuId };
  }

  /** Replies with the event's reply token, or pushes when there is none or LINE rejects it; never throws. */
  async deliver(item: LineInbound, messages: OutboundMessage[]): Promise<LineDeliveryOutcome> {
    try {
      return await this.deliverOrThrow(item, messages);
    } catch (error) {
      this.logger.error({ err: error, eventId: item.event.eventId }, 'LINE delivery failed unexpectedly');
      return { kind: 'failed' };
    }
  }

  private async deliverOrThrow(item: LineInbound, messages: OutboundMessage[]): Promise<LineDeliveryOutcome> {
    const { event } = item;
    // PLATFORMS.md 4.5: nothing in standby mode (another channel holds the chat) or to someone who unfollowed.
    if (item.mode === 'standby') return { kind: 'skipped', reason: 'standby' };
    if (event.kind === 'unfollowed' || event.kind === 'unsupported') return { kind: 'skipped', reason: 'notAConversation' };
    const lineMessages = toLineMessages(messages);
    if (lineMessages.length === 0) return { kind: 'skipped', reason: 'nothingToSend' };

    if (item.replyToken !== undefined) {
      const replied = await this.reply(item.replyToken, lineMessages);
      if (replied.kind === 'sent') return { kind: 'replied' };
      // LINE ref #send-reply-message: 400 "Invalid reply token" when the token was used or is over a minute old.
      if (replied.kind !== 'failed' || replied.status !== 400) {
        this.logFailure('reply', event.eventId, replied);
        return { kind: 'failed', ...statusOf(replied) };
      }
      this.logger.info(
        { eventId: event.eventId, status: replied.status, lineRequestId: replied.requestId },
        'LINE reply token rejected; pushing instead',
      );
    }

    if (!isLineUserId(event.channelUserId)) {
      this.logger.warn({ eventId: event.eventId }, 'LINE push skipped: the event has no LINE user id to push to');
      return { kind: 'skipped', reason: 'noReachableUser' };
    }
    // The retry key is derived from the event, so a repeated delivery of the same turn is sent once (409).
    const pushed = await this.push(event.channelUserId, lineMessages, stableUuid(event.eventId));
    if (pushed.kind === 'sent') return { kind: 'pushed', alreadyAccepted: false };
    if (pushed.kind === 'alreadyAccepted') {
      this.logger.info(
        { eventId: event.eventId, lineAcceptedRequestId: pushed.acceptedRequestId },
        'LINE push already accepted under this retry key; counted as sent',
      );
      return { kind: 'pushed', alreadyAccepted: true };
    }
    this.logFailure('push', event.eventId, pushed);
    return { kind: 'failed', ...statusOf(pushed) };
  }

  private logFailure(operation: 'reply' | 'push', eventId: string, outcome: LineSendOutcome): void {
    if (outcome.kind !== 'failed') return;
    this.logger.error(
      { eventId, status: outcome.status, lineRequestId: outcome.requestId, reason: outcome.reason },
      `LINE ${operation} failed`,
    );
  }
}

type LineSendFailure = Extract<LineSendOutcome, { kind: 'failed' }>;

function toFailure(error: unknown): LineSendFailure {
  if (error instanceof HTTPFetchError) {
    return {
      kind: 'failed',
      status: error.status,
      ...requestIdOf(error.headers),
      reason: `${error.status} ${error.statusText}: ${error.body.slice(0, 500)}`,
    };
  }
  return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
}

function failureDetails(error: unknown): Omit<LineSendFailure, 'kind'> {
  const { kind: _failed, ...details } = toFailure(error);
  return details;
}

// LINE ref #response-headers: every response carries x-line-request-id; log it with errors.
function requestIdOf(headers: Headers): { requestId?: string } {
  const requestId = headers.get('x-line-request-id');
  return requestId === null ? {} : { requestId };
}

function statusOf(outcome: LineSendOutcome): { status?: number } {
  return outcome.kind === 'failed' && outcome.status !== undefined ? { status: outcome.status } : {};
}
