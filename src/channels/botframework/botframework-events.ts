import type { DateTime } from 'luxon';
import type { EventSource, InboundEvent } from '../channel';

/**
 * The parts of a Bot Framework Activity this module reads. Structural rather than botbuilder's
 * `Activity`, so the mapping survives a move to the Microsoft 365 Agents SDK (PLATFORMS.md 3.1)
 * and can be tested with plain objects.
 */
export interface ActivityLike {
  type?: unknown;
  id?: unknown;
  channelId?: unknown;
  from?: unknown;
  recipient?: unknown;
  text?: unknown;
  value?: unknown;
  locale?: unknown;
  membersAdded?: unknown;
  channelData?: unknown;
}

// Ids end up in the identity key and the ledger's idempotency key; nothing longer or empty gets that far.
const maxIdLength = 256;
// CONTRACT.md: postback data is at most 300 characters; anything longer is not one of our choices.
const maxPayloadLength = 300;

export function toInboundEvents(activity: ActivityLike, receivedAt: DateTime): InboundEvent[] {
  const channelId = idOf(activity.channelId);
  const activityId = idOf(activity.id);
  const fromId = idOf(recordOf(activity.from).id);
  const locale = localeOf(activity.locale);
  if (channelId === undefined || activityId === undefined) {
    return [{ kind: 'unsupported', ...sourceOf('unknown', fromId ?? 'unknown', `unidentified-${receivedAt.toMillis()}`, receivedAt, locale) }];
  }
  if (activity.type === 'conversationUpdate') return followedEvents(activity, channelId, activityId, receivedAt, locale);

  const source = sourceOf(channelId, fromId ?? 'unknown', eventIdOf(activity, channelId, activityId), receivedAt, locale);
  if (fromId === undefined || activity.type !== 'message' || isOwnActivity(activity, fromId, channelId)) {
    return [{ kind: 'unsupported', ...source }];
  }
  const payload = payloadOf(activity, channelId);
  if (payload !== undefined) return [{ kind: 'choice', payload, ...source }];
  const text = typeof activity.text === 'string' ? activity.text.trim() : '';
  return [text === '' ? { kind: 'unsupported', ...source } : { kind: 'text', text, ...source }];
}

// Web Chat and most channels announce the bot and the person in separate membersAdded entries; only the
// person is followed. Each gets its own event id, so a group join with two people is two follows.
function followedEvents(
  activity: ActivityLike,
  channelId: string,
  activityId: string,
  receivedAt: DateTime,
  locale: string | undefined,
): InboundEvent[] {
  const botId = idOf(recordOf(activity.recipient).id);
  const members = Array.isArray(activity.membersAdded) ? activity.membersAdded : [];
  const people = members.map((member) => idOf(recordOf(member).id)).filter((id): id is string => id !== undefined && id !== botId);
  if (people.length === 0) {
    return [{ kind: 'unsupported', ...sourceOf(channelId, botId ?? 'unknown', `${activityId}`, receivedAt, locale) }];
  }
  return people.map((memberId) => ({
    kind: 'followed',
    ...sourceOf(channelId, memberId, `${activityId}:${memberId}`, receivedAt, locale),
  }));
}

// "Channel IDs serve as namespaces for other IDs" (MS Learn bot-service-resources-identifiers-guide), and
// "Facebook alters user IDs so every bot has a different address" (PLATFORMS.md 3.5): both keys carry the channel.
function sourceOf(channelId: string, fromId: string, eventId: string, receivedAt: DateTime, locale: string | undefined): EventSource {
  return {
    channel: 'botframework',
    channelUserId: `${channelId}:${fromId}`,
    eventId: `${channelId}:${eventId}`,
    receivedAt,
    ...(locale === undefined ? {} : { locale }),
  };
}

// PLATFORMS.md 4.2: on Facebook the Messenger `mid` is the idempotency key; Azure may wrap one Messenger
// event in activities with different ids on redelivery.
function eventIdOf(activity: ActivityLike, channelId: string, activityId: string): string {
  if (channelId !== 'facebook') return activityId;
  const channelData = recordOf(activity.channelData);
  return idOf(recordOf(channelData.message).mid) ?? idOf(recordOf(channelData.postback).mid) ?? activityId;
}

// Messenger echoes the Page's own messages back (PLATFORMS.md 3.5, `message.is_echo`); answering them would loop.
function isOwnActivity(activity: ActivityLike, fromId: string, channelId: string): boolean {
  if (fromId === idOf(recordOf(activity.recipient).id)) return true;
  return channelId === 'facebook' && recordOf(recordOf(activity.channelData).message).is_echo === true;
}

// A tapped choice arrives as `value` (our messageBack/postBack buttons carry `{ payload }`), or on Facebook
// as the raw Messenger postback / quick reply inside channelData (PLATFORMS.md 3.5), where `text` is only the label.
function payloadOf(activity: ActivityLike, channelId: string): string | undefined {
  const value = activity.value;
  if (typeof value === 'string') return payloadText(value);
  const fromValue = payloadText(recordOf(value).payload);
  if (fromValue !== undefined) return fromValue;
  if (channelId !== 'facebook') return undefined;
  const channelData = recordOf(activity.channelData);
  return payloadText(recordOf(channelData.postback).payload) ?? payloadText(recordOf(recordOf(channelData.message).quick_reply).payload);
}

/** Activity locales are BCP 47 tags (`en-US`, `zh-Hant-TW`); the platform speaks `zh-TW` and `en`. */
export function localeOf(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return undefined;
  const lower = tag.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'zh-tw' || lower === 'zh-hant' || lower.startsWith('zh-hant-')) return 'zh-TW';
  return undefined;
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= maxIdLength ? value : undefined;
}

function payloadText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && value.length <= maxPayloadLength ? value : undefined;
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
