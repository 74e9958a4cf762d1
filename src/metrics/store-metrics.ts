import type { Registry } from 'prom-client';
import { defineIn } from './define';

/** Writes whose failure loses something: a message record (its status and receipts), or a receipt (the SMSC is asked to resend it). */
export const STORE_WRITES = ['message_record', 'receipt'] as const;
export type StoreWrite = (typeof STORE_WRITES)[number];

/** `op` label of smsgw_redis_command_duration_seconds: what the gateway asked Redis for. */
export const REDIS_OPS = ['take', 'release', 'dedupe', 'create', 'get', 'update', 'find', 'hold', 'find-held', 'expire-held', 'callback', 'hash-key'] as const;
export type RedisOp = (typeof REDIS_OPS)[number];
/** `what` label of smsgw_redis_fallbacks_total: what went on without Redis. */
export const REDIS_FALLBACKS = ['limits', 'dedupe', 'record', 'callback'] as const;
export type RedisFallback = (typeof REDIS_FALLBACKS)[number];

const REDIS_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The message store's failed writes, and the shared Redis when one is configured. */
export function storeMetrics(registers: Registry[], redis: boolean) {
  const define = defineIn(registers);
  const storeWriteFailures = define.counter('smsgw_store_write_failures_total', 'Message store writes that failed (disk full, I/O error), by what was not stored', ['write']);
  // Registered only with Redis configured: an absent series is not an alert.
  const shared = defineIn(redis ? registers : []);
  const redisUp = shared.gauge('smsgw_redis_up', '1 while the connection to the shared Redis is ready, else 0 (with several workers: 0 if any worker is cut off)', [], { aggregator: 'min' });
  const redisCommandDuration = shared.histogram('smsgw_redis_command_duration_seconds', 'Round trip of the Redis commands that answered, by what they were for', REDIS_DURATION_BUCKETS, ['op']);
  const redisFallbacks = shared.counter('smsgw_redis_fallbacks_total', 'Work done without Redis while it could not answer: limits and dedupe counted per instance, records kept locally, callbacks posted from memory', ['what']);
  // The workers of one machine share one spool.
  const redisSpooledRecords = shared.gauge('smsgw_redis_spooled_records', 'Message records kept locally until Redis takes them', [], { aggregator: 'max' });

  for (const write of STORE_WRITES) storeWriteFailures.inc({ write }, 0);
  if (redis) {
    redisUp.set(0);
    redisSpooledRecords.set(0);
    for (const op of REDIS_OPS) redisCommandDuration.zero({ op });
    for (const what of REDIS_FALLBACKS) redisFallbacks.inc({ what }, 0);
  }
  return { storeWriteFailures, redisUp, redisCommandDuration, redisFallbacks, redisSpooledRecords };
}
