import { storeUnavailable } from '../errors';
import type { Logger } from '../log';
import type { CounterStore } from './counter-store';
import { StoreUnavailableError, type RedisLink } from './redis-link';

/** SMSGW_REDIS_FAILURE: what sending does while Redis cannot answer. */
export type RedisFailureMode = 'open' | 'closed';

/** The shared state that has a per-instance stand-in. */
export type FallbackKind = 'limits' | 'dedupe';

export interface Failover {
  /**
   * Runs `shared` (in Redis). When Redis cannot answer: in `open` mode runs `local` instead (per
   * instance), reported once per outage and counted; in `closed` mode refuses with
   * STORE_UNAVAILABLE. Other errors pass through.
   */
  run<T>(what: FallbackKind, shared: () => Promise<T>, local: () => Promise<T>): Promise<T>;
}

const CONSEQUENCE: Record<FallbackKind, string> = {
  limits: 'abuse limits count per instance',
  dedupe: 'repeats are only recognised on the instance that sent the first',
};

export function createFailover(o: { mode: RedisFailureMode; link: RedisLink; logger: Logger; onFallback?(what: FallbackKind): void }): Failover {
  const warned = new Set<FallbackKind>();
  o.link.onState((up) => {
    if (up && warned.size > 0) {
      o.logger.warn({ redis: o.link.where, restored: [...warned] }, 'Redis reachable again: abuse limits and dedupe are shared by every instance again');
      warned.clear();
    }
  });

  return {
    async run<T>(what: FallbackKind, shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
      try {
        return await shared();
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        if (o.mode === 'closed') throw storeUnavailable();
        o.onFallback?.(what);
        if (!warned.has(what)) {
          warned.add(what);
          o.logger.error(
            { redis: o.link.where, err: err.message },
            `Redis unreachable: ${CONSEQUENCE[what]} until it is back (SMSGW_REDIS_FAILURE=open). Several instances now let through up to their number times each limit`,
          );
        }
        return local();
      }
    },
  };
}

/** Counters in Redis, with a per-instance stand-in while Redis cannot answer (per the failure mode). */
export function createFailoverCounterStore(shared: CounterStore, local: CounterStore, failover: Failover): CounterStore {
  return {
    take: (limits, id, until) => failover.run('limits', () => shared.take(limits, id, until), () => local.take(limits, id)),
    async release(keys, id) {
      // The id is in one of the two; removing it from the other is a no-op.
      await Promise.allSettled([shared.release(keys, id), local.release(keys, id)]);
    },
  };
}
