import type { CounterStore, TakeResult, WindowLimit } from './counter-store';

interface Series {
  windowMs: number;
  /** Event times and ids, oldest first, from index `head` on. */
  at: number[];
  ids: string[];
  head: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * CounterStore in this process's memory: exact sliding windows (one timestamp per event, so a
 * key never holds more than its limit). Atomic because take() finishes without yielding. Keys
 * whose events have all expired are swept once a minute, so memory follows recent traffic.
 */
export function createMemoryCounterStore(now: () => number = Date.now): CounterStore & { size(): number } {
  const series = new Map<string, Series>();
  let lastSweep = now();

  function expire(s: Series, t: number): void {
    const cutoff = t - s.windowMs;
    while (s.head < s.at.length && s.at[s.head]! <= cutoff) s.head++;
    if (s.head > 64 && s.head * 2 > s.at.length) {
      s.at.splice(0, s.head);
      s.ids.splice(0, s.head);
      s.head = 0;
    }
  }

  function sweep(t: number): void {
    lastSweep = t;
    for (const [key, s] of series) {
      expire(s, t);
      if (s.head >= s.at.length) series.delete(key);
    }
  }

  return {
    async take(limits: readonly WindowLimit[], id: string): Promise<TakeResult> {
      const t = now();
      if (t - lastSweep >= SWEEP_INTERVAL_MS) sweep(t);
      // Looked up, not created: a refused request leaves nothing behind (a flood of refusals to
      // new numbers must not grow the store until the next sweep).
      const found = limits.map(({ key, windowMs }) => {
        const s = series.get(key);
        if (s) {
          s.windowMs = windowMs;
          expire(s, t);
        }
        return s;
      });
      for (let i = 0; i < limits.length; i++) {
        const { limit, windowMs } = limits[i]!;
        const s = found[i];
        if ((s ? s.at.length - s.head : 0) >= limit) {
          // The slot frees when the event that keeps the count at the limit leaves the window.
          const blocking = s?.at[s.at.length - limit] ?? t;
          return { ok: false, refused: i, retryAfterMs: Math.max(0, blocking + windowMs - t) };
        }
      }
      limits.forEach(({ key, windowMs }, i) => {
        let s = found[i];
        if (!s) {
          s = { windowMs, at: [], ids: [], head: 0 };
          series.set(key, s);
        }
        // A clock that stepped back must not break the oldest-first order expire() relies on.
        s.at.push(Math.max(t, s.at[s.at.length - 1] ?? t));
        s.ids.push(id);
      });
      return { ok: true };
    },

    async release(keys: readonly string[], id: string): Promise<void> {
      for (const key of keys) {
        const s = series.get(key);
        const index = s ? s.ids.lastIndexOf(id) : -1;
        if (!s || index < s.head) continue;
        s.at.splice(index, 1);
        s.ids.splice(index, 1);
      }
    },

    size: () => series.size,
  };
}
