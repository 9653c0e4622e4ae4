/**
 * A value read rarely-changing from the database (tier rules, missions), kept for `ttlMs` so the
 * hot paths (every check-in, every award) do not read it each time. `clear()` after a change made
 * through the same repository shows it at once; other servers see it within `ttlMs`. Callers get a
 * copy, so nobody can change the cached value by accident.
 */
export function shortLivedCache<Value>(ttlMs: number, load: () => Promise<Value>) {
  let held: { value: Value; at: number } | undefined;
  // Bumped by clear(): a load that started before a change must not put the old value back.
  let generation = 0;
  return {
    async get(): Promise<Value> {
      if (held === undefined || Date.now() - held.at >= ttlMs) {
        const startedIn = generation;
        const value = await load();
        if (startedIn !== generation) return structuredClone(value);
        held = { value, at: Date.now() };
      }
      return structuredClone(held.value);
    },
    /** Call after the change is written: a read between clearing and writing would cache the old value again. */
    clear(): void {
      held = undefined;
      generation += 1;
    },
  };
}
