import pino from 'pino';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import type { InboundEventRepository } from '../../src/conversation/inbound-event-repository';
import { createInbox, type Deliver } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';
import { lineTextMessages } from '../support/builders';
import { openInboundEventDatabase, type TestDatabase } from '../support/mongo';

// Two inboxes on one database are two servers. Each test leaves every event it records handled,
// so that a later test's sweep (its clock twenty minutes on) finds nothing of it.

const startedAt = '2026-11-23T10:00:00+08:00';
const twentyMinutesOn = '2026-11-23T10:20:00+08:00';
const logger = pino({ level: 'silent' });
let connection: TestDatabase;
let inboundEvents: InboundEventRepository;

beforeAll(async () => {
  ({ connection, inboundEvents } = await openInboundEventDatabase());
});
afterAll(() => connection.dropAndClose());

const textFrom = lineTextMessages('lease', () => fixedClock(startedAt).now());

/** A runner that notes each turn as it starts and holds the turns of the events it was told to hold until they are let go. */
function holdingRunner() {
  const held = new Map<string, Promise<void>>();
  const runner = {
    started: [] as string[],
    hold(event: InboundEvent): () => void {
      let letGo: () => void = () => undefined;
      held.set(event.eventId, new Promise<void>((resolve) => (letGo = resolve)));
      return letGo;
    },
    async run(event: InboundEvent): Promise<OutboundMessage[]> {
      runner.started.push(event.eventId);
      await held.get(event.eventId);
      return [{ kind: 'text', text: `done ${event.eventId}` }];
    },
    handle: (event: InboundEvent) => runner.run(event),
    apology: (): OutboundMessage[] => [],
  };
  return runner;
}

/** Each server's deliveries, as `server:eventId`. */
function deliveries() {
  const delivered: string[] = [];
  return { delivered, by: (server: string): Deliver => async (event) => void delivered.push(`${server}:${event.eventId}`) };
}

/** Polls until the condition holds or two seconds pass; the assertions after it say what went wrong. */
async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!(await condition()) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

const keyOf = (event: InboundEvent) => `${event.channel}:${event.eventId}`;
const tenMinutesBefore = (clock: ReturnType<typeof fixedClock>) => clock.now().minus({ minutes: 10 }).toJSDate();

describe('an acknowledged event runs on one server at a time', () => {
  it('is not started by another server’s sweep while the server that acknowledged it keeps renewing its lease', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const firstServer = createInbox({ runner: first, inboundEvents, clock, logger, leaseRenewalMs: 20 });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger, leaseRenewalMs: 20 });
    const running = textFrom('U-lease-waiting');
    const waiting = textFrom('U-lease-waiting');
    const letGo = first.hold(running);

    await firstServer.accept([running, waiting], by('first'));
    await waitUntil(() => first.started.includes(running.eventId));
    // Twenty minutes in the first turn (a database outage, a long queue): both are past the sweep's cutoff.
    clock.set(twentyMinutesOn);
    await waitUntil(async () => (await inboundEvents.model.findById(keyOf(waiting)).lean())?.recoveryClaimedAt?.getTime() === clock.now().toMillis());
    const startedElsewhere = await secondServer.recoverUnhandled(tenMinutesBefore(clock), by('second'));
    letGo();
    await Promise.all([firstServer.drain(), secondServer.drain()]);

    expect(startedElsewhere).toBe(0);
    expect(second.started).toEqual([]);
    expect(first.started).toEqual([running.eventId, waiting.eventId]);
    expect(delivered).toEqual([`first:${running.eventId}`, `first:${waiting.eventId}`]);
  });

  it('is taken by another server’s sweep once its lease lapsed, and the first server then neither runs nor answers it', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    let databaseReachable = true;
    let renewalsWritten = 0;
    // The first server is cut off from the database: its renewals fail, and another server sees its leases lapse.
    const cutOffRepository: InboundEventRepository = {
      ...inboundEvents,
      async renewLeases(...args) {
        if (!databaseReachable) throw new Error('connection to the database lost');
        const lost = await inboundEvents.renewLeases(...args);
        renewalsWritten += 1;
        return lost;
      },
    };
    const firstServer = createInbox({ runner: first, inboundEvents: cutOffRepository, clock, logger, leaseRenewalMs: 20 });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger, leaseRenewalMs: 20 });
    const running = textFrom('U-lease-lapsed');
    const queued = textFrom('U-lease-lapsed');
    const letGo = first.hold(running);

    await firstServer.accept([running, queued], by('first'));
    await waitUntil(() => first.started.includes(running.eventId));
    databaseReachable = false;
    clock.set(twentyMinutesOn);
    const startedElsewhere = await secondServer.recoverUnhandled(tenMinutesBefore(clock), by('second'));
    await secondServer.drain();
    // Back in touch: the next renewal learns that both events went to the other server.
    const renewalsBefore = renewalsWritten;
    databaseReachable = true;
    await waitUntil(() => renewalsWritten > renewalsBefore);
    letGo();
    await firstServer.drain();

    expect(startedElsewhere).toBe(2);
    // Both were received at the same instant: the sweep may take them in either order.
    expect([...second.started].sort()).toEqual([running.eventId, queued.eventId].sort());
    // The turn that had started before the loss was known finishes, but its reply is left to the other server.
    expect(first.started).toEqual([running.eventId]);
    expect([...delivered].sort()).toEqual([`second:${running.eventId}`, `second:${queued.eventId}`].sort());
  });

  it('does not run a redelivered event while another server is running it', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const firstServer = createInbox({ runner: first, inboundEvents, clock, logger });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger });
    const event = textFrom('U-lease-redelivered');
    const letGo = first.hold(event);

    await firstServer.accept([event], by('first'));
    await waitUntil(() => first.started.includes(event.eventId));
    const redelivery = await secondServer.accept([event], by('second'));
    letGo();
    await Promise.all([firstServer.drain(), secondServer.drain()]);

    expect(redelivery).toEqual({ accepted: 0, duplicates: 1 });
    expect(second.started).toEqual([]);
    expect(first.started).toEqual([event.eventId]);
    expect(delivered).toEqual([`first:${event.eventId}`]);
  });

  it('runs at once, on another server, the events of a batch recorded before the first server answered 5xx', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const recorded = textFrom('U-lease-5xx');
    const refused = textFrom('U-lease-5xx');
    const refusingRepository: InboundEventRepository = {
      ...inboundEvents,
      recordFirstSight: (eventKey, ...rest) =>
        eventKey === keyOf(refused) ? Promise.reject(new Error('write refused')) : inboundEvents.recordFirstSight(eventKey, ...rest),
    };
    const firstServer = createInbox({ runner: first, inboundEvents: refusingRepository, clock, logger });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger });

    await expect(firstServer.accept([recorded, refused], by('first'))).rejects.toThrow('write refused');
    await firstServer.drain();
    const redelivery = await secondServer.accept([recorded, refused], by('second'));
    await Promise.all([firstServer.drain(), secondServer.drain()]);

    expect(redelivery).toEqual({ accepted: 2, duplicates: 0 });
    expect(first.started).toEqual([]);
    expect(second.started).toEqual([recorded.eventId, refused.eventId]);
    expect(delivered).toEqual([`second:${recorded.eventId}`, `second:${refused.eventId}`]);
  });
});
