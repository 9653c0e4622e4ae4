import pino from 'pino';
import type { InboundEvent, OutboundMessage } from '../../src/channels/channel';
import type { InboundEventRepository } from '../../src/conversation/inbound-event-repository';
import { createInbox, type Deliver } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';
import { lineTextMessages } from '../support/builders';
import { captureLogs } from '../support/log-capture';
import { startChildServer } from '../support/child-server';
import { openInboundEventDatabase, openTestDatabase, testMongoUri, uriWithDatabase, type TestDatabase } from '../support/mongo';

// Two inboxes on one database are two servers. Each test leaves every event it records handled,
// so that a later test's sweep (its clock twenty minutes on) finds nothing of it.

const startedAt = '2026-11-23T10:00:00+08:00';
// Past half the default ten-minute lease, short of all of it.
const sixMinutesOn = '2026-11-23T10:06:00+08:00';
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

/** The messages an inbox logged at warn and above. */
function warnings() {
  const logs = captureLogs();
  return {
    get messages() {
      return logs.entries.map((entry) => entry.msg);
    },
    logger: pino({ level: 'warn' }, logs.stream),
  };
}

/** The repository, counting the leases confirmed through it before a reply. */
function countingConfirmations(repository: InboundEventRepository) {
  const counted = {
    confirmations: 0,
    repository: {
      ...repository,
      confirmLease(...args) {
        counted.confirmations += 1;
        return repository.confirmLease(...args);
      },
    } satisfies InboundEventRepository,
  };
  return counted;
}

const keyOf = (event: InboundEvent) => `${event.channel}:${event.eventId}`;
const tenMinutesBefore = (clock: ReturnType<typeof fixedClock>) => clock.now().minus({ minutes: 10 }).toJSDate();
const leaseRenewedAt = async (event: InboundEvent) => (await inboundEvents.model.findById(keyOf(event)).lean())?.recoveryClaimedAt?.getTime();

/**
 * One server, renewing its leases every `leaseRenewalMs` through `repository`, running one event whose turn is held
 * until `finish` lets it go and waits for the reply.
 */
async function heldTurn(repository: InboundEventRepository, person: string, leaseRenewalMs = 20) {
  const clock = fixedClock(startedAt);
  const runner = holdingRunner();
  const { delivered, by } = deliveries();
  const server = createInbox({ runner, inboundEvents: repository, clock, logger, leaseRenewalMs });
  const event = textFrom(person);
  const letGo = runner.hold(event);
  await server.accept([event], by('first'));
  await waitUntil(() => runner.started.includes(event.eventId));
  return {
    clock,
    event,
    delivered,
    async finish() {
      letGo();
      await server.drain();
    },
  };
}

/** The repository of a server whose renewals fail (cut off from the database, or refused). */
const unrenewable = (): InboundEventRepository => ({ ...inboundEvents, renewLeases: () => Promise.reject(new Error('connection to the database lost')) });

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
    await waitUntil(async () => (await leaseRenewedAt(waiting)) === clock.now().toMillis());
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

  it('runs at once, on another server, the events of a batch recorded before the first server answered 5xx, written or not', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const recorded = textFrom('U-lease-5xx');
    const answerLost = textFrom('U-lease-5xx');
    const refused = textFrom('U-lease-5xx');
    const failingRepository: InboundEventRepository = {
      ...inboundEvents,
      async recordFirstSight(eventKey, ...rest) {
        if (eventKey === keyOf(refused)) throw new Error('write refused');
        const isNew = await inboundEvents.recordFirstSight(eventKey, ...rest);
        // Written all the same: the connection closed before the answer came back.
        if (eventKey === keyOf(answerLost)) throw new Error('connection closed');
        return isNew;
      },
    };
    const firstServer = createInbox({ runner: first, inboundEvents: failingRepository, clock, logger });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger });
    const batch = [recorded, answerLost, refused];

    await expect(firstServer.accept(batch, by('first'))).rejects.toThrow('connection closed');
    await firstServer.drain();
    const redelivery = await secondServer.accept(batch, by('second'));
    await Promise.all([firstServer.drain(), secondServer.drain()]);

    expect(redelivery).toEqual({ accepted: 3, duplicates: 0 });
    expect(first.started).toEqual([]);
    expect(second.started).toEqual(batch.map((event) => event.eventId));
    expect(delivered).toEqual(batch.map((event) => `second:${event.eventId}`));
  });
});

describe('a failed batch gives back its leases', () => {
  it('does not give back the lease of an event another server is running, when taking it failed', async () => {
    const clock = fixedClock(startedAt);
    const [first, second, third] = [holdingRunner(), holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const event = textFrom('U-lease-not-ours');
    const refusing: InboundEventRepository = { ...inboundEvents, takeLease: () => Promise.reject(new Error('write refused')) };
    const firstServer = createInbox({ runner: first, inboundEvents, clock, logger });
    const secondServer = createInbox({ runner: second, inboundEvents: refusing, clock, logger });
    const thirdServer = createInbox({ runner: third, inboundEvents, clock, logger });
    const letGo = first.hold(event);

    await firstServer.accept([event], by('first'));
    await waitUntil(() => first.started.includes(event.eventId));
    await expect(secondServer.accept([event], by('second'))).rejects.toThrow('write refused');
    await secondServer.drain();
    const redelivery = await thirdServer.accept([event], by('third'));
    letGo();
    await Promise.all([firstServer.drain(), thirdServer.drain()]);

    expect(redelivery).toEqual({ accepted: 0, duplicates: 1 });
    expect([...second.started, ...third.started]).toEqual([]);
    expect(delivered).toEqual([`first:${event.eventId}`]);
  });

  it('runs a redelivery that reaches the same server while it is still giving the leases back', async () => {
    const clock = fixedClock(startedAt);
    const runner = holdingRunner();
    const { delivered, by } = deliveries();
    const recorded = textFrom('U-lease-same-server');
    const refused = textFrom('U-lease-same-server');
    let refusalsLeft = 1;
    let finishGivingBack: () => void = () => undefined;
    const givingBackSlowly = new Promise<void>((resolve) => (finishGivingBack = resolve));
    const repository: InboundEventRepository = {
      ...inboundEvents,
      recordFirstSight: (eventKey, ...rest) =>
        eventKey === keyOf(refused) && refusalsLeft-- > 0 ? Promise.reject(new Error('write refused')) : inboundEvents.recordFirstSight(eventKey, ...rest),
      async giveBackLeases(...args) {
        await givingBackSlowly;
        return inboundEvents.giveBackLeases(...args);
      },
    };
    const server = createInbox({ runner, inboundEvents: repository, clock, logger });
    const letGo = runner.hold(recorded);

    await expect(server.accept([recorded, refused], by('first'))).rejects.toThrow('write refused');
    const redelivery = server.accept([recorded, refused], by('first'));
    finishGivingBack();
    const redelivered = await redelivery;
    await waitUntil(() => runner.started.includes(recorded.eventId));
    // Given back before the redelivery took it, not stripped from the running turn after.
    const leaseWhileRunning = (await inboundEvents.model.findById(keyOf(recorded)).lean())?.claimedBy;
    letGo();
    await server.drain();

    expect(redelivered).toEqual({ accepted: 2, duplicates: 0 });
    expect(leaseWhileRunning).toEqual(expect.any(String));
    expect(runner.started).toEqual([recorded.eventId, refused.eventId]);
    expect(delivered).toEqual([`first:${recorded.eventId}`, `first:${refused.eventId}`]);
  });
});

describe('a reply goes out only under a lease confirmed within half its length', () => {
  it('does not answer an event it could not renew the lease of, once another server took it', async () => {
    const clock = fixedClock(startedAt);
    const [first, second] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const log = warnings();
    const firstServer = createInbox({ runner: first, inboundEvents: unrenewable(), clock, logger: log.logger, leaseRenewalMs: 20 });
    const secondServer = createInbox({ runner: second, inboundEvents, clock, logger, leaseRenewalMs: 20 });
    const event = textFrom('U-lease-unconfirmed');
    const letGo = first.hold(event);

    await firstServer.accept([event], by('first'));
    await waitUntil(() => first.started.includes(event.eventId));
    clock.set(twentyMinutesOn);
    const startedElsewhere = await secondServer.recoverUnhandled(tenMinutesBefore(clock), by('second'));
    await secondServer.drain();
    letGo();
    await firstServer.drain();

    expect(startedElsewhere).toBe(1);
    expect(delivered).toEqual([`second:${event.eventId}`]);
    expect(log.messages).toContain('another server took the event while its turn ran: the reply is left to that server');
  });

  it('confirms, and extends, a lease it could not renew before answering when no other server took it', async () => {
    const counted = countingConfirmations(unrenewable());
    const { clock, event, delivered, finish } = await heldTurn(counted.repository, 'U-lease-confirmed');

    clock.set(sixMinutesOn);
    await finish();

    expect(counted.confirmations).toBe(1);
    expect(delivered).toEqual([`first:${event.eventId}`]);
    expect(await leaseRenewedAt(event)).toBe(clock.now().toMillis());
  });

  it('does not confirm a lease its renewals keep fresh', async () => {
    const renewedAt: number[] = [];
    const counted = countingConfirmations({
      ...inboundEvents,
      async renewLeases(eventKeys, leaseHolder, now, maxTimeMS) {
        const lost = await inboundEvents.renewLeases(eventKeys, leaseHolder, now, maxTimeMS);
        renewedAt.push(now.getTime());
        return lost;
      },
    });
    // The renewal interval is also how long a renewal is waited for: long enough that a loaded machine's round trip
    // still counts as confirming the lease.
    const { clock, event, delivered, finish } = await heldTurn(counted.repository, 'U-lease-fresh', 250);

    clock.set(twentyMinutesOn);
    await waitUntil(() => renewedAt.includes(clock.now().toMillis()));
    await finish();

    expect(counted.confirmations).toBe(0);
    expect(delivered).toEqual([`first:${event.eventId}`]);
  });
});

describe('a renewal the database does not answer', () => {
  it('does not stop the next renewals', async () => {
    let renewals = 0;
    const { clock, event, delivered, finish } = await heldTurn(
      { ...inboundEvents, renewLeases: (...args) => (++renewals === 1 ? new Promise<string[]>(() => undefined) : inboundEvents.renewLeases(...args)) },
      'U-lease-hung',
    );

    await waitUntil(() => renewals === 1);
    clock.set(sixMinutesOn);
    await waitUntil(async () => (await leaseRenewedAt(event)) === clock.now().toMillis());
    await finish();

    expect(await leaseRenewedAt(event)).toBe(clock.now().toMillis());
    expect(delivered).toEqual([`first:${event.eventId}`]);
  });

  it('in time does not confirm the lease, though it answers later', async () => {
    let lateAnswers = 0;
    const counted = countingConfirmations({
      ...inboundEvents,
      async renewLeases(...args) {
        const lost = await inboundEvents.renewLeases(...args);
        await new Promise((resolve) => setTimeout(resolve, 100));
        lateAnswers += 1;
        return lost;
      },
    });
    const { clock, event, delivered, finish } = await heldTurn(counted.repository, 'U-lease-late');

    clock.set(sixMinutesOn);
    await waitUntil(async () => (await leaseRenewedAt(event)) === clock.now().toMillis());
    const answersBefore = lateAnswers;
    await waitUntil(() => lateAnswers > answersBefore);
    await finish();

    expect(lateAnswers).toBeGreaterThan(answersBefore);
    expect(counted.confirmations).toBe(1);
    expect(delivered).toEqual([`first:${event.eventId}`]);
  });
});

describe('the recovery sweep', () => {
  it('goes on with the other events when it cannot mark an unreadable kept event handled', async () => {
    const clock = fixedClock(startedAt);
    const [killed, sweeper] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const log = warnings();
    const unreadableKey = `line:lease-unreadable-${Date.now()}`;
    const markingRefused: InboundEventRepository = {
      ...inboundEvents,
      markHandled: (eventKey, now) => (eventKey === unreadableKey ? Promise.reject(new Error('write refused')) : inboundEvents.markHandled(eventKey, now)),
    };
    const killedServer = createInbox({ runner: killed, inboundEvents, clock, logger });
    const sweepingServer = createInbox({ runner: sweeper, inboundEvents: markingRefused, clock, logger: log.logger });
    // Older than the readable event, so the sweep comes to it first; its server is gone.
    const oneMinuteBefore = clock.now().minus({ minutes: 1 }).toJSDate();
    await inboundEvents.recordFirstSight(unreadableKey, oneMinuteBefore, {
      event: '{"kind":"text","text":"cut off mid-wr',
      identityKey: 'line:U-lease-unreadable',
      leaseHolder: 'a server since stopped',
    });
    const readable = textFrom('U-lease-readable');
    // As good as killed before its turn ended: its renewals come once a minute, so none comes in this test.
    const letGo = killed.hold(readable);
    await killedServer.accept([readable], by('killed'));

    clock.set(twentyMinutesOn);
    const started = await sweepingServer.recoverUnhandled(tenMinutesBefore(clock), by('sweeper'));
    await sweepingServer.drain();
    letGo();
    await killedServer.drain();
    await inboundEvents.markHandled(unreadableKey, clock.now().toJSDate());

    expect(started).toBe(1);
    expect(sweeper.started).toEqual([readable.eventId]);
    expect(delivered).toEqual([`sweeper:${readable.eventId}`]);
    expect(log.messages).toContain('a kept event could not be read back, nor marked handled: the next sweep tries again');
  });


  /**
   * Two events a killed server acknowledged, the first recorded a minute before the second so that a sweep comes to
   * it first, and a sweeping server whose repository refuses the first lease it is asked for with `refusal`.
   */
  async function sweepAfterAKill(refusal: Error) {
    const clock = fixedClock(startedAt);
    const [killed, sweeper] = [holdingRunner(), holdingRunner()];
    const { delivered, by } = deliveries();
    const log = warnings();
    let leasesAsked = 0;
    const firstLeaseRefused: InboundEventRepository = {
      ...inboundEvents,
      takeLease: (...args) => (++leasesAsked === 1 ? Promise.reject(refusal) : inboundEvents.takeLease(...args)),
    };
    const killedServer = createInbox({ runner: killed, inboundEvents, clock, logger });
    const sweepingServer = createInbox({ runner: sweeper, inboundEvents: firstLeaseRefused, clock, logger: log.logger });
    const [first, second] = [textFrom('U-lease-swept-first'), textFrom('U-lease-swept-second')];
    // As good as killed before their turns ended: its renewals come once a minute, so none comes in these tests.
    const letGo = [killed.hold(first), killed.hold(second)];
    clock.set('2026-11-23T09:59:00+08:00');
    await killedServer.accept([first], by('killed'));
    clock.set(startedAt);
    await killedServer.accept([second], by('killed'));
    clock.set(twentyMinutesOn);

    return {
      first,
      second,
      sweeper,
      delivered,
      warnings: log,
      /** One sweep run to its end: the events it started, and how it ended. */
      async sweep() {
        const startedBefore = sweeper.started.length;
        const outcome = await sweepingServer.recoverUnhandled(tenMinutesBefore(clock), by('sweeper')).catch((error: Error) => error.message);
        await sweepingServer.drain();
        return { outcome, started: sweeper.started.slice(startedBefore) };
      },
      async finish() {
        for (const release of letGo) release();
        await killedServer.drain();
      },
    };
  }

  it('goes on with the other events when it cannot take one’s lease, fails the run, and takes that event in a later sweep', async () => {
    const { first, second, delivered, warnings, sweep, finish } = await sweepAfterAKill(new Error('write refused'));

    const firstSweep = await sweep();
    const laterSweep = await sweep();
    await finish();

    expect(firstSweep.started).toEqual([second.eventId]);
    expect(firstSweep.outcome).toBe('the recovery sweep could not take 1 of the acknowledged events (it started 1): a later sweep tries them again');
    expect(warnings.messages).toContain('could not take the lease of an acknowledged event whose turn never finished: a later sweep tries again');
    expect(laterSweep).toEqual({ outcome: 1, started: [first.eventId] });
    expect(delivered).toEqual([`sweeper:${second.eventId}`, `sweeper:${first.eventId}`]);
  });

  it('stops at the first event when the database is unreachable, and a later sweep takes them all', async () => {
    const unreachable = Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
    const { first, second, delivered, sweep, finish } = await sweepAfterAKill(unreachable);

    const firstSweep = await sweep();
    const laterSweep = await sweep();
    await finish();

    expect(firstSweep).toEqual({
      outcome: 'the recovery sweep could not take 1 of the acknowledged events (it started 0): a later sweep tries them again',
      started: [],
    });
    expect(laterSweep).toEqual({ outcome: 2, started: [first.eventId, second.eventId] });
    expect([...delivered].sort()).toEqual([`sweeper:${first.eventId}`, `sweeper:${second.eventId}`].sort());
  });
});

describe('at startup', () => {
  it('warns once when the lease is shorter than a turn may take', async () => {
    const database = await openTestDatabase();
    let output: string;
    try {
      const server = await startChildServer({
        MONGODB_URI: uriWithDatabase(testMongoUri(), database.name),
        RECOVER_UNHANDLED_AFTER_SECONDS: '120',
        DEMO_DATA: 'false',
      });
      output = server.recentOutput();
      await server.kill();
    } finally {
      await database.dropAndClose();
    }

    const leaseWarnings = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40 && entry.msg.includes('RECOVER_UNHANDLED_AFTER_SECONDS'));
    expect(leaseWarnings).toHaveLength(1);
  });
});
