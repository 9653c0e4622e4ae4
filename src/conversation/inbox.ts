import { DateTime } from 'luxon';
import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import { answeredWithin, NotAnsweredError } from '../shared/answered-within';
import type { Clock } from '../shared/clock';
import { newLeaseHolder } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { isDatabaseUnavailable } from '../database/mongo-connection';
import type { ChatRateLimiter } from './chat-rate-limit';
import type { FlowRunner } from './flow-runner';
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
 * - `recoverUnhandled` is the sweep for events acknowledged by a process that died before their turns ran.
 * - `drain` resolves when nothing is in flight (graceful shutdown, tests).
 *
 * An acknowledged event runs on one server at a time: the server that records it holds a lease on it from
 * then on, renewed while the event waits or runs, and a sweep or a redelivery elsewhere takes only an event
 * whose lease lapsed (its holder was killed, or cut off from the database for a whole lease). A reply goes out only
 * under a lease renewed within half its length: when the renewals failed, one conditional write confirms it first.
 */
export interface Inbox {
  accept(events: InboundEvent[], deliver: Deliver): Promise<AcceptResult>;
  handleNow(event: InboundEvent): Promise<OutboundMessage[]>;
  /**
   * Runs the accepted events received before `cutoff` whose turns never finished (the process that
   * acknowledged them was killed), each once across servers, delivering through `deliver` (a push:
   * their reply tokens are long gone). Resolves with how many it started. An event it could not take does not hold
   * back the others: the sweep rejects once it has gone through them all (or at the first sign the database is away).
   */
  recoverUnhandled(cutoff: Date, deliver: Deliver): Promise<number>;
  drain(): Promise<void>;
}

export interface InboxDeps {
  runner: Pick<FlowRunner, 'handle' | 'run' | 'apology'>;
  inboundEvents: InboundEventRepository;
  clock: Clock;
  logger: Logger;
  onTurn?: (event: InboundEvent, seconds: number) => void;
  /** Per chat user flood control: events over the limit are not run; the first of them gets `slowDown`. */
  chatLimit?: { limiter: ChatRateLimiter; slowDown(event: InboundEvent): Promise<OutboundMessage[]> };
  /** False while the database is known to be unreachable: `accept` then rejects at once (the webhook answers 503). */
  databaseUp?: () => boolean;
  /** How long an accepted event's turn is retried while the database is unreachable; 5 minutes unless a test says otherwise. */
  retryWhileDatabaseAwayMs?: number;
  /** Turns running at once across identities; 64 unless a test says otherwise. */
  maxConcurrentTurns?: number;
  /**
   * How long another server waits after an acknowledged event's lease was last renewed before it takes the event
   * (the holder is presumed dead); platform.ts passes RECOVER_UNHANDLED_AFTER_SECONDS, 10 minutes if unset.
   */
  leaseMs?: number;
  /** How often the leases of events in flight are renewed, and how long a renewal is waited for; a tenth of `leaseMs` unless a test says otherwise. */
  leaseRenewalMs?: number;
  /** How long one run of a turn may take before it counts as failed; 5 minutes unless a test says otherwise. */
  turnDeadlineMs?: number;
}

export class DatabaseUnavailableError extends Error {
  constructor() {
    super('The database is not connected: the events were not recorded');
  }
}

/** Events one recovery sweep takes; the next sweep goes on with the rest. */
const recoveryBatch = 500;
/** Well past a turn's retries while the database is away: a server cut off from it keeps its events that long. */
const defaultLeaseMs = 10 * 60_000;
/** How long a live server retries a turn while the database is away, renewing no lease meanwhile. */
export const defaultRetryWhileDatabaseAwayMs = 5 * 60_000;

/**
 * Far longer than any turn takes, even one that waits out the driver's server selection or erases a person from a
 * large embedded database. Past it, one of the turn's database calls is taken as never to be answered (the driver
 * was seen to leave a command sent as the database came back waiting forever, docs/benchmark.md, sixth round): the
 * turn counts as failed, so that it is run again and the person's later events and the turn slot are not held for
 * good. The abandoned run is not stopped: should it wake up after all, it runs alongside the next ones. Its ledger
 * and flow effects are keyed, so nothing is paid twice, but notices it takes ride on a reply nobody sends, and its
 * transcript lines are recorded twice. So the deadline is long, for a turn that is stuck rather than slow.
 */
const defaultTurnDeadlineMs = 5 * 60_000;

/** How many times a turn that failed for no reason the database gave is run again before the apology. */
const retriesOfUnexplainedFailures = 2;

// Following and unfollowing change what we may send; they are never what floods a chat.
const exemptFromChatLimit = new Set<InboundEvent['kind']>(['followed', 'unfollowed']);

export function createInbox(deps: InboxDeps): Inbox {
  /** The tail of each identity's queue: a new event runs after the previous one settles. */
  const tails = new Map<string, Promise<unknown>>();

  // Under a burst, every waiting turn would otherwise take a database connection at once, and the webhook's own
  // insert (which must answer LINE within 2 s) would queue behind thousands of turn queries. Turns wait here instead.
  const turnSlots = createSlots(deps.maxConcurrentTurns ?? 64);
  const turnDeadlineMs = deps.turnDeadlineMs ?? defaultTurnDeadlineMs;
  const withinTurnDeadline = (run: Promise<OutboundMessage[]>) => answeredWithin(turnDeadlineMs, run, 'The turn (a database call in it)');

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

  /**
   * An accepted event was answered 200: the platform will not send it again, so a turn that failed
   * because the database went away is run again (with backoff) until it is back, instead of being
   * answered with the apology and lost. Its effects are idempotent (ledger keys, the redemption's
   * flow run), so a turn cut half-way finishes, never doubles. A database going away does not always
   * say so: a command cut off while the server shuts down can fail with a plain server error before
   * the driver notices the connection is gone. So any other failure is run again too, a few times,
   * before the member gets the apology.
   */
  async function runRetryingWhileDatabaseAway(event: InboundEvent): Promise<OutboundMessage[]> {
    const giveUpAt = performance.now() + (deps.retryWhileDatabaseAwayMs ?? defaultRetryWhileDatabaseAwayMs);
    let unexplainedFailures = 0;
    for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
      try {
        return await withinTurnDeadline(deps.runner.run(event));
      } catch (error) {
        const databaseAway = isDatabaseUnavailable(error) || deps.databaseUp?.() === false;
        if (!databaseAway) unexplainedFailures += 1;
        if (unexplainedFailures > retriesOfUnexplainedFailures || performance.now() + waitMs > giveUpAt) {
          deps.logger.error({ err: error, channel: event.channel, eventId: event.eventId }, 'turn failed');
          return deps.runner.apology(event);
        }
        deps.logger.warn(
          { err: error, channel: event.channel, eventId: event.eventId, retryInMs: waitMs, databaseAway },
          databaseAway ? 'database unavailable: the turn will run again' : 'turn failed: it will run again',
        );
        await new Promise((resolveWait) => setTimeout(resolveWait, waitMs));
      }
    }
  }

  type Admission = ReturnType<ChatRateLimiter['admit']>;

  /** Flood control counts events as they arrive: a backlog run after an outage or by the recovery sweep is not a flood. */
  function admit(event: InboundEvent): Admission {
    return deps.chatLimit && !exemptFromChatLimit.has(event.kind) ? deps.chatLimit.limiter.admit(identityKeyOf(event)) : 'process';
  }

  async function turn(event: InboundEvent, run: (event: InboundEvent) => Promise<OutboundMessage[]>, admission: Admission): Promise<OutboundMessage[]> {
    const started = performance.now();
    const messages = admission === 'process' ? await run(event) : admission === 'slowDown' ? await deps.chatLimit!.slowDown(event) : [];
    if (admission === 'process') deps.onTurn?.(event, (performance.now() - started) / 1000);
    else deps.logger.warn({ channel: event.channel, eventId: event.eventId, admission }, 'chat user over the rate limit: event not processed');
    return messages;
  }

  function markHandled(event: InboundEvent): Promise<void> {
    return deps.inboundEvents.markHandled(eventKeyOf(event), deps.clock.now().toJSDate()).catch((error: unknown) => {
      deps.logger.warn({ err: error, eventId: event.eventId }, 'could not mark the event handled');
    });
  }

  /** Events this process has claimed and not yet finished (queued or running). */
  const inFlight = new Set<string>();

  const leaseHolder = newLeaseHolder();
  const leaseMs = deps.leaseMs ?? defaultLeaseMs;
  const leaseRenewalMs = deps.leaseRenewalMs ?? leaseMs / 10;
  /**
   * The kept events in flight whose lease this process took (a subset of `inFlight`). `lost`: a renewal found the
   * event taken by another server, so it is not run, or not answered, here. `confirmedAt` (clock milliseconds): when
   * the lease was last taken or renewed by a write that answered. One object per taking, so that a renewal that
   * started before the event was released and taken again does not mark the new lease.
   */
  const leases = new Map<string, { lost: boolean; confirmedAt: number }>();
  let renewalTimer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> | undefined;
  /** Writes that outlive the request that started them; `drain` waits for them. */
  const backgroundWrites = new Set<Promise<void>>();

  const leaseLapsedBefore = () => new Date(deps.clock.now().toMillis() - leaseMs);

  function holdLease(key: string, takenAt: Date): void {
    leases.set(key, { lost: false, confirmedAt: takenAt.getTime() });
    if (renewalTimer !== undefined) return;
    renewalTimer = setInterval(() => {
      renewing ??= renewLeases().finally(() => (renewing = undefined));
    }, leaseRenewalMs);
    // Renewal is for events in flight; it never keeps the process alive on its own.
    renewalTimer.unref();
  }

  function dropLease(key: string): void {
    leases.delete(key);
    if (leases.size === 0 && renewalTimer !== undefined) {
      clearInterval(renewalTimer);
      renewalTimer = undefined;
    }
  }

  /** A renewal not answered by the next tick is given up on, so that the tick can try again. */
  async function renewLeases(): Promise<void> {
    const held = new Map([...leases].filter(([, lease]) => !lease.lost));
    if (held.size === 0) return;
    const now = deps.clock.now().toMillis();
    try {
      const renewal = deps.inboundEvents.renewLeases([...held.keys()], leaseHolder, new Date(now), leaseRenewalMs);
      const lost = new Set(await answeredWithin(leaseRenewalMs, renewal));
      for (const [key, lease] of held) {
        if (lost.has(key)) {
          lease.lost = true;
          deps.logger.warn({ eventKey: key }, 'a renewal found an event in flight here taken by another server');
        } else {
          lease.confirmedAt = Math.max(lease.confirmedAt, now);
        }
      }
    } catch (error) {
      deps.logger.warn({ err: error, events: held.size }, 'could not renew the leases of events in flight: another server may take them once they lapse');
    }
  }

  /**
   * Whether the event's lease is still this process's as its reply goes out. The renewals normally say so; when none
   * answered for half a lease (the database slow or away), another server may have taken the event and be answering
   * it too, so one conditional write asks, and extends the lease if it is still held. A question the database does not
   * answer counts as a loss: the event then stays unhandled, and whichever server takes it once the lease lapses answers.
   */
  async function stillHoldsLease(event: InboundEvent): Promise<boolean> {
    const key = eventKeyOf(event);
    const lease = leases.get(key);
    if (lease === undefined) return true;
    const now = deps.clock.now().toMillis();
    if (!lease.lost && now - lease.confirmedAt > leaseMs / 2) {
      try {
        // Waited for half a lease at most: a later answer would leave the reply too little of the lease it renewed.
        const confirmation = deps.inboundEvents.confirmLease(key, leaseHolder, new Date(now), leaseMs / 2);
        if (await answeredWithin(leaseMs / 2, confirmation)) lease.confirmedAt = now;
        else lease.lost = true;
      } catch (error) {
        deps.logger.warn(
          { err: error, channel: event.channel, eventId: event.eventId },
          'could not confirm the lease of an event before answering it: the reply is left to the server that runs it once the lease lapses',
        );
        return false;
      }
    }
    if (!lease.lost) return true;
    deps.logger.warn({ channel: event.channel, eventId: event.eventId }, 'another server took the event while its turn ran: the reply is left to that server');
    return false;
  }

  /** Events whose leases a failed batch is giving back: a copy that arrives meanwhile waits for that, then claims the event. */
  const givingBack = new Map<string, Promise<void>>();

  /**
   * Best effort, in the background: the 5xx goes out at once. The events stay claimed here until the write is
   * done, so that a copy claiming one in between is not stripped of the lease it just took.
   */
  function giveBackLeases(events: InboundEvent[]): void {
    const keys = events.map(eventKeyOf);
    const write = deps.inboundEvents
      .giveBackLeases(keys, leaseHolder)
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, events: keys.length }, 'could not give back the leases of a failed batch: its redelivery waits for them to lapse');
      })
      .finally(() => {
        for (const event of events) release(event);
        for (const key of keys) givingBack.delete(key);
        backgroundWrites.delete(write);
      });
    for (const key of keys) givingBack.set(key, write);
    backgroundWrites.add(write);
  }

  /**
   * True when this process should run the event: it is new, or it was recorded before but never
   * handled and nobody is handling it (an earlier attempt answered 5xx after recording part of a batch
   * and gave its lease back, or the process that recorded it was killed and its lease lapsed; an event
   * answered in the response has no lease: nobody here handling it is enough). Otherwise it is a
   * duplicate. The claim is taken before the database is asked, so concurrent copies in this process
   * cannot both win. A kept event whose claim fails stays claimed: its write may have landed all the same
   * (the answer was lost, not the write), and `accept` gives its lease back and releases it.
   */
  async function claim(event: InboundEvent, keep: 'keepForRecovery' | 'answeredInResponse'): Promise<boolean> {
    const key = eventKeyOf(event);
    const leaseGoingBack = givingBack.get(key);
    if (leaseGoingBack !== undefined) await leaseGoingBack;
    if (inFlight.has(key)) return false;
    inFlight.add(key);
    try {
      const now = deps.clock.now().toJSDate();
      if (keep === 'keepForRecovery') {
        if (await deps.inboundEvents.recordFirstSight(key, now, { event: storedEvent(event), identityKey: identityKeyOf(event), leaseHolder })) {
          holdLease(key, now);
          return true;
        }
        if (await deps.inboundEvents.takeLease(key, leaseHolder, now, leaseLapsedBefore())) {
          holdLease(key, now);
          deps.logger.warn({ channel: event.channel, eventId: event.eventId }, 'running an event that was recorded but never handled');
          return true;
        }
      } else {
        if (await deps.inboundEvents.recordFirstSight(key, now)) return true;
        if ((await deps.inboundEvents.handledAt(key)) === null) {
          deps.logger.warn({ channel: event.channel, eventId: event.eventId }, 'running an event that was recorded but never handled');
          return true;
        }
      }
    } catch (error) {
      if (keep === 'answeredInResponse') inFlight.delete(key);
      throw error;
    }
    inFlight.delete(key);
    return false;
  }

  function release(event: InboundEvent): void {
    const key = eventKeyOf(event);
    inFlight.delete(key);
    dropLease(key);
  }

  /**
   * An acknowledged event's turn, in its person's order, retried while the database is away; the claim is released
   * at the end. If a renewal learnt that another server took the event, it is left to that server: not started,
   * or, if that was learnt while it ran or its lease cannot be confirmed before the reply, not answered from here.
   */
  function runAccepted(event: InboundEvent, deliver: Deliver, admission: Admission): void {
    const key = eventKeyOf(event);
    void enqueue(event, async () => {
      try {
        if (leases.get(key)?.lost === true) {
          deps.logger.warn({ channel: event.channel, eventId: event.eventId }, 'another server took the event before its turn came: not run here');
          return;
        }
        const messages = await turn(event, runRetryingWhileDatabaseAway, admission);
        if (!(await stillHoldsLease(event))) return;
        // Marked handled only once the reply is out (or its delivery failed for good): a crash in between runs the
        // turn again (the same answer, pushed twice) rather than leaving the member with none.
        try {
          await deliver(event, messages);
        } finally {
          await markHandled(event);
        }
      } finally {
        release(event);
      }
    }).catch((error: unknown) => {
      deps.logger.error({ err: error, channel: event.channel, eventId: event.eventId }, 'event could not be delivered');
    });
  }

  return {
    async accept(events, deliver) {
      const relevant = events.filter((event) => event.kind !== 'unsupported');
      // Fail fast rather than let the driver queue the writes until its timeout: the platform retries a 5xx.
      if (relevant.length > 0 && deps.databaseUp?.() === false) throw new DatabaseUnavailableError();
      const claims = await Promise.allSettled(relevant.map((event) => claim(event, 'keepForRecovery')));
      const outcomes = claims.map((settled) => (settled.status === 'rejected' ? 'failed' : settled.value ? 'claimed' : 'duplicate'));
      const accepted = relevant.filter((_, index) => outcomes[index] === 'claimed');
      const failed = claims.find((settled): settled is PromiseRejectedResult => settled.status === 'rejected');
      if (failed !== undefined) {
        // The webhook answers 5xx and the platform sends the whole batch again: the events recorded
        // now are unhandled and their leases given back, so that redelivery, on any server, claims them.
        // A failed claim's write may have landed all the same, so its lease goes back too. A duplicate's lease
        // is not this batch's (it may be running here).
        giveBackLeases(relevant.filter((_, index) => outcomes[index] !== 'duplicate'));
        throw failed.reason;
      }
      for (const event of accepted) runAccepted(event, deliver, admit(event));
      return { accepted: accepted.length, duplicates: relevant.length - accepted.length };
    },

    async recoverUnhandled(cutoff, deliver) {
      let started = 0;
      const failures: unknown[] = [];
      for (const { eventKey, event: stored } of await deps.inboundEvents.unhandledBefore(cutoff, leaseLapsedBefore(), recoveryBatch)) {
        if (inFlight.has(eventKey)) continue;
        const event = parseStoredEvent(stored);
        if (event === null) {
          // No server can run it, so its content goes now rather than being offered to every sweep for a week.
          await deps.inboundEvents.markHandled(eventKey, deps.clock.now().toJSDate()).then(
            () => deps.logger.warn({ eventKey }, 'a kept event could not be read back: it is marked handled and never run'),
            (error: unknown) => deps.logger.warn({ err: error, eventKey }, 'a kept event could not be read back, nor marked handled: the next sweep tries again'),
          );
          continue;
        }
        inFlight.add(eventKey);
        const takenAt = deps.clock.now().toJSDate();
        let claimed: boolean;
        try {
          claimed = await deps.inboundEvents.takeLease(eventKey, leaseHolder, takenAt, leaseLapsedBefore());
        } catch (error) {
          inFlight.delete(eventKey);
          failures.push(error);
          deps.logger.warn(
            { err: error, channel: event.channel, eventId: event.eventId },
            'could not take the lease of an acknowledged event whose turn never finished: a later sweep tries again',
          );
          // An unreachable database would fail every other event the same way, each after a timeout.
          if (isDatabaseUnavailable(error)) break;
          continue;
        }
        if (!claimed) {
          inFlight.delete(eventKey);
          continue;
        }
        holdLease(eventKey, takenAt);
        deps.logger.warn({ channel: event.channel, eventId: event.eventId }, 'running an acknowledged event whose turn never finished');
        runAccepted(event, deliver, 'process');
        started += 1;
      }
      // The job fails, so that the scheduler logs it as an error; the events started meanwhile run all the same.
      if (failures.length > 0) {
        throw new AggregateError(
          failures,
          `the recovery sweep could not take ${failures.length} of the acknowledged events (it started ${started}): a later sweep tries them again`,
        );
      }
      return started;
    },

    async handleNow(event) {
      if (event.kind === 'unsupported') return [];
      if (!(await claim(event, 'answeredInResponse'))) return [];
      const admission = admit(event);
      return enqueue(event, async () => {
        try {
          const handled = (queued: InboundEvent) =>
            withinTurnDeadline(deps.runner.handle(queued)).catch((error: unknown) => {
              if (!(error instanceof NotAnsweredError)) throw error;
              deps.logger.error({ err: error, channel: event.channel, eventId: event.eventId }, 'turn failed');
              return deps.runner.apology(queued);
            });
          const messages = await turn(event, handled, admission);
          await markHandled(event);
          return messages;
        } finally {
          release(event);
        }
      });
    },

    async drain() {
      while (tails.size > 0 || backgroundWrites.size > 0) await Promise.all([...tails.values(), ...backgroundWrites]);
      await renewing;
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

/** The JSON an acknowledged event is kept as until its turn is handled. */
function storedEvent(event: InboundEvent): string {
  return JSON.stringify({ ...event, receivedAt: event.receivedAt.toISO() });
}

function parseStoredEvent(stored: string): InboundEvent | null {
  try {
    const parsed = JSON.parse(stored) as InboundEvent & { receivedAt: string };
    const receivedAt = DateTime.fromISO(parsed.receivedAt, { setZone: true });
    return receivedAt.isValid ? { ...parsed, receivedAt } : null;
  } catch {
    return null;
  }
}

function eventKeyOf(event: InboundEvent): string {
  return `${event.channel}:${event.eventId}`;
}
