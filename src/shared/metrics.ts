import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
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
