// Seeded randomness for tests that generate their inputs: the seed is printed in the test's name
// and the variable named by the test replays it.

/** The seed from `envVariable` when set, else a new one. */
export function testSeed(envVariable: string): number {
  const given = process.env[envVariable];
  return given === undefined ? Date.now() % 2 ** 31 : Number(given);
}

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  return { next, int, pick, chance, bytes };
}
export type Rng = ReturnType<typeof prng>;
