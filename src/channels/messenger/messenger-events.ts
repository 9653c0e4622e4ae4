import type { DateTime } from 'luxon';
import type { EventSource, InboundEvent } from '../channel';

export interface MessengerWebhookBody {
  object: 'page';
  entry: unknown[];
}

// Page-scoped ids are decimal digits (PLATFORMS.md 2.3); nothing else may reach a Send API recipient.
const psidPattern = /^\d{5,32}$/;

// An m.me link's ref opens the chat with a point code: m.me/<page>?ref=collect-K7QMX2P9R (Meta `webhooks/webhook-events/messaging_referrals`).
const collectRefPattern = /^collect-([A-Za-z0-9]{1,32})$/;
// …or with a friend's invite: m.me/<page>?ref=invite-K7QM2X.
const inviteRefPattern = /^invite-([A-Za-z0-9]{1,32})$/;
const intentRefPattern = /^intent=[^\s]+$/;

export function isPsid(value: unknown): value is string {
  return typeof value === 'string' && psidPattern.test(value);
}

export function isMessengerWebhookBody(body: unknown): body is MessengerWebhookBody {
  return isRecord(body) && body.object === 'page' && Array.isArray(body.entry);
}

/** The body's events in `timestamp` order: after an outage Meta may deliver them out of order (PLATFORMS.md 2.4). */
export function toInboundEvents(body: unknown, receivedAt: DateTime): InboundEvent[] {
  if (!isMessengerWebhookBody(body)) return [];
  const messaging = body.entry.flatMap((entry) => (isRecord(entry) && Array.isArray(entry.messaging) ? entry.messaging : []));
  return messaging
    .map((item, index) => toTimedEvent(item, index, receivedAt))
    .sort((earlier, later) => earlier.timestamp - later.timestamp)
    .map((timed) => timed.event);
}

function toTimedEvent(item: unknown, index: number, receivedAt: DateTime): { event: InboundEvent; timestamp: number } {
  const fields = isRecord(item) ? item : {};
  const timestamp = typeof fields.timestamp === 'number' && Number.isFinite(fields.timestamp) ? fields.timestamp : receivedAt.toMillis();
  const senderId = isRecord(fields.sender) ? fields.sender.id : undefined;
  const psid = isPsid(senderId) ? senderId : undefined;
  const source: EventSource = {
    channel: 'messenger',
    channelUserId: psid ?? '',
    eventId: midOf(fields) ?? (psid === undefined ? `messenger-unidentified-${receivedAt.toMillis()}-${index}` : `${psid}:${timestamp}`),
    receivedAt,
  };
  const event: InboundEvent = psid === undefined ? { kind: 'unsupported', ...source } : toSupportedEvent(fields, source);
  return { event, timestamp };
}

function toSupportedEvent(fields: Record<string, unknown>, source: EventSource): InboundEvent {
  if (isRecord(fields.message)) {
    const message = fields.message;
    // Our own sends come back as echoes when the Page subscribes to message_echoes: never answer them.
    if (message.is_echo === true) return { kind: 'unsupported', ...source };
    const quickReply = isRecord(message.quick_reply) ? message.quick_reply : undefined;
    if (quickReply !== undefined && isNonEmptyString(quickReply.payload)) {
      return { kind: 'choice', payload: quickReply.payload, ...source };
    }
    return isNonEmptyString(message.text) ? { kind: 'text', text: message.text, ...source } : { kind: 'unsupported', ...source };
  }
  if (isRecord(fields.postback)) {
    const postback = fields.postback;
    if (!isNonEmptyString(postback.payload)) return { kind: 'unsupported', ...source };
    // Get Started from an m.me link carries the link's ref next to the button's payload.
    const ref = isRecord(postback.referral) && isNonEmptyString(postback.referral.ref) ? postback.referral.ref : undefined;
    // A newcomer's first tap carries the invite only here: answer the invite (it offers signup) rather than lose it.
    const invite = ref === undefined ? null : inviteRefPattern.exec(ref);
    if (invite) return { kind: 'text', text: `INVITE ${invite[1]!.toUpperCase()}`, ...source };
    return { kind: 'choice', payload: postback.payload, ...(ref === undefined ? {} : { params: { ref } }), ...source };
  }
  if (isRecord(fields.referral) && isNonEmptyString(fields.referral.ref)) {
    return fromReferral(fields.referral.ref, source);
  }
  return { kind: 'unsupported', ...source };
}

function fromReferral(ref: string, source: EventSource): InboundEvent {
  const collect = collectRefPattern.exec(ref);
  if (collect !== null) return { kind: 'text', text: `COLLECT ${collect[1]!.toUpperCase()}`, ...source };
  const invite = inviteRefPattern.exec(ref);
  if (invite !== null) return { kind: 'text', text: `INVITE ${invite[1]!.toUpperCase()}`, ...source };
  if (intentRefPattern.test(ref)) return { kind: 'choice', payload: ref, ...source };
  return { kind: 'unsupported', ...source };
}

// postback.mid exists since Graph v11.0 (PLATFORMS.md 2.3); older payloads fall back to sender + timestamp.
function midOf(fields: Record<string, unknown>): string | undefined {
  for (const key of ['message', 'postback'] as const) {
    const part = fields[key];
    if (isRecord(part) && isNonEmptyString(part.mid)) return part.mid;
  }
  return undefined;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
