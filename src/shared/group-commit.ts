import { answeredWithin } from './answered-within';

/**
 * Group commit for a call every turn makes: calls that arrive while one is under way wait, and go to the
 * database together in the next one. A call on its own is sent at once (no timer, so no added latency at a
 * trickle); under a burst, the turns in flight share one round trip, and round trips are what the webhook's CPU
 * per event is made of (docs/benchmark.md).
 *
 * `write` gets the waiting items in call order and answers one outcome per item, by position: a value
 * resolves that caller, an Error rejects only that caller. If `write` throws, every caller in the batch
 * is rejected with that error, as each would have been by a call of its own.
 *
 * A round trip that has not answered after `giveUpAfterMs` rejects its callers, and the next batch goes: the
 * driver was seen to leave a command sent just as the database came back waiting for an answer forever (no
 * socket timeout is set, as some commands rightly run long), and one such call must not hold every later call of
 * its kind. The call may still land afterwards, as one whose connection broke after sending may have: every
 * caller already treats an error that way (a redelivery, the ledger's recovery, a logged and tolerated mark).
 */
export function groupCommit<Item, Outcome>(
  write: (items: Item[]) => Promise<(Outcome | Error)[]>,
  options: { name: string; maxBatch?: number; giveUpAfterMs?: number },
): (item: Item) => Promise<Outcome> {
  type Waiter = { item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void };
  const maxBatch = options.maxBatch ?? 500;
  const giveUpAfterMs = options.giveUpAfterMs ?? 30_000;
  const statistics = statisticsOf(options.name);
  let waiting: Waiter[] = [];
  let busy = false;

  async function writeWhileWaiting(): Promise<void> {
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, maxBatch);
        waiting = waiting.slice(batch.length);
        statistics.roundTrips += 1;
        statistics.calls += batch.length;
        try {
          const outcomes = await answeredWithin(giveUpAfterMs, write(batch.map((waiter) => waiter.item)), `The database, for the grouped call ${options.name},`);
          if (outcomes.length !== batch.length) throw new Error(`A grouped call answered ${outcomes.length} outcomes for ${batch.length} items`);
          batch.forEach((waiter, index) => {
            const outcome = outcomes[index];
            if (outcome instanceof Error) waiter.reject(outcome);
            else waiter.resolve(outcome as Outcome);
          });
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      busy = false;
    }
  }

  return (item) =>
    new Promise<Outcome>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      // A microtask, not at once: the calls one request makes together (a LINE batch's events) share the first write.
      // Not setImmediate either, though it would group more: with it, the database-outage test under load met the
      // never-answered command above in one run in five (docs/benchmark.md, sixth round).
      queueMicrotask(() => void writeWhileWaiting());
    });
}

export interface GroupCommitStatistics {
  roundTrips: number;
  /** The calls those round trips carried: `calls / roundTrips` is how many shared one. */
  calls: number;
}

const statisticsByName = new Map<string, GroupCommitStatistics>();

function statisticsOf(name: string): GroupCommitStatistics {
  let statistics = statisticsByName.get(name);
  if (statistics === undefined) {
    statistics = { roundTrips: 0, calls: 0 };
    statisticsByName.set(name, statistics);
  }
  return statistics;
}

/** Totals per grouped call since the process started (every repository instance with the name adds to them), for /metrics. */
export function groupCommitStatistics(): ReadonlyMap<string, Readonly<GroupCommitStatistics>> {
  return statisticsByName;
}
