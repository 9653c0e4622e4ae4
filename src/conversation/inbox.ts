import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { InboundEventRepository } from './inbound-event-repository';

/** Sends a turn's replies back through the channel the event came from. */
export type Deliver = (event: InboundEvent, messages: OutboundMessage[]) => Promise<void>;

export interface AcceptResult {
  accepted: number;
  duplicates: number;
}

/**
 * Where every channel hands its normalised events.
 *
 * - `accept` is for webhooks that must answer fast (LINE 2 s, Messenger 5 s): it records the
 *   events (a redelivered event id is dropped as a duplicate), resolves, and then processes them in
 *   the background, one identity's events one at a time in order, identities in parallel, calling
 *   `deliver` with each turn's replies. It rejects only when the events could not be recorded
 *   (database down): the webhook should then answer 5xx so the platform retries.
 * - `handleNow` is for channels that answer in the HTTP response (web chat, Bot Framework): it
 *   processes one event in its identity's order and returns the replies (empty for a duplicate).
 * - `drain` resolves when nothing is in flight (graceful shutdown, tests).
 */
export interface Inbox {
  accept(events: InboundEvent[], deliver: Deliver): Promise<AcceptResult>;
  handleNow(event: InboundEvent): Promise<OutboundMessage[]>;
  drain(): Promise<void>;
}

export interface InboxDeps {
  runner: { handle(event: InboundEvent): Promise<OutboundMessage[]> };
  inboundEvents: InboundEventRepository;
  clock: Clock;
  logger: Logger;
  onTurn?: (event: InboundEvent, seconds: number) => void;
  /** Turns running at once across identities; 64 unless a test says otherwise. */
  maxConcurrentTurns?: number;
}

export function createInbox(deps: InboxDeps): Inbox {
  /** The tail of each identity's queue: a new event runs after the previous one settles. */
  const tails = new Map<string, Promise<unknown>>();

  // Under a burst, every waiting turn would otherwise take a database connection at once, and the webhook's own
  // insert (which must answer LINE within 2 s) would queue behind thousands of turn queries. Turns wait here instead.
  const turnSlots = createSlots(deps.maxConcurrentTurns ?? 64);

  function enqueue<T>(event: InboundEvent, work: () => Promise<T>): Promise<T> {
    const key = identityKeyOf(event);
    const previous = tails.get(key) ?? Promise.resolve();
    const inSlot = () => turnSlots.run(work);
    const run = previous.then(inSlot, inSlot);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  async function turn(event: InboundEvent): Promise<OutboundMessage[]> {
    const started = performance.now();
    const messages = await deps.runner.handle(event);
    deps.onTurn?.(event, (performance.now() - started) / 1000);
    return messages;
  }

  async function firstSight(event: InboundEvent): Promise<boolean> {
    return deps.inboundEvents.recordFirstSight(eventKeyOf(event), deps.clock.now().toJSDate());
  }

  return {
    async accept(events, deliver) {
      const relevant = events.filter((event) => event.kind !== 'unsupported');
      const fresh = await Promise.all(relevant.map(firstSight));
      const accepted = relevant.filter((_, index) => fresh[index]);
      for (const event of accepted) {
        void enqueue(event, async () => {
          const messages = await turn(event);
          await deliver(event, messages);
        }).catch((error: unknown) => {
          deps.logger.error({ err: error, channel: event.channel, eventId: event.eventId }, 'event could not be delivered');
        });
      }
      return { accepted: accepted.length, duplicates: relevant.length - accepted.length };
    },

    async handleNow(event) {
      if (event.kind === 'unsupported') return [];
      if (!(await firstSight(event))) return [];
      return enqueue(event, () => turn(event));
    },

    async drain() {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
  };
}

/** At most `size` tasks at once; the others wait in arrival order. */
function createSlots(size: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
      else running += 1;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running -= 1;
      }
    },
  };
}

function eventKeyOf(event: InboundEvent): string {
  return `${event.channel}:${event.eventId}`;
}
