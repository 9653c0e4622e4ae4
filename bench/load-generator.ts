import { Pool } from 'undici';
import { activityEvents, activitySchedule, eventIdFactory, webhookRequest, type TrafficSetup } from './line-traffic';

/**
 * Open-loop LINE webhook load, in its own process so that sending does not share an event loop with the fake LINE
 * API that timestamps the replies. bench/webhook-bench.ts forks it and sends one `StepOrder` per load step; requests
 * go out on schedule whether or not earlier ones were answered, so a slow server shows as latency, not as a lower rate.
 */

export interface StepOrder {
  kind: 'step';
  /** The target's server processes: requests go round-robin over them, as a load balancer would send them. */
  urls: string[];
  secret: string;
  eventsPerSecond: number;
  durationMs: number;
  userIds: string[];
  setup: TrafficSetup;
  eventIdPrefix: string;
}

/** Sent when the step's requests are built and the first goes out: the step's clock starts here. */
export interface StepSending {
  kind: 'sending';
  /** ms, performance.timeOrigin + performance.now(). */
  startedAt: number;
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
  /** The generator's CPU time while sending and waiting for the answers (ms), not counting building the requests. */
  cpuMs: number;
}

const tickMs = 2;
const pools = new Map<string, Pool>();

interface PreparedRequest {
  body: string;
  signature: string;
  replyTokens: string[];
  events: number;
}

/**
 * The step's requests, built and signed before its clock starts: what LINE spends making them is not the server's
 * cost, and on a 2-core machine every millisecond the generator spends is one the servers under test do not get.
 * Event timestamps are the times the requests are due.
 */
function prepareRequests(order: StepOrder): PreparedRequest[] {
  const schedule = activitySchedule();
  const nextEventId = eventIdFactory(order.eventIdPrefix);
  const totalEvents = order.eventsPerSecond * (order.durationMs / 1000);
  const startsAt = Date.now();
  const prepared: PreparedRequest[] = [];
  for (let events = 0, requests = 0; events < totalEvents; requests += 1) {
    const activity = schedule[requests % schedule.length]!;
    const userId = order.userIds[requests % order.userIds.length]!;
    const batch = activityEvents(activity, nextEventId, userId, order.setup, startsAt + (events / order.eventsPerSecond) * 1000);
    const { body, signature } = webhookRequest(batch, order.secret);
    prepared.push({ body, signature, replyTokens: batch.map((event) => event.replyToken), events: batch.length });
    events += batch.length;
  }
  return prepared;
}

async function runStep(order: StepOrder): Promise<StepReport> {
  const targets = order.urls.map((url) => {
    const target = new URL(url);
    const pool = pools.get(target.origin) ?? new Pool(target.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
    pools.set(target.origin, pool);
    return { pool, path: target.pathname };
  });
  const prepared = prepareRequests(order);
  const sentAt: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const ackMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let events = 0;
  let requests = 0;
  let maxScheduleLagMs = 0;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  process.send!({ kind: 'sending', startedAt: performance.timeOrigin + started } satisfies StepSending);
  const eventsDueBy = (elapsedMs: number) => Math.min(order.eventsPerSecond * (order.durationMs / 1000), (order.eventsPerSecond * elapsedMs) / 1000);

  while (requests < prepared.length) {
    const elapsed = performance.now() - started;
    const due = eventsDueBy(elapsed);
    if (due - events >= 1) {
      maxScheduleLagMs = Math.max(maxScheduleLagMs, elapsed - (events / order.eventsPerSecond) * 1000);
    }
    while (events < due && requests < prepared.length) {
      const { body, signature, replyTokens, events: eventsInRequest } = prepared[requests]!;
      const writtenAt = performance.timeOrigin + performance.now();
      for (const replyToken of replyTokens) sentAt[replyToken] = writtenAt;
      events += eventsInRequest;
      requests += 1;
      const { pool, path } = targets[requests % targets.length]!;
      const request = post(pool, path, body, signature).then(
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
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    kind: 'stepDone',
    sentAt,
    events,
    requests,
    achievedEventsPerSecond: events / Math.max(sendingMs / 1000, order.durationMs / 1000),
    maxScheduleLagMs: Math.round(maxScheduleLagMs),
    statuses,
    ackMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

async function post(pool: Pool, path: string, body: string, signature: string): Promise<number> {
  const response = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', 'x-line-signature': signature },
    body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  await response.body.dump();
  return response.statusCode;
}

process.on('message', (order: StepOrder) => {
  if (order.kind !== 'step') return;
  void runStep(order).then((report) => process.send!(report));
});
process.once('disconnect', () => process.exit(0));
