/**
 * A TPS limit: `ratePerSecond` tokens per second, holding at most `burst`. One bucket per bind
 * and one per SMSC account (shared by that account's binds). The caller takes a token per
 * submit_sm; refill is computed from elapsed time, so timer lateness never loses throughput.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly burst: number,
    now = performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`invalid token bucket: ${ratePerSecond}/s, burst ${burst}`);
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** A bucket for a TPS setting: a burst of a tenth of a second's worth, so a 1 s window stays within 10%. */
  static forTps(tps: number): TokenBucket | undefined {
    return tps > 0 ? new TokenBucket(tps, Math.max(1, Math.floor(tps / 10))) : undefined;
  }

  /** Milliseconds until a token is available (0 = now). */
  waitMs(now = performance.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Takes a token; call only after waitMs() returned 0. */
  take(): void {
    this.tokens -= 1;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
