import type { Config } from '../config/load-config';
import type { Poster } from '../dlr/shared-callback-queue';
import type { DuplicateFilter, FirstEntry } from '../limits/duplicate-filter';
import type { Sharing } from '../limits/shared-duplicate-filter';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { loadNumberHashKey } from '../sms/number-hash';
import type { CounterStore } from './counter-store';
import { createMemoryCounterStore } from './memory-counter-store';
import type { MessageRecord, MessageStore } from './message-store';
import { openMessageStore } from './open-store';

/** Where final message statuses go to be posted: the receipt callback, or a queue in front of it. */
export type StatusQueue = Pick<Poster, 'notify' | 'stop'> & { start?(): void };

/**
 * What the gateway keeps, by store kind: on its own (SQLite or memory, counters in memory, the
 * number-hash key configured or in the data directory), or shared with other instances through
 * Redis (records, counters, duplicate filters and receipt statuses there; memory standing in for
 * the counters and duplicate filters while Redis cannot answer).
 */
export interface GatewayState {
  store: MessageStore;
  numberHashKey: Buffer;
  /** Abuse counters; they outlive a reload of the limits, so a new budget counts what was already sent. */
  counters: CounterStore;
  /** Counter keys held in this process's memory. */
  localCounterKeys(): number;
  /** A duplicate filter every instance shares (this instance's own standing in while Redis cannot answer); undefined on a store of one's own. */
  sharedFilter: (<E extends FirstEntry, T>(name: string, windowMs: number, sharing: Sharing<E, T>) => DuplicateFilter<E>) | undefined;
  /** Receipt statuses to post: through a stream every instance posts from, or straight to `poster`. */
  callbackQueue(poster: Poster, opts: { queueSize: number; claimIdleMs: number; onFallback(): void; onDropped(): void }): StatusQueue;
  /** The shared store's state for /readyz; undefined on a store of one's own. */
  describe: (() => unknown) | undefined;
  /** Records kept locally while Redis cannot take them; undefined on a store of one's own. */
  spooledRecords: (() => number) | undefined;
  close(): Promise<void>;
}

/**
 * Opens the state SMSGW_REDIS_URL and SMSGW_STORE name. The number-hash key comes first: a bad
 * key file stops the start before anything is opened. `onRecordFlushed` hears of each record
 * written locally while Redis was down once it reaches Redis, so its held receipts can be matched.
 */
export async function openGatewayState(config: Config, logger: Logger, metrics: Metrics, onRecordFlushed: (record: MessageRecord) => void): Promise<GatewayState> {
  const localKey = config.privacy.numberHashKey || !config.redis.url ? loadNumberHashKey(config.privacy.numberHashKey, config.dataDir) : undefined;
  const localCounters = createMemoryCounterStore();
  const localCounterKeys = () => localCounters.size();
  if (!config.redis.url) {
    const store = openMessageStore(config.store.type, config.dataDir, logger);
    return {
      store,
      numberHashKey: localKey!,
      counters: localCounters,
      localCounterKeys,
      sharedFilter: undefined,
      callbackQueue: (poster) => poster,
      describe: undefined,
      spooledRecords: undefined,
      close: () => store.close(),
    };
  }
  // Loaded only with Redis configured: ioredis costs 6 MB of memory.
  const { openSharedState } = await import('./shared-state');
  const shared = await openSharedState(config, logger, metrics, onRecordFlushed);
  try {
    // Without a configured key, instances sharing Redis share the key it holds (outside production).
    const numberHashKey = localKey ?? (await shared.numberHashKey());
    return {
      store: shared.store,
      numberHashKey,
      counters: shared.counters(localCounters),
      localCounterKeys,
      sharedFilter: shared.duplicateFilter,
      callbackQueue: shared.callbackQueue,
      // Every instance sees the same Redis outage: reporting it must not take them all out of the load balancer.
      describe: () => ({ type: 'redis', up: shared.link.isUp(), failure: config.redis.failure, spooledRecords: shared.store.spooled() }),
      spooledRecords: () => shared.store.spooled(),
      close: () => shared.close(),
    };
  } catch (err) {
    await shared.close();
    throw err;
  }
}
