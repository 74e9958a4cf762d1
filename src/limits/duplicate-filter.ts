/** What a duplicate filter keeps of a first request: at least its result. */
export interface FirstEntry {
  result: Promise<unknown>;
}

/**
 * Sends the same message once per window: `run` starts the first request with a key, and a repeat
 * gets the first's entry, with `duplicate` set. Kept in this process (createDuplicateFilter), or
 * shared by every instance through Redis with this process's filter standing in while Redis
 * cannot answer (shared-duplicate-filter.ts), which gives up waiting for a first by `until`.
 */
export interface DuplicateFilter<E extends FirstEntry> {
  run(key: string, start: () => E, until: number): Promise<{ entry: E; duplicate: boolean }>;
}

/**
 * The per-instance filter: a repeat (same key) while the first is in flight or after it succeeded
 * gets the first one's entry at once (its shared result and whatever else it carries). A failed
 * first is forgotten at once, so a retry after a failure is really attempted (a missing OTP is
 * worse than a duplicate one).
 */
export function createDuplicateFilter<E extends FirstEntry>(windowMs: number): DuplicateFilter<E> {
  // Insertion order is arrival order, so expired entries are always at the front.
  const entries = new Map<string, { until: number; entry: E }>();

  function expire(t: number): void {
    for (const [key, held] of entries) {
      if (held.until > t) break;
      entries.delete(key);
    }
  }

  return {
    // Never awaits: the entry is taken (or found) in the call itself, before a repeat can arrive.
    async run(key, start) {
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
