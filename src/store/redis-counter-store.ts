import type { ClientContext, Result } from 'ioredis';
import type { CounterStore, TakeResult, WindowLimit } from './counter-store';
import type { RedisLink } from './redis-link';

// One script checks and records every window of a request, so N instances racing for the last
// slot cannot both take it. Sorted sets, one per key: member = the request id (a command sent
// again after a lost reply finds itself and counts nothing twice), score = Redis's own clock
// (TIME), so instances with drifting clocks still share one window. A refusal only trims expired
// entries; it creates no key. Every key is passed in KEYS and shares one hash tag (one Cluster slot).
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
if redis.call('ZSCORE', KEYS[1], id) then return {-1, 0} end
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local blocking = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    local at = tonumber(blocking[2]) or now
    return {i - 1, at + window - now}
  end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, id)
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * i + 1])
end
return {-1, 0}
`;

type TakeReply = [number, number];

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    smsgwTake(...args: (string | number)[]): Result<TakeReply, Context>;
  }
}

/**
 * The abuse counters in Redis, shared by every instance. All counter keys carry the hash tag
 * {counters}: a request's windows include the gateway-wide ones, so one script over all of them
 * needs them in one Cluster slot. (Counters are a few small sorted sets and one script call per
 * message; one slot carries far more than an SMSC account.)
 */
export function createRedisCounterStore(link: RedisLink, prefix: string): CounterStore {
  link.client.defineCommand('smsgwTake', { lua: TAKE });
  const keyOf = (key: string) => `${prefix}{counters}:${key}`;
  return {
    async take(limits: readonly WindowLimit[], id: string, until?: number): Promise<TakeResult> {
      if (limits.length === 0) return { ok: true };
      const args: (string | number)[] = [limits.length, ...limits.map((l) => keyOf(l.key)), id];
      for (const l of limits) args.push(l.limit, l.windowMs);
      const [refused, retryAfterMs] = await link.call('take', (client) => client.smsgwTake(...args), until);
      return refused < 0 ? { ok: true } : { ok: false, refused, retryAfterMs: Math.max(0, retryAfterMs) };
    },
    async release(keys: readonly string[], id: string): Promise<void> {
      await link.call('release', (client) => Promise.all(keys.map((key) => client.zrem(keyOf(key), id))));
    },
  };
}
