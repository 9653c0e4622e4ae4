import { DateTime } from 'luxon';

/** The only place that reads the system time; everything else receives `now`. */
export interface Clock {
  now(): DateTime;
}

export const systemClock: Clock = { now: () => DateTime.now() };

export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let current = DateTime.fromISO(iso, { setZone: true });
  return {
    now: () => current,
    set: (next) => {
      current = DateTime.fromISO(next, { setZone: true });
    },
  };
}
