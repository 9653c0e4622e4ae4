/**
 * Group commit for a write every turn makes: calls that arrive while one write is under way wait, and go
 * to the database together in the next one. A call on its own is written at once (no timer, so no added
 * latency at a trickle); under a burst, dozens of turns share one round trip, and round trips are what
 * the webhook's CPU per event is made of (docs/benchmark.md).
 *
 * `write` gets the waiting items in call order and answers one outcome per item, by position: a value
 * resolves that caller, an Error rejects only that caller. If `write` throws, every caller in the batch
 * is rejected with that error, as each would have been by a write of its own.
 */
export function groupCommit<Item, Outcome>(
  write: (items: Item[]) => Promise<(Outcome | Error)[]>,
  maxBatch = 500,
): (item: Item) => Promise<Outcome> {
  type Waiter = { item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void };
  let waiting: Waiter[] = [];
  let busy = false;

  async function writeWhileWaiting(): Promise<void> {
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, maxBatch);
        waiting = waiting.slice(batch.length);
        try {
          const outcomes = await write(batch.map((waiter) => waiter.item));
          if (outcomes.length !== batch.length) throw new Error(`A grouped write answered ${outcomes.length} outcomes for ${batch.length} items`);
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
      queueMicrotask(() => void writeWhileWaiting());
    });
}
