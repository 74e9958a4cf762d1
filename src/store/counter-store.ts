/** At most `limit` events under `key` in any `windowMs` (a sliding window). */
export interface WindowLimit {
  key: string;
  limit: number;
  windowMs: number;
}

export type TakeResult =
  | { ok: true }
  /** `refused` indexes the first limit that was full; `retryAfterMs` is when it frees a slot. */
  | { ok: false; refused: number; retryAfterMs: number };

/**
 * Rate counters shared by every request (and, with a shared implementation, by every gateway
 * instance). Keys are opaque strings chosen by the caller; they must not contain personal data.
 */
export interface CounterStore {
  /**
   * Records event `id` under every key when each of them is below its limit, or else records
   * nothing. Check and record are one atomic step, so concurrent callers cannot both take the
   * last slot of a limit. A shared store gives up by `until` (epoch ms) at the latest.
   */
  take(limits: readonly WindowLimit[], id: string, until?: number): Promise<TakeResult>;
  /** Forgets event `id` under these keys (the message it counted was never sent). */
  release(keys: readonly string[], id: string): Promise<void>;
}
