import { TokenBucket } from '../../src/smpp/token-bucket';

describe('TokenBucket', () => {
  it('starts full, then refills at the rate from elapsed time', () => {
    const bucket = new TokenBucket(10, 2, 0);
    for (let i = 0; i < 2; i++) {
      expect(bucket.waitMs(0)).toBe(0);
      bucket.take();
    }
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.waitMs(60)).toBe(40);
    expect(bucket.waitMs(100)).toBe(0);
  });

  it('never holds more than the burst, however long it idles', () => {
    const bucket = new TokenBucket(100, 3, 0);
    let taken = 0;
    while (bucket.waitMs(60_000) === 0) {
      bucket.take();
      taken++;
    }
    expect(taken).toBe(3);
  });

  it('allows rate × seconds (+ burst) over a simulated run, with no drift from late wake-ups', () => {
    const bucket = new TokenBucket(50, 5, 0);
    let now = 0;
    let sent = 0;
    while (now < 5000) {
      const wait = bucket.waitMs(now);
      if (wait === 0) {
        bucket.take();
        sent++;
      } else now += wait + 3; // timers fire late
    }
    expect(sent).toBeGreaterThanOrEqual(250);
    expect(sent).toBeLessThanOrEqual(255);
  });

  it.each([
    [50, 5],
    [200, 20],
    [25, 2], // 2.5 rounded down
    [5, 1], // at least one, whatever the rate
    [0.5, 1],
  ])('forTps(%p): a tenth of a second of burst, taken at once: %i', (tps, burst) => {
    const bucket = TokenBucket.forTps(tps)!;
    expect(bucket.ratePerSecond).toBe(tps);
    // All at one instant, just after it was made full: the burst passes, the next token waits.
    const now = performance.now();
    let taken = 0;
    while (bucket.waitMs(now) === 0) {
      bucket.take();
      taken++;
    }
    expect(taken).toBe(burst);
    expect(bucket.waitMs(now)).toBeGreaterThan(0);
  });

  it('forTps: none for 0; a negative rate is refused', () => {
    expect(TokenBucket.forTps(0)).toBeUndefined();
    expect(() => new TokenBucket(-1, 1)).toThrow(RangeError);
  });
});
