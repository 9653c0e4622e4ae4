import { randomUUID } from 'node:crypto';
import type { ChannelName, InboundEvent, OutboundMessage } from '../../src/channels/channel';
import type { TestPlatform } from './platform';

/** Reads like a transcript: `await chat.says('簽到')`, then look at `chat.lastReplies`. */
export function conversationWith(platform: TestPlatform, options: { channel?: ChannelName; userId?: string; locale?: string } = {}) {
  const source = {
    channel: options.channel ?? ('web' as ChannelName),
    channelUserId: options.userId ?? `user-${randomUUID()}`,
    ...(options.locale ? { locale: options.locale } : {}),
  };
  let lastReplies: OutboundMessage[] = [];

  type EventBody = { kind: 'followed' } | { kind: 'text'; text: string } | { kind: 'choice'; payload: string; params?: Record<string, string> };

  async function send(event: EventBody & { eventId?: string }) {
    const full = { ...source, eventId: randomUUID(), receivedAt: platform.clock.now(), ...event } as InboundEvent;
    lastReplies = await platform.inbox.handleNow(full);
    return lastReplies;
  }

  return {
    source,
    get lastReplies() {
      return lastReplies;
    },
    follows: () => send({ kind: 'followed' }),
    says: (text: string) => send({ kind: 'text', text }),
    taps: (payload: string) => send({ kind: 'choice', payload }),
    /** The replies as plain strings: a text, or a card's title and fields. */
    replyTexts: () => lastReplies.map(describe),
    choiceLabels: () => lastReplies.flatMap((message) => message.choices ?? []).map((choice) => choice.label),
    async joins(name = 'Amy', mobile = '0912345678', birthday = 'skip') {
      await send({ kind: 'choice', payload: 'intent=signup' });
      await send({ kind: 'choice', payload: 'answer=agree' });
      await send({ kind: 'text', text: name });
      await send({ kind: 'text', text: mobile });
      return birthday === 'skip' ? send({ kind: 'choice', payload: 'answer=skip' }) : send({ kind: 'text', text: birthday });
    },
  };
}

export function describe(message: OutboundMessage): string {
  if (message.kind === 'text') return message.text;
  const lines = [message.title, ...message.fields.map((field) => `${field.label}: ${field.value}`)];
  if (message.progress) lines.push(`${message.progress.label} (${Math.round(message.progress.ratio * 100)}%)`);
  return lines.join('\n');
}
