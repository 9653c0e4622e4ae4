/** What happens to one more event from a chat user: run it, answer "slow down" once, or drop it unanswered. */
export type ChatAdmission = 'process' | 'slowDown' | 'drop';

export interface ChatRateLimiter {
  admit(identityKey: string): ChatAdmission;
}

interface Window {
  startedAt: number;
  count: number;
}

// Past this many tracked users, expired windows are swept before a new one is added: memory stays bounded.
const sweepAbove = 10_000;

/**
 * At most `events` events per chat user in each `windowMs`; the first one over the limit gets the
 * slow-down reply, the rest of that window get nothing (no reply storm). Kept in this process: with
 * several instances each one counts the events it received. `now` is a monotonic millisecond clock.
 */
export function createChatRateLimiter(options: { events: number; windowMs: number; now?: () => number }): ChatRateLimiter {
  const now = options.now ?? (() => performance.now());
  const windows = new Map<string, Window>();

  function sweepExpired(at: number): void {
    for (const [key, window] of windows) if (at - window.startedAt >= options.windowMs) windows.delete(key);
  }

  return {
    admit(identityKey) {
      const at = now();
      let window = windows.get(identityKey);
      if (window === undefined || at - window.startedAt >= options.windowMs) {
        if (window === undefined && windows.size >= sweepAbove) sweepExpired(at);
        window = { startedAt: at, count: 0 };
        windows.set(identityKey, window);
      }
      window.count += 1;
      if (window.count <= options.events) return 'process';
      return window.count === options.events + 1 ? 'slowDown' : 'drop';
    },
  };
}
