import { randomBytes } from 'node:crypto';
import type { Config } from '../config/load-config';
import { ConfigError } from '../config/load-config';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { FirstEntry } from '../limits/duplicate-filter';
import { createSharedDuplicateFilter, type Sharing } from '../limits/shared-duplicate-filter';
import { createSharedCallbackQueue, type Poster } from '../dlr/shared-callback-queue';
import type { CounterStore } from './counter-store';
import type { MessageRecord } from './message-store';
import { openRecordSpool } from './record-spool';
import { createRedisCounterStore } from './redis-counter-store';
import { createFailover, createFailoverCounterStore } from './redis-failover';
import { createRedisLink } from './redis-link';
import { createRedisMessageStore } from './redis-message-store';

/** How long start-up waits for Redis: the number-hash key may have to come from there. */
const STARTUP_WAIT_MS = 10_000;
const HASH_KEY = 'number-hash-key';

/**
 * Everything instances share through Redis (SMSGW_REDIS_URL), built once per process: the
 * connection, the failure policy, the message store with its local spool, and factories for the
 * counters and duplicate filters that fall back to their per-instance forms.
 */
export async function openSharedState(config: Config, logger: Logger, metrics: Metrics, onFlushed: (record: MessageRecord) => void) {
  const prefix = config.redis.prefix;
  const link = createRedisLink({
    url: config.redis.url,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    logger,
    onCommand: (op, seconds) => metrics.redisCommandDuration.observe({ op }, seconds),
  });
  link.onState((up) => {
    metrics.redisUp.set(up ? 1 : 0);
    if (up) logger.info({ redis: link.where }, 'Redis connection ready');
  });
  const failover = createFailover({ mode: config.redis.failure, link, logger, onFallback: (what) => metrics.redisFallbacks.inc({ what }) });
  const store = createRedisMessageStore({
    link,
    prefix,
    retentionMs: config.store.retentionHours * 3_600_000,
    spool: openRecordSpool(config.dataDir),
    logger,
    onFlushed,
    onSpooled: () => metrics.redisFallbacks.inc({ what: 'record' }),
  });
  const up = await link.whenUp(Math.min(STARTUP_WAIT_MS, config.redis.commandTimeoutMs * 4));
  if (!up) logger.error({ redis: link.where, failure: config.redis.failure }, `Redis unreachable at start-up; going on without it (SMSGW_REDIS_FAILURE=${config.redis.failure}) and reconnecting`);

  return {
    link,
    store,
    /** The counters in Redis, with `local` standing in while Redis cannot answer. */
    counters: (local: CounterStore): CounterStore => createFailoverCounterStore(createRedisCounterStore(link, prefix), local, failover),
    /** A duplicate filter in Redis, with this instance's own standing in while Redis cannot answer (per the failure mode). */
    duplicateFilter: <E extends FirstEntry, T>(name: string, windowMs: number, sharing: Sharing<E, T>) =>
      createSharedDuplicateFilter<E, T>({ link, prefix, name, windowMs, failover, sharing }),
    callbackQueue: (poster: Poster, opts: { queueSize: number; claimIdleMs: number; onFallback(): void; onDropped(): void }) =>
      createSharedCallbackQueue({ link, prefix, poster, logger, ...opts }),
    /** The number-hash key every instance uses when none is configured: created once, by whichever instance starts first. */
    async numberHashKey(): Promise<Buffer> {
      if (!(await link.whenUp(STARTUP_WAIT_MS))) {
        throw new ConfigError(
          `Invalid configuration: privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): unset, so the key is shared through Redis, which did not answer within ${STARTUP_WAIT_MS / 1000} s; start Redis or set the key`,
        );
      }
      const key = `${prefix}${HASH_KEY}`;
      const hex = await link.call('hash-key', async (c) => {
        await c.set(key, randomBytes(32).toString('hex'), 'NX');
        return c.get(key);
      });
      if (!hex || !/^[0-9a-f]{64}$/.test(hex)) throw new ConfigError(`Invalid configuration: privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): the key in Redis (${key}) is not 64 hex digits`);
      return Buffer.from(hex, 'hex');
    },
    async close(): Promise<void> {
      await store.close();
      await link.close();
    },
  };
}
