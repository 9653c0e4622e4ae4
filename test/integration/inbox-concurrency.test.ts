import pino from 'pino';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import type { InboundEventRepository } from '../../src/conversation/inbound-event-repository';
import { createChatRateLimiter } from '../../src/conversation/chat-rate-limit';
import { createInbox } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';
import { lineTextMessages } from '../support/builders';
import { openInboundEventDatabase, type TestDatabase } from '../support/mongo';

const clock = fixedClock('2026-11-23T10:00:00+08:00');
let connection: TestDatabase;
let inboundEvents: InboundEventRepository;

beforeAll(async () => {
  ({ connection, inboundEvents } = await openInboundEventDatabase());
});
afterAll(() => connection.dropAndClose());

const textFrom = lineTextMessages('inbox', () => clock.now());

/** A runner that takes a few milliseconds per turn and notes how many turns overlap and in which order each person's ran. */
function slowRunner() {
  let running = 0;
  const seen = { maxRunning: 0, order: new Map<string, string[]>() };
  const runner = {
    seen,
    async handle(event: InboundEvent): Promise<OutboundMessage[]> {
      running += 1;
      seen.maxRunning = Math.max(seen.maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 3));
      const text = event.kind === 'text' ? event.text : '';
      seen.order.set(event.channelUserId, [...(seen.order.get(event.channelUserId) ?? []), text]);
      running -= 1;
      return [{ kind: 'text', text }];
    },
    run: (event: InboundEvent) => runner.handle(event),
    apology: (): OutboundMessage[] => [],
  };
  return runner;
}

describe('inbox under a burst', () => {
  it('runs at most maxConcurrentTurns turns at once, and each person’s events in the order they came', async () => {
    const runner = slowRunner();
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }), maxConcurrentTurns: 4 });
    const people = Array.from({ length: 12 }, (_, index) => `U-burst-${index}`);
    const sent = new Map<string, string[]>();
    const delivered: string[] = [];
    for (let round = 0; round < 5; round += 1) {
      const events = people.map((person) => textFrom(person));
      for (const event of events) sent.set(event.channelUserId, [...(sent.get(event.channelUserId) ?? []), (event as { text: string }).text]);
      const { accepted } = await inbox.accept(events, async (_event, messages) => {
        delivered.push(...messages.map((message) => (message.kind === 'text' ? message.text : '')));
      });
      expect(accepted).toBe(people.length);
    }
    await inbox.drain();

    expect(runner.seen.maxRunning).toBe(4);
    expect(delivered).toHaveLength(people.length * 5);
    for (const person of people) expect(runner.seen.order.get(person)).toEqual(sent.get(person));
  });

  it('runs every turn at once when the burst is smaller than the limit', async () => {
    const runner = slowRunner();
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }), maxConcurrentTurns: 64 });
    await inbox.accept(Array.from({ length: 10 }, (_, index) => textFrom(`U-small-${index}`)), async () => undefined);
    await inbox.drain();
    expect(runner.seen.maxRunning).toBe(10);
  });
});

describe('an accepted turn that fails', () => {
  function failingRunner(failures: Error[]) {
    const runner = {
      attempts: 0,
      async run(event: InboundEvent): Promise<OutboundMessage[]> {
        runner.attempts += 1;
        const failure = failures.shift();
        if (failure) throw failure;
        return [{ kind: 'text', text: `done ${(event as { text: string }).text}` }];
      },
      handle: (event: InboundEvent) => runner.run(event),
      apology: (): OutboundMessage[] => [{ kind: 'text', text: 'apology' }],
    };
    return runner;
  }

  async function acceptAndCollect(runner: ReturnType<typeof failingRunner>, databaseUp: () => boolean) {
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }), databaseUp });
    const delivered: string[] = [];
    const event = textFrom('U-failing');
    await inbox.accept([event], async (_event, messages) => {
      delivered.push(...messages.map((message) => (message.kind === 'text' ? message.text : '')));
    });
    await inbox.drain();
    return { delivered, text: (event as { text: string }).text };
  }

  // LINE will not send an acknowledged event again: a server error from a database shutting down must not lose it.
  it('is run again after a failure the database did not name, and answered once it succeeds', async () => {
    const serverError = Object.assign(new Error('This store is closed'), { name: 'MongoServerError' });
    const runner = failingRunner([serverError]);
    const { delivered, text } = await acceptAndCollect(runner, () => true);
    expect(runner.attempts).toBe(2);
    expect(delivered).toEqual([`done ${text}`]);
  });

  it('keeps running while the connection is down, whatever the error says', async () => {
    let up = true;
    const runner = failingRunner(Array.from({ length: 4 }, () => new Error('socket hang up')));
    const original = runner.run.bind(runner);
    runner.run = async (event) => {
      // Down from the first attempt; back for the fourth, whose failure then counts as unexplained.
      up = runner.attempts >= 3;
      return original(event);
    };
    const { delivered, text } = await acceptAndCollect(runner, () => up);
    expect(runner.attempts).toBe(5);
    expect(delivered).toEqual([`done ${text}`]);
  }, 15_000);

  it('gets the apology when it keeps failing with the database up', async () => {
    const runner = failingRunner(Array.from({ length: 10 }, () => new TypeError('a bug')));
    const { delivered } = await acceptAndCollect(runner, () => true);
    expect(runner.attempts).toBe(3);
    expect(delivered).toEqual(['apology']);
  });
});

describe('recording events together', () => {
  it('sees each id once when copies of it arrive in the same write', async () => {
    const key = `line:copies-${Date.now()}`;
    const other = `line:other-${Date.now()}`;
    const now = clock.now().toJSDate();
    const firstSights = await Promise.all([
      inboundEvents.recordFirstSight(key, now),
      inboundEvents.recordFirstSight(other, now),
      inboundEvents.recordFirstSight(key, now),
      inboundEvents.recordFirstSight(key, now),
    ]);
    expect(firstSights).toEqual([true, true, false, false]);
    expect(await inboundEvents.recordFirstSight(other, now)).toBe(false);
    await Promise.all([inboundEvents.markHandled(key, now), inboundEvents.markHandled(other, now)]);
    expect(await inboundEvents.handledAt(key)).toEqual(now);
    expect(await inboundEvents.handledAt(other)).toEqual(now);
  });
});

describe('recovering acknowledged events a killed process never ran', () => {
  const echo = () => ({
    runs: [] as string[],
    async run(event: InboundEvent): Promise<OutboundMessage[]> {
      this.runs.push(event.eventId);
      return [{ kind: 'text', text: `done ${event.eventId}` }];
    },
    handle(event: InboundEvent) {
      return this.run(event);
    },
    apology: (): OutboundMessage[] => [],
  });

  it('runs each once across two sweeping servers, with its content, and forgets the content once handled', async () => {
    const event = textFrom('U-killed');
    const key = `line:${event.eventId}`;
    // What a killed process of an earlier version left: the event recorded and kept, no lease, its turn never finished.
    await inboundEvents.model.collection.insertOne({
      _id: key as never,
      receivedAt: clock.now().minus({ minutes: 20 }).toJSDate(),
      handledAt: null,
      event: JSON.stringify({ ...event, receivedAt: event.receivedAt.toISO() }),
    });
    const [first, second] = [echo(), echo()];
    const pushed: string[] = [];
    const deliver = async (recovered: InboundEvent, messages: OutboundMessage[]) => {
      pushed.push(`${recovered.kind}:${messages.map((message) => (message.kind === 'text' ? message.text : '')).join()}`);
    };
    const inboxes = [first, second].map((runner) => createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }) }));
    const cutoff = clock.now().minus({ minutes: 10 }).toJSDate();
    const started = await Promise.all(inboxes.map((inbox) => inbox.recoverUnhandled(cutoff, deliver)));
    await Promise.all(inboxes.map((inbox) => inbox.drain()));

    expect(started.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect([...first.runs, ...second.runs]).toEqual([event.eventId]);
    expect(pushed).toEqual([`text:done ${event.eventId}`]);
    expect(await inboundEvents.handledAt(key)).not.toBeNull();
    expect(await inboundEvents.model.findById(key).lean()).not.toHaveProperty('event');
    expect(await inboxes[0]!.recoverUnhandled(cutoff, deliver)).toBe(0);
  });

  it('leaves alone events younger than the cutoff and events answered in the HTTP response', async () => {
    const recent = textFrom('U-recent');
    const runner = echo();
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }) });
    await inboundEvents.recordFirstSight(`line:${recent.eventId}`, clock.now().toJSDate(), {
      event: JSON.stringify({ ...recent, receivedAt: recent.receivedAt.toISO() }),
      identityKey: `line:${recent.channelUserId}`,
      leaseHolder: 'a-killed-process',
    });
    const answeredInResponse = { ...textFrom('U-web'), channel: 'web' as const };
    await inboundEvents.recordFirstSight(`web:${answeredInResponse.eventId}`, clock.now().minus({ hours: 1 }).toJSDate());

    expect(await inbox.recoverUnhandled(clock.now().minus({ minutes: 10 }).toJSDate(), async () => undefined)).toBe(0);
    expect(runner.runs).toEqual([]);
  });
});

describe('flood control on a backlog', () => {
  // A turn held up (the database away) makes the person's later events wait, then run back to back:
  // they arrived a window apart, so none of them is a flood.
  it('counts events as they arrive, not as a delayed queue runs them', async () => {
    let limiterNow = 0;
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const ran: string[] = [];
    const runner = {
      async run(event: InboundEvent): Promise<OutboundMessage[]> {
        if (ran.length === 0) await firstHeld;
        ran.push((event as { text: string }).text);
        return [];
      },
      handle: (event: InboundEvent) => runner.run(event),
      apology: (): OutboundMessage[] => [],
    };
    const inbox = createInbox({
      runner,
      inboundEvents,
      clock,
      logger: pino({ level: 'silent' }),
      chatLimit: {
        limiter: createChatRateLimiter({ events: 1, windowMs: 1000, now: () => limiterNow }),
        slowDown: async () => [{ kind: 'text', text: 'slow down' }],
      },
    });
    const events = [textFrom('U-backlog'), textFrom('U-backlog'), textFrom('U-backlog')];
    for (const event of events) {
      await inbox.accept([event], async () => undefined);
      limiterNow += 1500;
    }
    releaseFirst();
    await inbox.drain();
    expect(ran).toEqual(events.map((event) => (event as { text: string }).text));
  });

  it('runs again a turn that never finishes (a database call never answered), and goes on with the person’s next events', async () => {
    let runs = 0;
    const runner = {
      async handle(event: InboundEvent): Promise<OutboundMessage[]> {
        runs += 1;
        // The first run waits forever, as a turn does on a command the driver never finishes.
        if (runs === 1) return new Promise<OutboundMessage[]>(() => undefined);
        return [{ kind: 'text', text: event.kind === 'text' ? event.text : '' }];
      },
      run: (event: InboundEvent) => runner.handle(event),
      apology: (): OutboundMessage[] => [{ kind: 'text', text: 'sorry' }],
    };
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }), maxConcurrentTurns: 1, turnDeadlineMs: 50 });
    const first = textFrom('U-stuck');
    const second = textFrom('U-stuck');
    const delivered: string[] = [];
    const deliver = async (_event: InboundEvent, messages: OutboundMessage[]) => {
      delivered.push(...messages.map((message) => (message.kind === 'text' ? message.text : '')));
    };

    await inbox.accept([first], deliver);
    await inbox.accept([second], deliver);
    await inbox.drain();

    expect(delivered).toEqual([(first as { text: string }).text, (second as { text: string }).text]);
    expect(runs).toBe(3);
  });

  it('answers a web chat turn that never finishes with the apology instead of holding the request', async () => {
    const runner = {
      handle: (): Promise<OutboundMessage[]> => new Promise<OutboundMessage[]>(() => undefined),
      run: (): Promise<OutboundMessage[]> => new Promise<OutboundMessage[]>(() => undefined),
      apology: (): OutboundMessage[] => [{ kind: 'text', text: 'sorry' }],
    };
    const inbox = createInbox({ runner, inboundEvents, clock, logger: pino({ level: 'silent' }), turnDeadlineMs: 50 });

    expect(await inbox.handleNow(textFrom('U-stuck-web'))).toEqual([{ kind: 'text', text: 'sorry' }]);
  });
});
