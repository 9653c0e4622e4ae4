/**
 * A value read rarely-changing from the database (tier rules, missions), kept for `ttlMs` so the
 * hot paths (every check-in, every award) do not read it each time. `clear()` after a change made
 * through the same repository shows it at once; other servers see it within `ttlMs`. Callers get a
 * copy, so nobody can change the cached value by accident.
 */
export function shortLivedCache<Value>(ttlMs: number, load: () => Promise<Value>) {
  let held: { value: Value; at: number } | undefined;
  return {
    async get(): Promise<Value> {
      if (held === undefined || Date.now() - held.at >= ttlMs) held = { value: await load(), at: Date.now() };
      return structuredClone(held.value);
    },
    clear(): void {
      held = undefined;
    },
  };
}
