import type { DateTime } from 'luxon';
import type { EventSource, InboundEvent } from '../channel';

// `standby`: a module channel holds the chat and we must stay silent (LINE ref #common-properties).
export type LineEventMode = 'active' | 'standby';

/** A normalised event plus what LINE delivery needs to answer it. */
export interface LineInbound {
  event: InboundEvent;
  replyToken?: string;
  mode: LineEventMode;
  /** When the event happened on LINE (ms since epoch); kept on redelivery. */
  timestamp: number;
}

export interface LineWebhookBody {
  destination?: unknown;
  events: unknown[];
}

// LINE ref #request-body: user ids are "U" + 32 hex digits. Nothing else may reach an SDK path parameter
// (10.8.0 splices ids into paths unencoded, PLATFORMS.md 1.1).
const lineUserIdPattern = /^U[0-9a-f]{32}$/;

export function isLineUserId(value: unknown): value is string {
  return typeof value === 'string' && lineUserIdPattern.test(value);
}

export function isLineWebhookBody(body: unknown): body is LineWebhookBody {
  return isRecord(body) && Array.isArray(body.events);
}

export function toInboundEvents(body: unknown, receivedAt: DateTime): LineInbound[] {
  if (!isLineWebhookBody(body)) return [];
  return body.events
    .map((entry, index) => toLineInbound(entry, index, receivedAt))
    .sort((earlier, later) => earlier.timestamp - later.timestamp);
}

function toLineInbound(entry: unknown, index: number, receivedAt: DateTime): LineInbound {
  const fields = isRecord(entry) ? entry : {};
  const timestamp = typeof fields.timestamp === 'number' && Number.isFinite(fields.timestamp) ? fields.timestamp : receivedAt.toMillis();
  const mode = toMode(fields.mode);
  const replyToken = typeof fields.replyToken === 'string' && fields.replyToken !== '' ? fields.replyToken : undefined;
  const userId = userIdOf(fields.source);
  const webhookEventId = typeof fields.webhookEventId === 'string' && fields.webhookEventId !== '' ? fields.webhookEventId : undefined;
  const source: EventSource = {
    channel: 'line',
    channelUserId: userId ?? '',
    eventId: webhookEventId ?? `line-unidentified-${receivedAt.toMillis()}-${index}`,
    receivedAt,
  };
  const event: InboundEvent =
    userId === undefined || webhookEventId === undefined || mode !== 'active'
      ? { kind: 'unsupported', ...source }
      : toSupportedEvent(fields, source);
  return { event, mode, timestamp, ...(replyToken === undefined ? {} : { replyToken }) };
}

function toSupportedEvent(fields: Record<string, unknown>, source: EventSource): InboundEvent {
  switch (fields.type) {
    case 'follow':
      return { kind: 'followed', ...source };
    case 'unfollow':
      return { kind: 'unfollowed', ...source };
    case 'message': {
      const message = isRecord(fields.message) ? fields.message : {};
      return message.type === 'text' && typeof message.text === 'string'
        ? { kind: 'text', text: message.text, ...source }
        : { kind: 'unsupported', ...source };
    }
    case 'postback': {
      const postback = isRecord(fields.postback) ? fields.postback : {};
      if (typeof postback.data !== 'string') return { kind: 'unsupported', ...source };
      const params = flattenParams(postback.params);
      return { kind: 'choice', payload: postback.data, ...(params === undefined ? {} : { params }), ...source };
    }
    default:
      return { kind: 'unsupported', ...source };
  }
}

// A missing mode predates module channels (always active); any other unknown mode is treated like standby,
// since staying silent is the safe side when another channel may hold the chat.
function toMode(mode: unknown): LineEventMode {
  return mode === undefined || mode === 'active' ? 'active' : 'standby';
}

// Only one-to-one chats: in a group or room a reply token answers the whole group, which would show a
// member's points to everyone in it.
function userIdOf(source: unknown): string | undefined {
  if (!isRecord(source) || source.type !== 'user') return undefined;
  return isLineUserId(source.userId) ? source.userId : undefined;
}

// Datetime pickers send {date} / {time} / {datetime}; rich-menu switches {newRichMenuAliasId, status}
// (LINE ref #postback-event).
function flattenParams(params: unknown): Record<string, string> | undefined {
  if (!isRecord(params)) return undefined;
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string') flat[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') flat[key] = String(value);
  }
  return Object.keys(flat).length === 0 ? undefined : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
