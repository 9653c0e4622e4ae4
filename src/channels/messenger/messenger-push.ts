import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { PushChannel } from '../channel';
import type { MessengerClient } from './messenger-client';
import { isPsid } from './messenger-events';
import { toMessengerMessages } from './messenger-messages';

// The standard messaging window (PLATFORMS.md 2.7): message tags no longer cover reminders, so outside it we wait.
const standardWindowMs = 24 * 60 * 60 * 1000;

export interface MessengerPushDeps {
  client: MessengerClient;
  /** When the person last wrote, tapped or followed on Messenger; null if never. */
  lastInboundAt(psid: string): Promise<Date | null>;
  clock: Clock;
  logger: Logger;
}

/**
 * Pushes with messaging_type UPDATE only inside 24 hours of the person's last message; otherwise
 * answers false, so the notice stays queued and rides on the next reply. The Send API has no retry
 * key, so `retryKey` only labels the logs.
 */
export function messengerPushChannel({ client, lastInboundAt, clock, logger }: MessengerPushDeps): PushChannel {
  return {
    async push(channelUserId, messages, retryKey) {
      if (!isPsid(channelUserId) || messages.length === 0) return false;
      const rendered = toMessengerMessages(messages);
      if (rendered.length === 0) return false;
      const lastInbound = await lastInboundAt(channelUserId);
      const now = clock.now().toMillis();
      if (lastInbound === null || now - lastInbound.getTime() >= standardWindowMs) {
        logger.info(
          { retryKey, lastInboundAt: lastInbound?.toISOString() ?? null },
          'Messenger push held: outside the 24-hour messaging window, the notice waits for the next chat',
        );
        return false;
      }
      const outcome = await client.sendAll(channelUserId, rendered, 'UPDATE', { retryKey });
      logger.info({ retryKey, outcome: outcome.kind }, 'Messenger push inside the 24-hour messaging window');
      return outcome.kind === 'sent';
    },
  };
}
