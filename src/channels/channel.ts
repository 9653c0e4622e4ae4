import type { DateTime } from 'luxon';

/** Every channel the platform speaks; only src/channels/<channel>/ knows what each one is. */
export type ChannelName = 'line' | 'messenger' | 'botframework' | 'web' | 'preview';

/** The admin console's preview chat: who joins through it is a sandbox member, not a customer. */
export function isSandboxChannel(channel: ChannelName): boolean {
  return channel === 'preview';
}

export interface EventSource {
  channel: ChannelName;
  /** The channel's own id for the person (LINE userId, Messenger PSID, web cookie id). */
  channelUserId: string;
  /** The platform's unique id for this event: the idempotency key of whatever it changes. */
  eventId: string;
  receivedAt: DateTime;
  /** A locale the channel reported for the person (e.g. from a profile), if any. */
  locale?: string;
}

/**
 * A channel event in the platform's terms. `choice` carries postback data in the form
 * `intent=<name>&key=value` (CONTRACT.md) or `answer=<option>` for a question's choices.
 */
export type InboundEvent =
  | ({ kind: 'text'; text: string } & EventSource)
  | ({ kind: 'choice'; payload: string; params?: Record<string, string> } & EventSource)
  | ({ kind: 'followed' | 'unfollowed' | 'unsupported' } & EventSource);

export interface Choice {
  label: string;
  /** Postback data, e.g. `intent=card` or `answer=agree`; at most 300 characters. */
  payload: string;
  /** One thing of a list to pick (a reward): a channel with carousels may show it as a card. */
  item?: boolean;
}

export interface CardField {
  label: string;
  value: string;
}

export type OutboundMessage =
  | { kind: 'text'; text: string; choices?: Choice[]; /** The button on each item's card. */ itemButton?: string }
  | {
      kind: 'card';
      title: string;
      subtitle?: string;
      fields: CardField[];
      /** 0..1, e.g. progress to the next tier. */
      progress?: { label: string; ratio: number };
      footer?: string;
      choices?: Choice[];
    };

export function identityKeyOf(source: Pick<EventSource, 'channel' | 'channelUserId'>): string {
  return `${source.channel}:${source.channelUserId}`;
}

/** A channel that can message a person outside a turn (a reminder), where the platform allows it. */
export interface PushChannel {
  /** True once the platform accepted the messages; `retryKey` makes a retried push count once. */
  push(channelUserId: string, messages: OutboundMessage[], retryKey: string): Promise<boolean>;
}
