import path from 'node:path';
import type { MessageRecord } from './message-store';
import { openSqliteFile } from './sqlite-store';

export const SPOOL_FILE = 'redis-spool.sqlite';

/** A record waiting for Redis: its id and the exact JSON to store there. */
export interface SpooledRecord {
  id: string;
  json: string;
}

export interface RecordSpool {
  /** Durable once it returns (a process crash does not lose it). */
  add(id: string, json: string): void;
  get(id: string): MessageRecord | undefined;
  /** The oldest `limit` records, oldest first. */
  oldest(limit: number): SpooledRecord[];
  remove(ids: readonly string[]): void;
  count(): number;
  close(): void;
}

/**
 * Records written while Redis cannot take them, kept in the data directory until it can: a small
 * SQLite file (WAL, synchronous=NORMAL, like the embedded store), so a crash during a Redis outage
 * loses none of them, and every worker of one machine can share it. It stays empty, and costs
 * nothing, while Redis answers.
 */
export function openRecordSpool(dataDir: string): RecordSpool {
  const db = openSqliteFile(path.join(dataDir, SPOOL_FILE));
  db.exec('CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, json TEXT NOT NULL)');
  const sql = {
    add: db.prepare('INSERT OR IGNORE INTO records (id, json) VALUES (?, ?)'),
    get: db.prepare<[id: string], { json: string }>('SELECT json FROM records WHERE id = ?'),
    oldest: db.prepare<[limit: number], SpooledRecord>('SELECT id, json FROM records ORDER BY seq LIMIT ?'),
    remove: db.prepare('DELETE FROM records WHERE id = ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records'),
  };
  const removeAll = db.transaction((ids: readonly string[]) => {
    for (const id of ids) sql.remove.run(id);
  });
  return {
    add(id, json) {
      sql.add.run(id, json);
    },
    get(id) {
      const row = sql.get.get(id);
      return row && (JSON.parse(row.json) as MessageRecord);
    },
    oldest: (limit) => sql.oldest.all(limit),
    remove: (ids) => removeAll(ids),
    count: () => sql.count.get()!.n,
    close() {
      if (db.open) db.close();
    },
  };
}
