import type { ClientContext, Result } from 'ioredis';
import { backoffDelayMs } from '../backoff';
import { GatewayError } from '../errors';
import type { Failover } from '../store/redis-failover';
import type { RedisLink } from '../store/redis-link';
import { createDuplicateFilter, type DuplicateFilter, type FirstEntry } from './duplicate-filter';

// A key holds "p" while its first request is being sent, then "d" + the JSON of its result for
// the rest of the window. Only the owner of the pending mark (its token) moves it on or drops it.
const FINISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) return 1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    smsgwFinish(key: string, token: string, done: string, ttlMs: number): Result<number, Context>;
  }
}
const PENDING = 'p';
const DONE = 'd';
/** A pending mark outlives its request's deadline by this much, then a repeat may send. */
const PENDING_MARGIN_MS = 1000;
const POLL_MIN_MS = 10;
const POLL_MAX_MS = 100;

/** How a first request's entry is published in Redis (once `published` settles), and a repeat's entry rebuilt from that. */
export interface Sharing<E extends FirstEntry, T> {
  publish(entry: E): { result: Promise<T>; published?: Promise<unknown> };
  restore(result: T): E;
}

type Claim<T> = { duplicate: true; result: T } | { duplicate: false; token: string; claimedAt: number };

/**
 * The duplicate filter shared by every instance through Redis: the first request with a key sends
 * (SET NX), a repeat reaching any instance waits for it and gets its result. As in the
 * per-instance filter, a failed first is forgotten at once, so a retry is really sent; a first
 * whose instance died is forgotten when its deadline (plus a second) has passed. While Redis cannot
 * answer, the failover decides: this instance's own filter stands in (open), or the request is
 * refused (closed). Keys are the caller's keyed hashes, never a number or a text.
 */
export function createSharedDuplicateFilter<E extends FirstEntry, T>(o: {
  link: RedisLink;
  prefix: string;
  name: string;
  windowMs: number;
  failover: Failover;
  sharing: Sharing<E, T>;
}): DuplicateFilter<E> {
  const { link } = o;
  const local = createDuplicateFilter<E>(o.windowMs);
  link.client.defineCommand('smsgwFinish', { numberOfKeys: 1, lua: FINISH });
  const keyOf = (key: string) => `${o.prefix}${o.name}:${key}`;
  let tokens = 0;
  const nextToken = () => `${PENDING}${process.pid}.${++tokens}.${Math.random().toString(36).slice(2, 8)}`;

  /** Becomes the first (and holds the pending mark), or waits for the first's result. */
  async function claimOrWait(key: string, until: number): Promise<Claim<T>> {
    let polls = 0;
    for (;;) {
      const token = nextToken();
      const claimedAt = Date.now();
      const ttl = Math.max(1, until - claimedAt) + PENDING_MARGIN_MS;
      // SET NX GET: one round trip says whether we are first, or what the first left.
      const previous = await link.call('dedupe', (c) => c.set(keyOf(key), token, 'PX', ttl, 'NX', 'GET'), until);
      if (previous === null) return { duplicate: false, token, claimedAt };
      if (previous.startsWith(DONE)) return { duplicate: true, result: JSON.parse(previous.slice(DONE.length)) as T };
      // The first is still being sent: look again until it settles, fails (key gone) or we run out of time.
      for (;;) {
        const pause = backoffDelayMs(polls++, POLL_MIN_MS, POLL_MAX_MS);
        if (Date.now() + pause >= until) {
          throw new GatewayError('first-outcome-unknown', {});
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        const now = await link.call('dedupe', (c) => c.get(keyOf(key)), until);
        if (now === null) break; // the first failed: try to be first
        if (now.startsWith(DONE)) return { duplicate: true, result: JSON.parse(now.slice(DONE.length)) as T };
      }
    }
  }

  function finish(key: string, token: string, done: string, ttlMs: number): void {
    // Not awaited by the request: its answer is known. A lost write only shortens the window.
    void link.call('dedupe', (c) => c.smsgwFinish(keyOf(key), token, done, ttlMs)).catch(() => undefined);
  }

  return {
    /**
     * Runs `start` once per window for `key` across instances and resolves with its entry, or with
     * one rebuilt from the first's result (published once its `published` settles: its record is
     * stored). Gives up waiting for a first by `until`.
     */
    async run(key, start, until) {
      const claim = await o.failover.run<Claim<T> | undefined>('dedupe', () => claimOrWait(key, until), async () => undefined);
      if (!claim) return local.run(key, start, until);
      if (claim.duplicate) return { entry: o.sharing.restore(claim.result), duplicate: true };
      const entry = start();
      const first = o.sharing.publish(entry);
      let result: T;
      try {
        result = await first.result;
      } catch (err) {
        finish(key, claim.token, '', 0);
        throw err;
      }
      void Promise.resolve(first.published).then(() => {
        const left = claim.claimedAt + o.windowMs - Date.now();
        finish(key, claim.token, left > 0 ? DONE + JSON.stringify(result) : '', left);
      });
      return { entry, duplicate: false };
    },
  };
}
