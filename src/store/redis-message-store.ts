import type { ClientContext, Redis, Result } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { canonicalId } from './smsc-message-id';
import type { Logger } from '../log';
import type { HeldReceipt, MessageRecord, MessageStore, SegmentRef, StoredHeldReceipt } from './message-store';
import type { RecordSpool } from './record-spool';
import { StoreUnavailableError, type RedisLink } from './redis-link';

// One entry of the SMSC-id index, which lives as long as the newest record it points at.
const INDEX = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;
// Compare-and-set: update() reads, applies its change in JS, and writes only if nobody wrote in
// between (then it reads again). The TTL set at creation stays.
const SWAP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;
// KEYS: the held receipt, the expiry index, its key sets. ARGV: id, JSON, expiresAt, TTL.
const HOLD = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return redis.call('ZCARD', KEYS[2])
`;
// KEYS: the expiry index, the held receipt, its key sets. ARGV: id. Returns the receipt to the
// one caller that removed it from the index (so an expired one is counted once, by one instance).
const TAKE_HELD = `
local claimed = redis.call('ZREM', KEYS[1], ARGV[1])
local held = redis.call('GET', KEYS[2])
redis.call('DEL', KEYS[2])
for i = 3, #KEYS do redis.call('SREM', KEYS[i], ARGV[1]) end
if claimed == 1 then return held end
return false
`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    smsgwIndex(key: string, field: string, value: string, ttlMs: number): Result<number, Context>;
    smsgwSwap(key: string, expected: string, next: string): Result<number, Context>;
    smsgwHold(...args: (string | number)[]): Result<number, Context>;
    smsgwTakeHeld(...args: (string | number)[]): Result<string | null, Context>;
  }
}

export interface RedisMessageStoreOptions {
  link: RedisLink;
  prefix: string;
  /** Records (and their SMSC-id index) expire this long after submission. */
  retentionMs: number;
  /** Where records go while Redis cannot take them. */
  spool: RecordSpool;
  logger: Logger;
  /** A spooled record reached Redis: receipts held for it can now be matched. */
  onFlushed?(record: MessageRecord): void;
  /** A record went to the spool instead of Redis. */
  onSpooled?(): void;
  now?(): number;
}

/** A held receipt's keys outlive its hold by this much, so housekeeping finds (and counts) it first. */
const HELD_TTL_MARGIN_MS = 10 * 60_000;
const UPDATE_ATTEMPTS = 10;
const FLUSH_BATCH = 100;
const FLUSH_INTERVAL_MS = 1000;

/**
 * MessageStore in Redis, so every instance sees every record: a receipt settles its record on
 * whichever instance's bind it arrives, and GET /messages/:id answers everywhere.
 *
 * Keys (after the prefix): msg:<id> (the record's JSON, expiring at the end of the retention);
 * sid:<smsc>:<canonical SMSC id> (a hash from "<id>/<part>" to the exact id and submit time, same
 * retention); {held}:* for early receipts (one hash tag: hold and release are scripts over them).
 * Records, receipts and index hold no phone number and no text, as in the embedded store.
 *
 * A record Redis cannot take (down, restarting, too slow) goes to the local spool and create()
 * still succeeds; the spool is written to Redis once it answers again, and read by get() meanwhile.
 */
export function createRedisMessageStore(o: RedisMessageStoreOptions): MessageStore & { flush(): Promise<number>; spooled(): number } {
  const { link, spool } = o;
  const now = o.now ?? Date.now;
  const client = link.client;
  client.defineCommand('smsgwIndex', { numberOfKeys: 1, lua: INDEX });
  client.defineCommand('smsgwSwap', { numberOfKeys: 1, lua: SWAP });
  client.defineCommand('smsgwHold', { lua: HOLD });
  client.defineCommand('smsgwTakeHeld', { lua: TAKE_HELD });

  const msgKey = (id: string) => `${o.prefix}msg:${id}`;
  const sidKey = (smsc: string, canonical: string) => `${o.prefix}sid:${encodeURIComponent(smsc)}:${canonical}`;
  const heldKey = (id: string) => `${o.prefix}{held}:r:${id}`;
  const heldExpiry = `${o.prefix}{held}:exp`;
  const heldIndexKey = (smsc: string, kind: 'x' | 'c', key: string) => `${o.prefix}{held}:${kind}:${encodeURIComponent(smsc)}:${key}`;
  const heldIndexKeys = (h: HeldReceipt) => [heldIndexKey(h.smsc, 'x', h.exactKey), ...h.canonicalKeys.map((key) => heldIndexKey(h.smsc, 'c', key))];

  // How many receipts are held, as Redis said at the last create or hold. A create reads it after
  // writing its record (on the same connection, so Redis runs it after), and a hold writes before
  // matching again, so whichever of the two comes second sees the other: no instance skips a
  // receipt another one just held.
  let heldCount = 0;
  let spooledCount = spool.count();

  // One count of the held receipts per event-loop turn, sent after every record of the turn on the
  // same connection (so Redis runs it after them), instead of one per record.
  let heldProbe: Promise<number> | undefined;
  function countHeldAfterThisTurn(c: Redis): Promise<number> {
    if (!heldProbe) {
      heldProbe = new Promise((resolve, reject) => process.nextTick(() => c.zcard(heldExpiry).then(resolve, reject)));
      heldProbe.then(
        (n) => (heldCount = n),
        () => undefined,
      );
      process.nextTick(() => (heldProbe = undefined));
    }
    return heldProbe;
  }

  async function put(record: MessageRecord, json: string): Promise<void> {
    const ttlMs = Math.max(1, record.submittedAt + o.retentionMs - now());
    // Separate commands, not one pipeline: auto-pipelining sends those of every record written in
    // the same event-loop turn in one write (a pipeline per record cost a write per record).
    const [created] = await link.call('create', (c) => {
      // A record is stored once (SET NX, with GET saying what was there): a second write of the
      // same JSON (sent again after a lost reply, or a spooled record flushed twice) succeeds; a
      // different record under the id does not. A plain command costs Redis less than a script.
      const writes: Promise<unknown>[] = [c.set(msgKey(record.id), json, 'PX', ttlMs, 'NX', 'GET').then((before) => before === null || before === json)];
      record.segments.forEach((segment, part) => {
        if (segment.smscMessageId === null) return;
        writes.push(c.smsgwIndex(sidKey(record.smsc, canonicalId(segment.smscMessageId)), `${record.id}/${part}`, `${record.submittedAt} ${segment.smscMessageId}`, o.retentionMs));
      });
      writes.push(countHeldAfterThisTurn(c));
      return Promise.all(writes);
    });
    if (created !== true) {
      await unindex(record);
      throw new Error(`message ${record.id} already exists`);
    }
  }

  /** Takes back the index entries of a record refused for its id, except those the stored record shares. */
  async function unindex(refused: MessageRecord): Promise<void> {
    const stored = (await parsedGet(refused.id))?.record;
    await link.call('create', (c) =>
      Promise.all(
        refused.segments.map((segment, part) =>
          segment.smscMessageId === null || stored?.segments[part]?.smscMessageId === segment.smscMessageId
            ? undefined
            : c.hdel(sidKey(refused.smsc, canonicalId(segment.smscMessageId)), `${refused.id}/${part}`),
        ),
      ),
    );
  }

  async function parsedGet(id: string): Promise<{ json: string; record: MessageRecord } | undefined> {
    const json = await link.call('get', (c) => c.get(msgKey(id)));
    return json === null ? undefined : { json, record: JSON.parse(json) as MessageRecord };
  }

  let flushing: Promise<number> | undefined;
  async function flushOnce(): Promise<number> {
    let flushed = 0;
    for (;;) {
      const batch = spool.oldest(FLUSH_BATCH);
      if (batch.length === 0) break;
      const done: string[] = [];
      for (const { id, json } of batch) {
        const record = JSON.parse(json) as MessageRecord;
        if (record.submittedAt + o.retentionMs <= now()) {
          done.push(id); // past retention: Redis would not keep it either
          continue;
        }
        try {
          await put(record, json);
        } catch (err) {
          if (err instanceof StoreUnavailableError) break;
          o.logger.error({ messageId: id, err: (err as Error).message }, 'spooled message record refused by Redis; dropped');
          done.push(id);
          continue;
        }
        done.push(id);
        o.onFlushed?.(record);
      }
      spool.remove(done);
      flushed += done.length;
      spooledCount = spool.count();
      if (done.length < batch.length) break;
    }
    if (flushed > 0) o.logger.info({ flushed, left: spooledCount }, 'message records kept locally during a Redis outage written to Redis');
    return flushed;
  }
  function flush(): Promise<number> {
    flushing ??= flushOnce().finally(() => (flushing = undefined));
    return flushing;
  }
  const flushTimer = setInterval(() => {
    if (spooledCount > 0 && link.isUp()) void flush().catch(() => undefined);
  }, FLUSH_INTERVAL_MS);
  flushTimer.unref();
  link.onState((up) => {
    if (up && spooledCount > 0) void flush().catch(() => undefined);
  });

  async function claimHeld(id: string, held: HeldReceipt | undefined): Promise<string | null> {
    const keys = [heldExpiry, heldKey(id), ...(held ? heldIndexKeys(held) : [])];
    return link.call('release', (c) => c.smsgwTakeHeld(keys.length, ...keys, id));
  }

  return {
    async create(record) {
      const json = JSON.stringify(record);
      try {
        await put(record, json);
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        spool.add(record.id, json);
        spooledCount++;
        o.onSpooled?.();
        o.logger.warn({ messageId: record.id, err: err.message }, 'Redis unavailable: message record kept locally until it is back');
      }
    },

    async get(id) {
      try {
        return (await parsedGet(id))?.record ?? spool.get(id);
      } catch (err) {
        const local = spool.get(id);
        if (local) return local;
        throw err;
      }
    },

    async update(id, change) {
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
        const current = await parsedGet(id);
        if (!current) return undefined;
        const next = change(structuredClone(current.record));
        if (!next) return current.record;
        const swapped = await link.call('update', (c) => c.smsgwSwap(msgKey(id), current.json, JSON.stringify(next)));
        if (swapped === 1) return next;
      }
      throw new Error(`message ${id} changed ${UPDATE_ATTEMPTS} times while being updated`);
    },

    async findBySmscId(smsc, key, kind) {
      const entries = await link.call('find', (c) => c.hgetall(sidKey(smsc, kind === 'exact' ? canonicalId(key) : key)));
      const oldest = now() - o.retentionMs;
      const refs: SegmentRef[] = [];
      for (const [field, value] of Object.entries(entries)) {
        const space = value.indexOf(' ');
        const submittedAt = Number(value.slice(0, space));
        const exact = value.slice(space + 1);
        if ((kind === 'exact' && exact !== key) || submittedAt < oldest) continue;
        const slash = field.lastIndexOf('/');
        refs.push({ messageId: field.slice(0, slash), part: Number(field.slice(slash + 1)), submittedAt });
      }
      return refs.sort((a, b) => a.submittedAt - b.submittedAt || a.part - b.part);
    },

    async hold(receipt) {
      const id = randomUUID();
      const keys = [heldKey(id), heldExpiry, ...heldIndexKeys(receipt)];
      const ttlMs = Math.max(1, receipt.expiresAt - now()) + HELD_TTL_MARGIN_MS;
      heldCount = await link.call('hold', (c) => c.smsgwHold(keys.length, ...keys, id, JSON.stringify(receipt), receipt.expiresAt, ttlMs));
      return id;
    },

    heldReceiptCount() {
      return heldCount;
    },

    async findHeld(smsc, exactKey, canonicalKey) {
      const found = await link.call('find-held', async (c) => {
        const ids = await c.sunion(heldIndexKey(smsc, 'x', exactKey), heldIndexKey(smsc, 'c', canonicalKey));
        return ids.length === 0 ? [] : (await c.mget(ids.map(heldKey))).map((json, i) => ({ json, id: ids[i]! }));
      });
      return found
        .filter((h): h is { json: string; id: string } => h.json !== null)
        .map(({ json, id }): StoredHeldReceipt => ({ ...(JSON.parse(json) as HeldReceipt), id }))
        .sort((a, b) => a.expiresAt - b.expiresAt || a.id.localeCompare(b.id));
    },

    async release(id) {
      const json = await link.call('release', (c) => c.get(heldKey(id)));
      await claimHeld(id, json === null ? undefined : (JSON.parse(json) as HeldReceipt));
      heldCount = Math.max(0, heldCount - 1);
    },

    async expireHeld(at, limit) {
      const ids = await link.call('expire-held', (c) => c.zrangebyscore(heldExpiry, '-inf', at, 'LIMIT', 0, limit));
      const expired: StoredHeldReceipt[] = [];
      for (const id of ids) {
        const json = await link.call('expire-held', (c) => c.get(heldKey(id)));
        const held = json === null ? undefined : (JSON.parse(json) as HeldReceipt);
        const claimed = await claimHeld(id, held);
        if (claimed !== null && held) expired.push({ ...held, id });
      }
      return expired;
    },

    async purgeMessages() {
      return 0; // records and their index expire by themselves (TTL = retention)
    },

    async flush() {
      return flush();
    },

    spooled: () => spooledCount,

    async close() {
      clearInterval(flushTimer);
      await flushing?.catch(() => undefined);
      spool.close();
    },
  };
}
