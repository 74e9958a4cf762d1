import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryStore } from '../../src/store/memory-store';
import type { HeldReceipt, MessageRecord, MessageStore } from '../../src/store/message-store';
import { openSqliteStore, STORE_FILE } from '../../src/store/sqlite-store';
import { openRecordSpool } from '../../src/store/record-spool';
import { createRedisLink, type RedisLink } from '../../src/store/redis-link';
import { createRedisMessageStore } from '../../src/store/redis-message-store';
import { createLogger } from '../../src/log';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function record(id: string, smscIds: (string | null)[], submittedAt = T0): MessageRecord {
  return {
    id,
    smsc: 'default',
    status: 'accepted',
    to: '+4479****3456',
    numberHash: 'f'.repeat(64),
    segments: smscIds.map((smscMessageId) => ({ smscMessageId, status: smscMessageId ? 'accepted' : 'rejected', error: smscMessageId ? null : 'ESME_RINVDSTADR (0x0B)', acceptedAt: smscMessageId ? submittedAt + 5 : null })),
    submittedAt,
    updatedAt: submittedAt + 5,
  };
}

function held(id: string, canonicalKeys: string[], expiresAt = T0 + 60_000, smsc = 'default'): HeldReceipt {
  return {
    smsc,
    receipt: { smscMessageId: id, stat: 'DELIVRD', state: 'delivered', err: '000', receivedAt: T0 },
    exactKey: id,
    canonicalKeys,
    expiresAt,
  };
}

const PAGE_SIZE = 4096;
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
const BIG_SEGMENTS = (key: string) => Array.from({ length: 30 }, (_, k) => `${key}-${k}-${'7'.repeat(20)}`);

/** Bytes this thread has passed to write(2) so far: Linux accounts I/O per thread. */
function threadWrittenBytes(): number {
  const line = readFileSync('/proc/thread-self/io', 'utf8').split('\n').find((l) => l.startsWith('wchar: '));
  return Number(line!.slice('wchar: '.length));
}

async function bytesThisThreadWrites(work: () => Promise<unknown>): Promise<number> {
  const before = threadWrittenBytes();
  await work();
  return threadWrittenBytes() - before;
}

async function waitForGrowth(file: string, sizeBefore: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (statSync(file).size <= sizeBefore) {
    if (Date.now() > deadline) throw new Error(`${file} did not grow within 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Writes in turns until the WAL holds 1.5 times SQLite's automatic-checkpoint threshold, while a
 * read transaction on another connection keeps any checkpoint from copying the new pages into the
 * database file. `release` ends that transaction.
 */
async function holdWalPastAutoCheckpoint(file: string, write: (turn: number) => Promise<unknown>): Promise<{ walPages: number; release(): void }> {
  const reader = new Database(file, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM sqlite_master').get(); // the snapshot starts here
  const walFrames = () => Math.floor(statSync(`${file}-wal`).size / (PAGE_SIZE + 24));
  const framesBefore = walFrames();
  let turn = 0;
  while (walFrames() - framesBefore <= SQLITE_AUTOCHECKPOINT_PAGES * 1.5 && turn < 1000) await write(turn++);
  return {
    walPages: walFrames() - framesBefore,
    release: () => {
      reader.exec('COMMIT');
      reader.close();
    },
  };
}

/** Runs `start`, then blocks this thread until `done()` or `timeoutMs`: no event-loop turn runs meanwhile. */
function blockThisThread(start: () => void, done: () => boolean, timeoutMs: number): { done: boolean; bytesWritten: number } {
  const before = threadWrittenBytes();
  start();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + timeoutMs;
  let finished = done();
  while (!finished && Date.now() < until) {
    Atomics.wait(sleeper, 0, 0, 20);
    finished = done();
  }
  return { done: finished, bytesWritten: threadWrittenBytes() - before };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// The Redis store runs the same contract against a real redis-server; each test has its own prefix.
let redis: RedisServer | undefined;
let link: RedisLink | undefined;
let prefixes = 0;
const quiet = createLogger('silent');
/** Records in these tests were submitted in January 2026: a retention of ten years keeps them. */
const TEN_YEARS_MS = 10 * 365 * 86_400_000;
const openRedisStore = () =>
  createRedisMessageStore({ link: link!, prefix: `t${++prefixes}:`, retentionMs: TEN_YEARS_MS, spool: openRecordSpool(tempDir()), logger: quiet });

const stores: [string, () => MessageStore][] = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => openSqliteStore(tempDir())],
];
if (hasRedis()) {
  stores.push(['redis', openRedisStore]);
  beforeAll(async () => {
    redis = await startRedis();
    link = createRedisLink({ url: redis.url, commandTimeoutMs: 2000, logger: quiet });
    expect(await link.whenUp(5000)).toBe(true);
  });
  afterAll(async () => {
    await link?.close();
    await redis?.stop();
  });
}

describe.each(stores)('%s store', (name, open) => {
  let store: MessageStore;
  beforeEach(() => {
    store = open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('returns what was created, as a copy', async () => {
    const r = record('m1', ['1A2B', null]);
    await store.create(r);
    const got = await store.get('m1');
    expect(got).toEqual(r);
    got!.segments[0]!.status = 'delivered';
    expect((await store.get('m1'))!.segments[0]!.status).toBe('accepted');
    expect(await store.get('nope')).toBeUndefined();
  });

  it('refuses a second record with the same id', async () => {
    await store.create(record('m1', ['1']));
    await expect(store.create(record('m1', ['2']))).rejects.toMatchObject({ message: expect.stringMatching(/exists|UNIQUE/) });
    expect((await store.get('m1'))!.segments[0]!.smscMessageId).toBe('1');
  });

  it('keeps the other writes of a batch when one of them fails', async () => {
    const results = await Promise.allSettled([
      store.create(record('m1', ['1'])),
      store.create(record('m1', ['2'])),
      store.create(record('m2', ['3'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.findBySmscId('default', '2', 'exact')).toEqual([]);
    expect(await store.get('m2')).toBeDefined();
  });

  it('finds segments by exact and by canonical SMSC id, per SMSC', async () => {
    await store.create(record('m1', ['00AbC', '7']));
    await store.create({ ...record('m2', ['00AbC']), smsc: 'other' });
    expect(await store.findBySmscId('default', '00AbC', 'exact')).toEqual([{ messageId: 'm1', part: 0, submittedAt: T0 }]);
    expect(await store.findBySmscId('default', 'abc', 'exact')).toEqual([]);
    expect(await store.findBySmscId('default', 'abc', 'canonical')).toEqual([{ messageId: 'm1', part: 0, submittedAt: T0 }]);
    expect(await store.findBySmscId('default', '7', 'canonical')).toEqual([{ messageId: 'm1', part: 1, submittedAt: T0 }]);
    expect(await store.findBySmscId('other', 'abc', 'canonical')).toEqual([{ messageId: 'm2', part: 0, submittedAt: T0 }]);
  });

  it('updates atomically and reports the stored record', async () => {
    await store.create(record('m1', ['1']));
    const updated = await store.update('m1', (r) => ({ ...r, status: 'delivered', updatedAt: T0 + 9 }));
    expect(updated).toMatchObject({ status: 'delivered', updatedAt: T0 + 9 });
    expect(await store.get('m1')).toMatchObject({ status: 'delivered', updatedAt: T0 + 9 });
    expect(await store.update('m1', () => undefined)).toMatchObject({ status: 'delivered' });
    expect(await store.update('missing', (r) => r)).toBeUndefined();
  });

  it('serialises concurrent updates of one record: none is lost', async () => {
    await store.create(record('m1', ['1', '2', '3']));
    await Promise.all(
      [0, 1, 2].map((part) =>
        store.update('m1', (r) => ({ ...r, segments: r.segments.map((s, i) => (i === part ? { ...s, status: 'delivered' } : s)) })),
      ),
    );
    expect((await store.get('m1'))!.segments.map((s) => s.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('holds receipts, finds them by exact or canonical key, and releases them', async () => {
    const id = await store.hold(held('3E9', ['3e9', '1001']));
    await store.hold(held('77', ['77'], T0 + 1, 'other'));
    expect(await store.findHeld('default', '3E9', 'zzz')).toEqual([{ ...held('3E9', ['3e9', '1001']), id }]);
    expect(await store.findHeld('default', 'nope', '1001')).toHaveLength(1);
    expect(await store.findHeld('default', 'nope', 'nope')).toEqual([]);
    expect(await store.findHeld('default', '77', '77')).toEqual([]);
    await store.release(id);
    expect(await store.findHeld('default', '3E9', '1001')).toEqual([]);
  });

  it('expires held receipts whose hold has passed, in chunks', async () => {
    for (let i = 0; i < 5; i++) await store.hold(held(`id${i}`, [], T0 + i * 1000));
    const first = await store.expireHeld(T0 + 3000, 3);
    expect(first.map((h) => h.receipt.smscMessageId)).toEqual(['id0', 'id1', 'id2']);
    expect((await store.expireHeld(T0 + 3000, 3)).map((h) => h.receipt.smscMessageId)).toEqual(['id3']);
    expect(await store.expireHeld(T0 + 3000, 3)).toEqual([]);
    expect(await store.findHeld('default', 'id4', 'x')).toHaveLength(1);
  });

  // Redis expires records by their TTL instead (see the redis store's own tests).
  if (name !== 'redis') it('purges records submitted before the cut-off, with their SMSC ids', async () => {
    await store.create(record('old1', ['A'], T0));
    await store.create(record('old2', ['B'], T0 + 1000));
    await store.create(record('new', ['C'], T0 + 10_000));
    expect(await store.purgeMessages(T0 + 5000, 1)).toBe(1);
    expect(await store.purgeMessages(T0 + 5000, 10)).toBe(1);
    expect(await store.purgeMessages(T0 + 5000, 10)).toBe(0);
    expect(await store.get('old1')).toBeUndefined();
    expect(await store.get('old2')).toBeUndefined();
    expect(await store.findBySmscId('default', 'a', 'canonical')).toEqual([]);
    expect(await store.findBySmscId('default', 'B', 'exact')).toEqual([]);
    expect(await store.get('new')).toBeDefined();
    expect(await store.findBySmscId('default', 'C', 'exact')).toHaveLength(1);
  });
});

describe('sqlite store', () => {
  it('keeps records and held receipts across a close and reopen', async () => {
    const dir = tempDir();
    const first = openSqliteStore(dir);
    await first.create(record('m1', ['1A2B']));
    await first.hold(held('99', ['99']));
    await first.close();

    const second = openSqliteStore(dir);
    expect(await second.get('m1')).toEqual(record('m1', ['1A2B']));
    expect(await second.findBySmscId('default', '1a2b', 'canonical')).toHaveLength(1);
    expect(await second.findHeld('default', '99', '99')).toHaveLength(1);
    await second.close();
  });

  it('commits the writes of one event-loop turn together, and reads see them before the commit', async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir);
    const writes = Array.from({ length: 50 }, (_, i) => store.create(record(`m${i}`, [String(i)])));
    // Not committed yet: another connection sees nothing, this one sees everything.
    const other = new Database(path.join(dir, STORE_FILE), { readonly: true });
    expect(other.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
    expect(await store.get('m49')).toBeDefined();
    await Promise.all(writes);
    expect(other.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 50 });
    other.close();
    await store.close();
  });

  it('commits on the next turn when idle, and holds a batch open 2 ms while busy so more writes share its commit', async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir);
    const other = new Database(path.join(dir, STORE_FILE), { readonly: true });
    const committed = () => (other.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    try {
      // Idle (no commit yet): four writes of one turn commit on the next turn, no time passing.
      const burst = Array.from({ length: 4 }, (_, i) => store.create(record(`b${i}`, [`B${i}`])));
      jest.advanceTimersByTime(0);
      await Promise.all(burst);
      expect(committed()).toBe(4);

      // Busy (the last commit had 4 writes): the next batch waits for the window.
      let done = false;
      const next = store.create(record('n1', ['N1'])).then(() => (done = true));
      jest.advanceTimersByTime(1);
      await Promise.resolve();
      expect({ done, committed: committed() }).toEqual({ done: false, committed: 4 });
      jest.advanceTimersByTime(1);
      await next;
      expect(committed()).toBe(5);

      // Idle again (the last commit had one write): the next turn commits.
      const single = store.create(record('s1', ['S1']));
      jest.advanceTimersByTime(0);
      await single;
      expect(committed()).toBe(6);
    } finally {
      jest.useRealTimers();
      other.close();
      await store.close();
    }
  });

  it('undoes a record whose SMSC ids could not be stored, and keeps the rest of the batch', async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir);
    await store.create(record('m0', ['0']));
    // A trigger makes the second statement of one create fail after its first succeeded.
    const admin = new Database(path.join(dir, STORE_FILE));
    admin.exec("CREATE TRIGGER refuse_boom BEFORE INSERT ON smsc_ids WHEN NEW.smsc_id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
    admin.close();
    const results = await Promise.allSettled([
      store.create(record('m1', ['1'])),
      store.create(record('m2', ['2', 'boom'])),
      store.create(record('m3', ['3'])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.get('m2')).toBeUndefined();
    expect(await store.findBySmscId('default', '2', 'exact')).toEqual([]);
    expect(await store.get('m1')).toBeDefined();
    expect(await store.findBySmscId('default', '3', 'exact')).toHaveLength(1);
    await store.close();
    const reopened = openSqliteStore(dir);
    expect(await reopened.get('m2')).toBeUndefined();
    expect(await reopened.get('m3')).toBeDefined();
    await reopened.close();
  });

  it('checkpoints the WAL into the database file from its worker, not in the commits', async () => {
    const dir = tempDir();
    const file = path.join(dir, STORE_FILE);
    const store = openSqliteStore(dir);
    const writeMany = (turn: number) =>
      Promise.all(Array.from({ length: 20 }, (_, j) => store.create(record(`m${turn}-${j}`, BIG_SEGMENTS(`${turn}-${j}`)))));
    try {
      await store.create(record('m0', ['0']));
      await waitForGrowth(file, statSync(file).size); // the worker runs: the store has turned SQLite's own checkpoint off

      // Not in the commits: past SQLite's threshold, its own checkpoint would copy the pages into
      // the file inside the next commit, in this thread. The commit writes its few WAL frames only.
      const { walPages, release } = await holdWalPastAutoCheckpoint(file, writeMany);
      expect(walPages).toBeGreaterThan(SQLITE_AUTOCHECKPOINT_PAGES);
      release();
      expect(await bytesThisThreadWrites(() => store.create(record('last', ['last'])))).toBeLessThan(16 * PAGE_SIZE);

      // From its worker: with this thread blocked from the moment the pages may be copied (no event
      // loop turn, no commit, no timer of ours), the file still grows by megabytes.
      const again = await holdWalPastAutoCheckpoint(file, (turn) => writeMany(turn + 1000));
      const sizeAtRelease = statSync(file).size;
      const blocked = blockThisThread(again.release, () => statSync(file).size >= sizeAtRelease + 2 ** 20, 5000);
      expect(blocked.done).toBe(true);
      expect(blocked.bytesWritten).toBeLessThan(PAGE_SIZE);
    } finally {
      await store.close();
    }
  });

  it('the checks above see a checkpoint that SQLite runs in the commit (a plain connection)', async () => {
    const file = path.join(tempDir(), 'plain.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const insertMany = db.transaction(() => {
      for (let j = 0; j < 20; j++) insert.run('x'.repeat(3000));
    });
    try {
      const { walPages, release } = await holdWalPastAutoCheckpoint(file, async () => insertMany());
      expect(walPages).toBeGreaterThan(SQLITE_AUTOCHECKPOINT_PAGES);
      release();
      expect(await bytesThisThreadWrites(async () => insert.run('last'))).toBeGreaterThan(SQLITE_AUTOCHECKPOINT_PAGES * PAGE_SIZE);
    } finally {
      db.close();
    }
  });
  it('rejects a write while another process holds the write lock, and succeeds after', async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir);
    await store.create(record('m1', ['1']));
    const locker = new Database(path.join(dir, STORE_FILE));
    locker.exec('BEGIN IMMEDIATE');
    // toMatchObject, not toThrow: a SqliteError made in another jest module registry is not an Error here.
    await expect(store.update('m1', (r) => ({ ...r, status: 'delivered' }))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect((await store.get('m1'))!.status).toBe('accepted');
    locker.exec('ROLLBACK');
    locker.close();
    await store.update('m1', (r) => ({ ...r, status: 'delivered' }));
    expect((await store.get('m1'))!.status).toBe('delivered');
    await store.close();
  });

  it('creates the database file readable by its owner only', async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir);
    await store.create(record('m1', ['1']));
    expect(statSync(path.join(dir, STORE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, `${STORE_FILE}-wal`)).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('refuses a file written by a newer schema', () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, STORE_FILE));
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteStore(dir)).toThrow(/schema version 99/);
  });
});
