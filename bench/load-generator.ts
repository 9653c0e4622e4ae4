import http from 'node:http';
import { activityEvents, activitySchedule, eventIdFactory, webhookRequest, type TrafficSetup } from './line-traffic';

/**
 * Open-loop LINE webhook load, in its own process so that sending does not share an event loop with the fake LINE
 * API that timestamps the replies. bench/webhook-bench.ts forks it and sends one `StepOrder` per load step; requests
 * go out on schedule whether or not earlier ones were answered, so a slow server shows as latency, not as a lower rate.
 */

export interface StepOrder {
  kind: 'step';
  url: string;
  secret: string;
  eventsPerSecond: number;
  durationMs: number;
  userIds: string[];
  setup: TrafficSetup;
  eventIdPrefix: string;
}

export interface StepReport {
  kind: 'stepDone';
  /** Reply token → when its request was written (ms, performance.timeOrigin + performance.now()). */
  sentAt: Record<string, number>;
  events: number;
  requests: number;
  /** Events sent per second over the step, as the generator achieved it. */
  achievedEventsPerSecond: number;
  /** How far the generator fell behind its own schedule at worst (ms): large values mean the generator was starved. */
  maxScheduleLagMs: number;
  statuses: Record<string, number>;
  /** Request → HTTP 200 (the webhook's acknowledgement), ms. */
  ackMs: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const tickMs = 2;

async function runStep(order: StepOrder): Promise<StepReport> {
  const target = new URL(order.url);
  const schedule = activitySchedule();
  const nextEventId = eventIdFactory(order.eventIdPrefix);
  const sentAt: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const ackMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let events = 0;
  let requests = 0;
  let maxScheduleLagMs = 0;
  const started = performance.now();
  const eventsDueBy = (elapsedMs: number) => Math.min(order.eventsPerSecond * (order.durationMs / 1000), (order.eventsPerSecond * elapsedMs) / 1000);
  const totalEvents = order.eventsPerSecond * (order.durationMs / 1000);

  while (events < totalEvents) {
    const elapsed = performance.now() - started;
    const due = eventsDueBy(elapsed);
    if (due - events >= 1) {
      maxScheduleLagMs = Math.max(maxScheduleLagMs, elapsed - (events / order.eventsPerSecond) * 1000);
    }
    while (events < due) {
      const activity = schedule[requests % schedule.length]!;
      const userId = order.userIds[requests % order.userIds.length]!;
      const batch = activityEvents(activity, nextEventId, userId, order.setup);
      const { body, signature } = webhookRequest(batch, order.secret);
      const writtenAt = performance.timeOrigin + performance.now();
      for (const event of batch) sentAt[event.replyToken] = writtenAt;
      events += batch.length;
      requests += 1;
      const request = post(target, body, signature).then(
        (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          ackMs.push(performance.timeOrigin + performance.now() - writtenAt);
        },
        (error: unknown) => {
          const key = `error: ${(error as { code?: string }).code ?? String(error)}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
        },
      );
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  const sendingMs = performance.now() - started;
  await Promise.race([Promise.all([...inFlight]), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  return {
    kind: 'stepDone',
    sentAt,
    events,
    requests,
    achievedEventsPerSecond: events / Math.max(sendingMs / 1000, order.durationMs / 1000),
    maxScheduleLagMs: Math.round(maxScheduleLagMs),
    statuses,
    ackMs,
  };
}

function post(target: URL, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-line-signature': signature },
        timeout: 10_000,
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.once('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.once('error', reject);
    request.end(body);
  });
}

process.on('message', (order: StepOrder) => {
  if (order.kind !== 'step') return;
  void runStep(order).then((report) => process.send!(report));
});
process.once('disconnect', () => process.exit(0));
