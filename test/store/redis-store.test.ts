// The Redis counter and message stores against a real redis-server, as two gateway instances use
// them: two connections (links) to one server, racing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/log';
import type { MessageRecord } from '../../src/store/message-store';
import { openRecordSpool } from '../../src/store/record-spool';
import { createRedisCounterStore } from '../../src/store/redis-counter-store';
import { createRedisLink, redactRedisUrl, type RedisLink } from '../../src/store/redis-link';
import { createRedisMessageStore } from '../../src/store/redis-message-store';
import { LogCapture } from '../support/gateway';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';

const quiet = createLogger('silent');
const HOUR = 3_600_000;

function record(id: string, smscId: string, submittedAt = Date.now()): MessageRecord {
  return {
    id,
    smsc: 'default',
    status: 'accepted',
    to: '+44*******456',
    numberHash: 'f'.repeat(64),
    segments: [{ smscMessageId: smscId, status: 'accepted', error: null, acceptedAt: submittedAt }],
    submittedAt,
    updatedAt: submittedAt,
  };
}

(hasRedis() ? describe : describe.skip)('Redis stores', () => {
  let redis: RedisServer;
  let a: RedisLink;
  let b: RedisLink;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-redis-store-'));
    dirs.push(dir);
    return dir;
  };
  let prefixes = 0;
  const prefix = () => `rs${++prefixes}:`;
  const link = () => createRedisLink({ url: redis.url, commandTimeoutMs: 1000, logger: quiet });

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = [link(), link()];
    expect(await Promise.all([a.whenUp(5000), b.whenUp(5000)])).toEqual([true, true]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('counters', () => {
    it('counts a sliding window per key, refuses without recording, and says when a slot frees', async () => {
      const p = prefix();
      const counters = createRedisCounterStore(a, p);
      const limits = [{ key: 'number:x', limit: 2, windowMs: 60_000 }, { key: 'global', limit: 10, windowMs: 60_000 }];
      expect(await counters.take(limits, 'r1')).toEqual({ ok: true });
      expect(await counters.take(limits, 'r2')).toEqual({ ok: true });
      const refused = await counters.take(limits, 'r3');
      expect(refused).toMatchObject({ ok: false, refused: 0 });
      expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(59_000);
      expect(await a.client.zcard(`${p}{counters}:global`)).toBe(2); // the refusal counted nowhere
      // A refusal on a key that does not exist yet creates nothing.
      expect(await counters.take([{ key: 'number:y', limit: 5, windowMs: 60_000 }, { key: 'global', limit: 2, windowMs: 60_000 }], 'r4')).toMatchObject({ ok: false, refused: 1 });
      expect(await a.client.exists(`${p}{counters}:number:y`)).toBe(0);
      // Every key expires with its window; release gives a slot back.
      expect(await a.client.pttl(`${p}{counters}:number:x`)).toBeGreaterThan(59_000);
      await counters.release(['number:x', 'global'], 'r1');
      expect(await counters.take(limits, 'r5')).toEqual({ ok: true });
    });

    it('counts a request sent twice (a reply lost, the command resent) once', async () => {
      const counters = createRedisCounterStore(a, prefix());
      const limits = [{ key: 'number:z', limit: 2, windowMs: 60_000 }];
      expect(await counters.take(limits, 'same')).toEqual({ ok: true });
      expect(await counters.take(limits, 'same')).toEqual({ ok: true });
      expect(await counters.take(limits, 'other')).toEqual({ ok: true });
      expect(await counters.take(limits, 'third')).toMatchObject({ ok: false });
    });

    it('lets exactly one of 40 requests from two instances take the last slot', async () => {
      const p = prefix();
      const [one, two] = [createRedisCounterStore(a, p), createRedisCounterStore(b, p)];
      const limits = [{ key: 'number:race', limit: 3, windowMs: 60_000 }, { key: 'budget', limit: 1000, windowMs: 86_400_000 }];
      expect(await one.take(limits, 'early1')).toEqual({ ok: true });
      expect(await two.take(limits, 'early2')).toEqual({ ok: true });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take(limits, `racer${i}`)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await a.client.zcard(`${p}{counters}:number:race`)).toBe(3);
      expect(await a.client.zcard(`${p}{counters}:budget`)).toBe(3);
    });
  });

  describe('message store', () => {
    const open = (l: RedisLink, p: string, extra: Partial<Parameters<typeof createRedisMessageStore>[0]> = {}) =>
      createRedisMessageStore({ link: l, prefix: p, retentionMs: 24 * HOUR, spool: openRecordSpool(tempDir()), logger: quiet, ...extra });

    it('is one store for every instance, and a record expires at the end of its retention', async () => {
      const p = prefix();
      const [one, two] = [open(a, p), open(b, p)];
      const submittedAt = Date.now() - HOUR;
      await one.create(record('m1', '5F1A', submittedAt));
      expect(await two.get('m1')).toEqual(record('m1', '5F1A', submittedAt));
      expect(await two.findBySmscId('default', '5f1a', 'canonical')).toEqual([{ messageId: 'm1', part: 0, submittedAt }]);
      const ttl = await a.client.pttl(`${p}msg:m1`);
      expect(ttl).toBeGreaterThan(23 * HOUR - 60_000);
      expect(ttl).toBeLessThanOrEqual(23 * HOUR);
      await Promise.all([one.close(), two.close()]);
    });

    it('updates from two instances at once lose nothing (compare-and-set)', async () => {
      const p = prefix();
      const [one, two] = [open(a, p), open(b, p)];
      const r = { ...record('m1', '1'), segments: [0, 1, 2, 3].map((i) => ({ smscMessageId: String(i), status: 'accepted' as const, error: null, acceptedAt: 1 })) };
      await one.create(r);
      await Promise.all(
        [0, 1, 2, 3].map((part) =>
          (part % 2 ? one : two).update('m1', (rec) => ({ ...rec, segments: rec.segments.map((s, i) => (i === part ? { ...s, status: 'delivered' } : s)) })),
        ),
      );
      expect((await one.get('m1'))!.segments.map((s) => s.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
      await Promise.all([one.close(), two.close()]);
    });

    it('hands an expired held receipt to one instance only', async () => {
      const p = prefix();
      const [one, two] = [open(a, p), open(b, p)];
      const held = { smsc: 'default', receipt: { smscMessageId: 'AB', stat: 'DELIVRD' as const, state: 'delivered' as const, err: null, receivedAt: 1 }, exactKey: 'AB', canonicalKeys: ['ab'], expiresAt: Date.now() - 1 };
      await one.hold(held);
      expect(two.heldReceiptCount()).toBe(0); // it has not talked to Redis since
      await two.create(record('m2', 'CD'));
      expect(two.heldReceiptCount()).toBe(1); // a create learns that receipts are held
      // The count is the whole store's, as the hold cap (SMSGW_DLR_EARLY_RECEIPT_HOLD_MAX) needs.
      await two.hold({ ...held, exactKey: 'EF', canonicalKeys: ['ef'], receipt: { ...held.receipt, smscMessageId: 'EF' }, expiresAt: Date.now() + 60_000 });
      expect(two.heldReceiptCount()).toBe(2);
      expect(await one.expireHeld(Date.now(), 10)).toHaveLength(1); // the expired one only
      await one.hold({ ...held, exactKey: 'AC', receipt: { ...held.receipt, smscMessageId: 'AC' } });
      const [x, y] = await Promise.all([one.expireHeld(Date.now(), 10), two.expireHeld(Date.now(), 10)]);
      expect([...x, ...y].map((h) => h.receipt.smscMessageId)).toEqual(['AC']);
      expect(await one.findHeld('default', 'AB', 'ab')).toEqual([]);
      await Promise.all([one.close(), two.close()]);
    });

    it('keeps records locally while Redis is down, serves them, and writes them to Redis when it is back', async () => {
      const server = await startRedis();
      const logs = new LogCapture();
      const own = createRedisLink({ url: server.url, commandTimeoutMs: 500, logger: createLogger('info', logs) });
      const dir = tempDir();
      const flushed: string[] = [];
      const store = createRedisMessageStore({ link: own, prefix: 'sp:', retentionMs: 24 * HOUR, spool: openRecordSpool(dir), logger: createLogger('info', logs), onFlushed: (r) => flushed.push(r.id) });
      try {
        expect(await own.whenUp(5000)).toBe(true);
        await store.create(record('before', '1'));
        await server.kill();
        await store.create(record('during', '2')); // resolves: kept in the spool
        expect(store.spooled()).toBe(1);
        expect(await store.get('during')).toMatchObject({ id: 'during' });
        await expect(store.get('before')).rejects.toThrow(/Redis/); // not lost, but unreadable until Redis is back
        await server.restart();
        const until = Date.now() + 10_000;
        while (store.spooled() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        expect(flushed).toEqual(['during']);
        const reader = createRedisLink({ url: server.url, commandTimeoutMs: 1000, logger: quiet });
        expect(await reader.whenUp(5000)).toBe(true);
        const other = open(reader, 'sp:');
        expect(await other.get('during')).toMatchObject({ id: 'during' });
        expect(await other.findBySmscId('default', '2', 'exact')).toHaveLength(1);
        await other.close();
        await reader.close();
        expect(logs.text).not.toMatch(/password/);
      } finally {
        await store.close();
        await own.close();
        await server.stop();
      }
    });
  });

  it('never logs the password of the URL', () => {
    expect(redactRedisUrl('redis://user:s3cret@redis.example:6380/2')).toBe('redis://redis.example:6380/2');
    expect(redactRedisUrl('rediss://:s3cret@redis.example:6380')).toBe('rediss://redis.example:6380');
  });
});
