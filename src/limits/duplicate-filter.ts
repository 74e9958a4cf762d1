/**
 * Sends the same message once per window: a repeat (same key) while the first is in flight or
 * after it succeeded gets the first one's entry (its shared result and whatever else it carries).
 * A failed first is forgotten at once, so a retry after a failure is really attempted (a missing
 * OTP is worse than a duplicate one). In-process: with Redis, shared-duplicate-filter.ts catches
 * repeats on other instances too.
 */
export function createDuplicateFilter<E extends { result: Promise<unknown> }>(windowMs: number) {
  // Insertion order is arrival order, so expired entries are always at the front.
  const entries = new Map<string, { until: number; entry: E }>();

  function expire(t: number): void {
    for (const [key, held] of entries) {
      if (held.until > t) break;
      entries.delete(key);
    }
  }

  return {
    /** Runs `start` unless an unexpired entry exists for `key`; `duplicate` says which happened. */
    run(key: string, start: () => E): { entry: E; duplicate: boolean } {
      const t = Date.now();
      expire(t);
      const existing = entries.get(key);
      if (existing) return { entry: existing.entry, duplicate: true };
      const held = { until: t + windowMs, entry: start() };
      entries.set(key, held);
      held.entry.result.catch(() => {
        if (entries.get(key) === held) entries.delete(key);
      });
      return { entry: held.entry, duplicate: false };
    },
  };
}
