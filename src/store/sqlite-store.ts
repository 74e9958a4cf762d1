import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { canonicalId } from './smsc-message-id';
import type { HeldReceipt, MessageRecord, MessageStatus, MessageStore, SegmentRecord, SegmentRef, StoredHeldReceipt } from './message-store';
import { startWalCheckpointer } from './wal-checkpointer';

/** Where the store reports what happens to its checkpoint worker. */
export interface StoreLog {
  warn(message: string): void;
  info(message: string): void;
}

export const STORE_FILE = 'messages.sqlite';
const SCHEMA_VERSION = 1;
const SMSC_ID_COLUMNS = 6;
// A lock held by someone else (an operator's sqlite3 shell) is waited for this long, blocking
// the event loop, before the write fails and a receipt is answered ESME_RX_T_APPN.
const BUSY_TIMEOUT_MS = 250;
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
// Group commit when busy: after a commit of at least this many writes, the next batch stays open
// this long, so more messages share a commit and its WAL pages. Measured on a saturated gateway
// (the reference harness's load): 159 -> 135 µs of CPU per message. A gateway that is not busy
// (1,000 req/s: one write per commit) still commits on the next turn, adding no latency.
const BUSY_BATCH_WRITES = 4;
const BUSY_COMMIT_WINDOW_MS = 2;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    id TEXT NOT NULL UNIQUE,
    smsc TEXT NOT NULL,
    status TEXT NOT NULL,
    number_masked TEXT NOT NULL,
    number_hash TEXT NOT NULL,
    segments TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS messages_submitted_at ON messages (submitted_at);
  CREATE TABLE IF NOT EXISTS smsc_ids (
    smsc TEXT NOT NULL,
    smsc_id TEXT NOT NULL,
    canonical_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS smsc_ids_canonical ON smsc_ids (smsc, canonical_id);
  CREATE INDEX IF NOT EXISTS smsc_ids_message_id ON smsc_ids (message_id);
  CREATE TABLE IF NOT EXISTS held_receipts (
    id INTEGER PRIMARY KEY,
    smsc TEXT NOT NULL,
    held TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS held_receipts_expires_at ON held_receipts (expires_at);
  CREATE TABLE IF NOT EXISTS held_keys (
    smsc TEXT NOT NULL,
    key TEXT NOT NULL,
    held_id INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS held_keys_key ON held_keys (smsc, key);
  CREATE INDEX IF NOT EXISTS held_keys_held_id ON held_keys (held_id);
`;

interface MessageRow {
  id: string;
  smsc: string;
  status: MessageStatus;
  number_masked: string;
  number_hash: string;
  segments: string;
  submitted_at: number;
  updated_at: number;
}

interface HeldRow {
  id: number;
  held: string;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

// Held-receipt keys share one index column; the prefix says which kind of match the key is for.
const exactHeldKey = (key: string) => `x:${key}`;
const canonicalHeldKey = (key: string) => `c:${key}`;

/**
 * Opens (creating it owner-only) one of the gateway's SQLite files in the data directory, in WAL
 * mode with synchronous=NORMAL: a commit survives a process crash. Shared with the Redis record spool.
 */
export function openSqliteFile(file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  // Created owner-only up front: SQLite gives the -wal and -shm files the same mode.
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * The embedded default store: one SQLite file in the data directory, in WAL mode.
 *
 * Writes are applied at once inside a transaction that is committed on the next turn of the
 * event loop, so everything written in one turn shares one commit (a commit per message measured
 * 100-200 µs; batched, 15-40 µs); when busy, a batch stays open a little longer
 * (BUSY_COMMIT_WINDOW_MS). Each write resolves only after its commit, and reads on the same
 * connection see writes not yet committed. Every write is atomic on its own (a savepoint, or
 * statements undone by hand), so a failing one leaves the rest of the batch intact.
 * synchronous=NORMAL: a commit survives a process crash; a power cut can lose the last few.
 * WAL checkpoints run in a worker thread (wal-checkpointer.ts), not inside the commits.
 */
export function openSqliteStore(dataDir: string, opts: { log?: StoreLog } = {}): MessageStore {
  const file = path.join(dataDir, STORE_FILE);
  const db = openSqliteFile(file);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  let checkpointerFailed = false;
  const checkpointer = startWalCheckpointer({
    file,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    onRunning: () => {
      if (!db.open) return;
      db.pragma('wal_autocheckpoint = 0');
      if (checkpointerFailed) opts.log?.info('WAL checkpoint worker running again; commits no longer checkpoint');
      checkpointerFailed = false;
    },
    onFailed: (reason, restartInMs) => {
      if (!db.open) return;
      db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      checkpointerFailed = true;
      opts.log?.warn(`${reason}; SQLite checkpoints in the commits again (slower) until a new worker starts in ${restartInMs} ms`);
    },
  });

  const sql = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    insertMessage: db.prepare(
      'INSERT INTO messages (id, smsc, status, number_masked, number_hash, segments, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    getMessage: db.prepare<[id: string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    updateMessage: db.prepare('UPDATE messages SET status = ?, segments = ?, updated_at = ? WHERE id = ?'),
    // An exact match is also a canonical one, so one index serves both lookups.
    byExactId: db.prepare<[smsc: string, canonicalId: string, smscId: string], { message_id: string; part: number; submitted_at: number }>(
      'SELECT message_id, part, submitted_at FROM smsc_ids WHERE smsc = ? AND canonical_id = ? AND smsc_id = ?',
    ),
    byCanonicalId: db.prepare<[smsc: string, canonicalId: string], { message_id: string; part: number; submitted_at: number }>(
      'SELECT message_id, part, submitted_at FROM smsc_ids WHERE smsc = ? AND canonical_id = ?',
    ),
    insertHeld: db.prepare('INSERT INTO held_receipts (smsc, held, expires_at) VALUES (?, ?, ?)'),
    insertHeldKey: db.prepare('INSERT INTO held_keys (smsc, key, held_id) VALUES (?, ?, ?)'),
    findHeld: db.prepare<[smsc: string, exactKey: string, canonicalKey: string], HeldRow>(
      'SELECT DISTINCT r.id, r.held FROM held_keys k JOIN held_receipts r ON r.id = k.held_id WHERE k.smsc = ? AND k.key IN (?, ?) ORDER BY r.id',
    ),
    deleteHeld: db.prepare('DELETE FROM held_receipts WHERE id = ?'),
    deleteHeldKeys: db.prepare('DELETE FROM held_keys WHERE held_id = ?'),
    countHeld: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM held_receipts'),
    expiredHeld: db.prepare<[now: number, limit: number], HeldRow>('SELECT id, held FROM held_receipts WHERE expires_at <= ? ORDER BY expires_at LIMIT ?'),
    oldMessages: db.prepare<[before: number, limit: number], { id: string }>('SELECT id FROM messages WHERE submitted_at < ? LIMIT ?'),
    deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
    deleteSmscIds: db.prepare('DELETE FROM smsc_ids WHERE message_id = ?'),
  };

  let waiters: Waiter[] = [];
  /** Set while a batch is open: cancels its scheduled commit. */
  let commitTimer: (() => void) | undefined;
  let lastBatchWrites = 0;
  function scheduleCommit(): void {
    if (lastBatchWrites >= BUSY_BATCH_WRITES) {
      const timer = setTimeout(commit, BUSY_COMMIT_WINDOW_MS);
      commitTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(commit);
      commitTimer = () => clearImmediate(immediate);
    }
  }
  function cancelCommit(): void {
    commitTimer?.();
    commitTimer = undefined;
  }
  // Held receipts are rare: knowing there are none saves a query per new record. Changed only by
  // writes that succeeded, and recounted whenever a batch is lost.
  let heldCount = sql.countHeld.get()!.n;
  function recountHeld(): void {
    try {
      heldCount = sql.countHeld.get()!.n;
    } catch {
      heldCount = Infinity; // unknown until a count succeeds: look, and hold nothing more
    }
  }

  /** The open batch did not reach the file: every write in it fails. */
  function loseBatch(err: unknown): void {
    commitTimer = undefined;
    recountHeld();
    const lost = waiters;
    waiters = [];
    for (const waiter of lost) waiter.reject(err);
  }

  function commit(): void {
    commitTimer = undefined;
    try {
      sql.commit.run();
    } catch (err) {
      try {
        if (db.inTransaction) sql.rollback.run();
      } catch {
        // The connection is broken; the next write reports it.
      }
      loseBatch(err);
      return;
    }
    const batch = waiters;
    waiters = [];
    lastBatchWrites = batch.length;
    for (const waiter of batch) waiter.resolve();
  }

  /**
   * Runs `op` now, atomically, in the current batch; resolves with its result after the commit.
   * `op` runs in a savepoint unless it is atomic by itself (`selfAtomic`): a savepoint costs about
   * as much as the inserts of a new record.
   */
  function write<T>(op: () => T, selfAtomic = false): Promise<T> {
    try {
      if (!db.inTransaction) {
        sql.begin.run();
        scheduleCommit();
      }
      const result = selfAtomic ? op() : db.transaction(op)();
      return new Promise<T>((resolve, reject) => waiters.push({ resolve: () => resolve(result), reject }));
    } catch (err) {
      // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the batch is lost.
      if (!db.inTransaction && commitTimer) {
        cancelCommit();
        loseBatch(err);
      }
      return Promise.reject(err);
    }
  }

  async function read<T>(op: () => T): Promise<T> {
    return op();
  }

  function toRecord(row: MessageRow): MessageRecord {
    return {
      id: row.id,
      smsc: row.smsc,
      status: row.status,
      to: row.number_masked,
      numberHash: row.number_hash,
      segments: JSON.parse(row.segments) as SegmentRecord[],
      submittedAt: row.submitted_at,
      updatedAt: row.updated_at,
    };
  }

  const toHeld = (row: HeldRow): StoredHeldReceipt => ({ ...(JSON.parse(row.held) as HeldReceipt), id: String(row.id) });

  // One INSERT for all the parts of a message, prepared once per number of parts.
  const insertSmscIdsByCount = new Map<number, Database.Statement>();
  function insertSmscIds(rows: number): Database.Statement {
    let statement = insertSmscIdsByCount.get(rows);
    if (!statement) {
      const row = `(${Array.from({ length: SMSC_ID_COLUMNS }, () => '?').join(', ')})`;
      statement = db.prepare(`INSERT INTO smsc_ids (smsc, smsc_id, canonical_id, message_id, part, submitted_at) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`);
      insertSmscIdsByCount.set(rows, statement);
    }
    return statement;
  }

  /** Undoes part of a failed write; if even that fails, the whole batch is rolled back and lost. */
  function undoOrLoseBatch(undo: () => unknown): void {
    try {
      undo();
    } catch {
      if (db.inTransaction) sql.rollback.run();
    }
  }

  function deleteHeld(id: number | string): number {
    const { changes } = sql.deleteHeld.run(id);
    sql.deleteHeldKeys.run(id);
    return changes;
  }

  return {
    create(record) {
      // Two statements, each atomic: when the second fails, the first is undone by hand.
      return write(() => {
        sql.insertMessage.run(
          record.id,
          record.smsc,
          record.status,
          record.to,
          record.numberHash,
          JSON.stringify(record.segments),
          record.submittedAt,
          record.updatedAt,
        );
        const values: unknown[] = [];
        record.segments.forEach((segment, part) => {
          if (segment.smscMessageId === null) return;
          values.push(record.smsc, segment.smscMessageId, canonicalId(segment.smscMessageId), record.id, part, record.submittedAt);
        });
        if (values.length === 0) return;
        try {
          insertSmscIds(values.length / SMSC_ID_COLUMNS).run(values);
        } catch (err) {
          undoOrLoseBatch(() => sql.deleteMessage.run(record.id));
          throw err;
        }
      }, true);
    },

    get(id) {
      return read(() => {
        const row = sql.getMessage.get(id);
        return row && toRecord(row);
      });
    },

    update(id, change) {
      // One read, one UPDATE: atomic without a savepoint.
      return write(() => {
        const row = sql.getMessage.get(id);
        if (!row) return undefined;
        const next = change(toRecord(row));
        if (!next) return toRecord(row);
        sql.updateMessage.run(next.status, JSON.stringify(next.segments), next.updatedAt, id);
        return next;
      }, true);
    },

    findBySmscId(smsc, key, kind) {
      return read(() => {
        const rows = kind === 'exact' ? sql.byExactId.all(smsc, canonicalId(key), key) : sql.byCanonicalId.all(smsc, key);
        return rows.map((row): SegmentRef => ({ messageId: row.message_id, part: row.part, submittedAt: row.submitted_at }));
      });
    },

    hold(receipt) {
      return write(() => {
        const { lastInsertRowid } = sql.insertHeld.run(receipt.smsc, JSON.stringify(receipt), receipt.expiresAt);
        sql.insertHeldKey.run(receipt.smsc, exactHeldKey(receipt.exactKey), lastInsertRowid);
        for (const key of receipt.canonicalKeys) sql.insertHeldKey.run(receipt.smsc, canonicalHeldKey(key), lastInsertRowid);
        heldCount++;
        return String(lastInsertRowid);
      });
    },

    heldReceiptCount() {
      if (heldCount === Infinity) recountHeld();
      return heldCount;
    },

    findHeld(smsc, exactKey, canonicalKey) {
      return read(() => sql.findHeld.all(smsc, exactHeldKey(exactKey), canonicalHeldKey(canonicalKey)).map(toHeld));
    },

    release(id) {
      return write(() => {
        heldCount -= deleteHeld(id);
      });
    },

    expireHeld(now, limit) {
      return write(() => {
        const rows = sql.expiredHeld.all(now, limit);
        for (const row of rows) deleteHeld(row.id);
        heldCount -= rows.length;
        return rows.map(toHeld);
      });
    },

    purgeMessages(before, limit) {
      return write(() => {
        const rows = sql.oldMessages.all(before, limit);
        for (const { id } of rows) {
          sql.deleteSmscIds.run(id);
          sql.deleteMessage.run(id);
        }
        return rows.length;
      });
    },

    async close() {
      if (!db.open) return;
      if (commitTimer) {
        cancelCommit();
        commit();
      }
      // The last connection to close checkpoints the whole WAL: that must be this one.
      await checkpointer.stop();
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`${db.name} has schema version ${version}; this gateway knows up to ${SCHEMA_VERSION} (was it written by a newer release?)`);
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
