import type { PushChannel } from '../channel';
import type { LineClient } from './line-client';
import { isLineUserId } from './line-events';
import { toLineMessages } from './line-messages';

/** LINE pushes count against the monthly quota (PLATFORMS.md §1.5); a 409 on a retry key was already sent. */
export function linePushChannel(client: LineClient): PushChannel {
  return {
    async push(channelUserId, messages, retryKey) {
      if (!isLineUserId(channelUserId) || messages.length === 0) return false;
      const outcome = await client.push(channelUserId, toLineMessages(messages), retryKey);
      return outcome.kind === 'sent' || outcome.kind === 'alreadyAccepted';
    },
  };
}
