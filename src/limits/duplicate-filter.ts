/**
 * Sends the same message once per window: a repeat (same key) while the first is in flight or
 * after it succeeded shares the first one's result. A failed first is forgotten at once, so a
 * retry after a failure is really attempted (a missing OTP is worse than a duplicate one).
 * In-process: repeats reaching another gateway instance are not caught.
 */
export function createDuplicateFilter<T>(windowMs: number) {
  // Insertion order is arrival order, so expired entries are always at the front.
  const entries = new Map<string, { until: number; result: Promise<T> }>();

  function expire(t: number): void {
    for (const [key, entry] of entries) {
      if (entry.until > t) break;
      entries.delete(key);
    }
  }

  return {
    /** Runs `start` unless an unexpired entry exists for `key`; `duplicate` says which happened. */
    run(key: string, start: () => Promise<T>): { result: Promise<T>; duplicate: boolean } {
      const t = Date.now();
      expire(t);
      const existing = entries.get(key);
      if (existing) return { result: existing.result, duplicate: true };
      const entry = { until: t + windowMs, result: start() };
      entries.set(key, entry);
      entry.result.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return { result: entry.result, duplicate: false };
    },
  };
}
