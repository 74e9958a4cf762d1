import { createMemoryCounterStore } from '../../src/store/memory-counter-store';

describe('memory counter store (sliding windows)', () => {
  let t = 1_000_000;
  const clock = () => t;
  beforeEach(() => {
    t = 1_000_000;
  });

  it('lets the limit-th event pass, refuses the next, and frees the slot exactly one window after the oldest', async () => {
    const store = createMemoryCounterStore(clock);
    const limit = [{ key: 'number:a', limit: 3, windowMs: 600_000 }];
    expect(await store.take(limit, '1')).toEqual({ ok: true });
    t += 1000;
    expect(await store.take(limit, '2')).toEqual({ ok: true });
    t += 1000;
    expect(await store.take(limit, '3')).toEqual({ ok: true });
    t += 1000;
    expect(await store.take(limit, '4')).toEqual({ ok: false, refused: 0, retryAfterMs: 597_000 });
    t = 1_000_000 + 600_000 - 1; // one ms before the first event leaves the window
    expect((await store.take(limit, '5')).ok).toBe(false);
    t = 1_000_000 + 600_000;
    expect(await store.take(limit, '6')).toEqual({ ok: true });
    expect((await store.take(limit, '7')).ok).toBe(false); // events 2, 3 and 6 are in the window
  });

  it('is all-or-nothing across keys and names the first full one', async () => {
    const store = createMemoryCounterStore(clock);
    const both = [
      { key: 'number:a', limit: 5, windowMs: 1000 },
      { key: 'global', limit: 2, windowMs: 1000 },
    ];
    expect((await store.take(both, '1')).ok).toBe(true);
    expect((await store.take(both, '2')).ok).toBe(true);
    expect(await store.take(both, '3')).toMatchObject({ ok: false, refused: 1 });
    // The refused take counted nothing under number:a: three more fit there alone.
    for (const id of ['4', '5', '6']) expect((await store.take([both[0]!], id)).ok).toBe(true);
    expect((await store.take([both[0]!], '7')).ok).toBe(false);
  });

  it('keeps nothing for a refused take: 100,000 refusals to new numbers leave the store as it was', async () => {
    const store = createMemoryCounterStore(clock);
    const global = { key: 'global', limit: 1, windowMs: 60_000 };
    expect((await store.take([global], 'first')).ok).toBe(true);
    for (let i = 0; i < 100_000; i++) {
      const refused = await store.take([{ key: `number:${i}`, limit: 3, windowMs: 600_000 }, { key: `prefix:${i}`, limit: 20, windowMs: 3_600_000 }, global], `r${i}`);
      if (refused.ok) throw new Error(`take ${i} passed a full limit`);
    }
    expect(store.size()).toBe(1);
  });

  it('does not let concurrent takes pass the last slot', async () => {
    const store = createMemoryCounterStore(clock);
    const limit = [{ key: 'k', limit: 3, windowMs: 1000 }];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.take(limit, String(i))));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
  });

  it('release() gives the slot back, only under the keys named, and only for that id', async () => {
    const store = createMemoryCounterStore(clock);
    const limits = [
      { key: 'a', limit: 1, windowMs: 1000 },
      { key: 'b', limit: 1, windowMs: 1000 },
    ];
    expect((await store.take(limits, 'x')).ok).toBe(true);
    await store.release(['a', 'b'], 'not-x');
    expect((await store.take(limits, 'y')).ok).toBe(false);
    await store.release(['a'], 'x');
    expect((await store.take([limits[0]!], 'y')).ok).toBe(true);
    expect((await store.take([limits[1]!], 'z')).ok).toBe(false);
  });

  it('keeps event order when the clock steps back, and forgets idle keys', async () => {
    const store = createMemoryCounterStore(clock);
    const limit = (key: string) => [{ key, limit: 2, windowMs: 1000 }];
    expect((await store.take(limit('a'), '1')).ok).toBe(true);
    t -= 500;
    expect((await store.take(limit('a'), '2')).ok).toBe(true);
    t += 1500; // both events (recorded at the same time) have left the window
    expect((await store.take(limit('a'), '3')).ok).toBe(true);
    for (let i = 0; i < 100; i++) await store.take(limit(`n${i}`), 'x');
    expect(store.size()).toBe(101);
    t += 120_000;
    await store.take(limit('b'), 'y');
    expect(store.size()).toBe(1);
  });

  it('holds a large window of 100,000 events and still refuses the next one', async () => {
    const store = createMemoryCounterStore(clock);
    const budget = [{ key: 'budget', limit: 100_000, windowMs: 86_400_000 }];
    for (let i = 0; i < 100_000; i++) {
      t += 1;
      await store.take(budget, String(i));
    }
    expect(await store.take(budget, 'over')).toMatchObject({ ok: false, refused: 0 });
    t = 1_000_000 + 86_400_000 + 1; // the first event has left
    expect((await store.take(budget, 'again')).ok).toBe(true);
  });
});
