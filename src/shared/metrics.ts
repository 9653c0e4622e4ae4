import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { groupCommitStatistics } from './group-commit';

/** A counter whose values are totals kept elsewhere, read at each scrape. */
function countedElsewhere(registry: Registry, name: string, help: string, read: () => Iterable<[string, number]>) {
  return new Counter({
    name,
    help,
    labelNames: ['call'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [call, total] of read()) this.inc({ call }, total);
    },
  });
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const groupedCalls = () => [...groupCommitStatistics()];
  return {
    registry,
    groupedRoundTrips: countedElsewhere(
      registry,
      'loyalty_db_grouped_round_trips_total',
      'Round trips of the database calls every turn makes, which the turns in flight share',
      () => groupedCalls().map(([call, statistics]) => [call, statistics.roundTrips]),
    ),
    groupedCalls: countedElsewhere(
      registry,
      'loyalty_db_grouped_calls_total',
      'Calls those round trips carried (divided by the round trips: how many turns shared one)',
      () => groupedCalls().map(([call, statistics]) => [call, statistics.calls]),
    ),
    events: new Counter({
      name: 'loyalty_events_total',
      help: 'Chat events handled, by channel and kind',
      labelNames: ['channel', 'kind'] as const,
      registers: [registry],
    }),
    turnSeconds: new Histogram({
      name: 'loyalty_turn_duration_seconds',
      help: 'Time from a handled event to its replies being ready',
      labelNames: ['channel'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
