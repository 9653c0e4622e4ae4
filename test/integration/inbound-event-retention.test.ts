import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../../src/channels/channel';
import type { InboundEventRepository } from '../../src/conversation/inbound-event-repository';
import { createInbox, type Deliver } from '../../src/conversation/inbox';
import { fixedClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { lineTextMessages } from '../support/builders';
import { captureLogs } from '../support/log-capture';
import { openInboundEventDatabase, type TestDatabase } from '../support/mongo';
import { startTestPlatform, type TestPlatform } from '../support/platform';

// How long the message text of an acknowledged event can outlive its turn (docs/privacy.md).

const startedAt = '2026-11-23T10:00:00+08:00';

function memoryLogger() {
  const log = captureLogs();
  return { lines: log.entries, logger: createLogger('warn', false, log.stream) };
}

const textFrom = lineTextMessages('retention', () => fixedClock(startedAt).now());

const keyOf = (event: InboundEvent) => `${event.channel}:${event.eventId}`;
const stored = (event: InboundEvent) => JSON.stringify({ ...event, receivedAt: event.receivedAt.toISO() });

describe('inbound-event-pruning', () => {
  let platform: TestPlatform;
  const log = memoryLogger();
  beforeAll(async () => {
    platform = await startTestPlatform({}, startedAt, log.logger);
  });
  afterAll(() => platform.close());

  /** Recorded as a killed server leaves a kept event: content and lease, its turn never finished. */
  async function acknowledgedAt(event: InboundEvent): Promise<string> {
    const { inboundEvents } = platform.repositories;
    await inboundEvents.recordFirstSight(keyOf(event), event.receivedAt.toJSDate(), {
      event: stored(event),
      identityKey: identityKeyOf(event),
      leaseHolder: 'a-killed-server',
    });
    return keyOf(event);
  }

  it('deletes acknowledged events never handled in a week, content and all, keeps younger ones and warns how many', async () => {
    const now = platform.clock.now();
    const { inboundEvents } = platform.repositories;
    const neverRun = await acknowledgedAt(textFrom('U-prune-stale', { at: now.minus({ days: 8 }) }));
    const stillRecent = await acknowledgedAt(textFrom('U-prune-recent', { at: now.minus({ days: 6 }) }));
    const handledLongAgo = await acknowledgedAt(textFrom('U-prune-handled', { at: now.minus({ days: 8 }) }));
    await inboundEvents.markHandled(handledLongAgo, now.minus({ days: 8 }).toJSDate());

    expect(await platform.jobs.pruneInboundEvents()).toEqual({ handled: 1, neverHandled: 1 });

    expect(await inboundEvents.model.findById(neverRun).lean()).toBeNull();
    expect(await inboundEvents.model.findById(handledLongAgo).lean()).toBeNull();
    expect(await inboundEvents.model.findById(stillRecent).lean()).toMatchObject({ event: expect.stringContaining('message'), identityKey: 'line:U-prune-recent' });
    expect(log.lines.filter((line) => line.msg === 'deleted acknowledged events whose turns never ran')).toEqual([
      expect.objectContaining({ level: 40, neverHandled: 1, days: 7 }),
    ]);
  });
});

describe('the recovery sweep and the erasure of kept events', () => {
  let connection: TestDatabase;
  let inboundEvents: InboundEventRepository;
  beforeAll(async () => {
    ({ connection, inboundEvents } = await openInboundEventDatabase());
  });
  afterAll(() => connection.dropAndClose());

  const echo = {
    run: async (event: InboundEvent): Promise<OutboundMessage[]> => [{ kind: 'text', text: `done ${event.eventId}` }],
    handle: async (event: InboundEvent): Promise<OutboundMessage[]> => [{ kind: 'text', text: `done ${event.eventId}` }],
    apology: (): OutboundMessage[] => [],
  };

  it('marks handled at once a kept event it cannot read back, so that no later sweep offers it again', async () => {
    const clock = fixedClock(startedAt);
    const log = memoryLogger();
    const inbox = createInbox({ runner: echo, inboundEvents, clock, logger: log.logger });
    const eventKey = `line:retention-unreadable-${Date.now()}`;
    // Cut off mid-write by an earlier version, or edited by hand: no server can run it.
    await inboundEvents.model.collection.insertOne({
      _id: eventKey as never,
      receivedAt: clock.now().minus({ minutes: 20 }).toJSDate(),
      handledAt: null,
      event: '{"kind":"text","text":"Is the oolong',
      identityKey: 'line:U-unreadable',
    });
    const delivered: string[] = [];
    const deliver: Deliver = async (event) => void delivered.push(event.eventId);
    const cutoff = clock.now().minus({ minutes: 10 }).toJSDate();

    expect(await inbox.recoverUnhandled(cutoff, deliver)).toBe(0);
    clock.set('2026-11-23T10:01:00+08:00');
    expect(await inbox.recoverUnhandled(cutoff, deliver)).toBe(0);
    await inbox.drain();

    const row = await inboundEvents.model.findById(eventKey).lean();
    expect(row!.handledAt).toEqual(fixedClock(startedAt).now().toJSDate());
    expect(row).not.toHaveProperty('event');
    expect(row).not.toHaveProperty('identityKey');
    expect(await inboundEvents.unhandledBefore(clock.now().toJSDate(), clock.now().toJSDate(), 500)).toEqual([]);
    expect(log.lines.filter((line) => line.eventKey === eventKey).map((line) => line.msg)).toEqual([
      'a kept event could not be read back: it is marked handled and never run',
    ]);
    expect(delivered).toEqual([]);
  });

  it('still answers the turn that erased its own person, though the erasure marked its event handled while it ran', async () => {
    const clock = fixedClock(startedAt);
    let renewals = 0;
    const counting: InboundEventRepository = {
      ...inboundEvents,
      async renewLeases(...args) {
        const lost = await inboundEvents.renewLeases(...args);
        renewals += 1;
        return lost;
      },
    };
    // "Delete my data", confirmed: the erasure runs inside the turn, and a lease renewal comes before the reply goes out.
    const erasingRunner = {
      ...echo,
      async run(event: InboundEvent): Promise<OutboundMessage[]> {
        await inboundEvents.forgetEventsOf([identityKeyOf(event)], clock.now().toJSDate());
        const renewalsBefore = renewals;
        const deadline = performance.now() + 2000;
        while (renewals < renewalsBefore + 2 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        return [{ kind: 'text', text: 'Your membership and personal data are deleted.' }];
      },
    };
    const inbox = createInbox({ runner: erasingRunner, inboundEvents: counting, clock, logger: memoryLogger().logger, leaseRenewalMs: 20 });
    const confirmation = textFrom('U-erasing-itself');
    const delivered: string[] = [];

    await inbox.accept([confirmation], async (event, messages) => void delivered.push(`${event.eventId}: ${messages.map((message) => (message.kind === 'text' ? message.text : '')).join()}`));
    await inbox.drain();

    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(delivered).toEqual([`${confirmation.eventId}: Your membership and personal data are deleted.`]);
    const row = await inboundEvents.model.findById(keyOf(confirmation)).lean();
    expect(row!.handledAt).not.toBeNull();
    expect(row).not.toHaveProperty('event');
    expect(row).not.toHaveProperty('identityKey');
  });
});
