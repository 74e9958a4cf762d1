import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { STORE_FILE } from './sqlite-store';

export interface StoreBackup {
  source: string;
  target: string;
  messages: number;
  bytes: number;
  /** The store's schema version (SQLite user_version) in the copy. */
  schemaVersion: number;
}

// How long the copy waits for a lock held by someone else (an operator's sqlite3 shell); the
// gateway's own writes never block it.
const BUSY_TIMEOUT_MS = 5000;

/**
 * An online, consistent copy of the SQLite message store in `dataDir` into `target`, which must not
 * exist yet. VACUUM INTO reads one snapshot inside a read transaction, which in WAL mode neither
 * waits for nor blocks the running gateway's writes, and writes a compact file. The copy is
 * created owner-only (it holds masked numbers and their keyed hashes) and checked before this
 * returns; a failed copy is removed.
 */
export function backupMessageStore(dataDir: string, target: string): StoreBackup {
  const source = path.resolve(dataDir, STORE_FILE);
  if (!existsSync(source)) throw new Error(`no message store at ${source} (is SMSGW_DATA_DIR right, and SMSGW_STORE sqlite?)`);
  try {
    closeSync(openSync(target, 'wx', 0o600)); // VACUUM INTO accepts an empty file
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EEXIST' ? `${target} exists; a backup never overwrites a file` : `cannot create ${target}: ${code ?? String(err)}`);
  }
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      db.prepare('VACUUM INTO ?').run(target);
    } finally {
      db.close();
    }
    const copy = new Database(target, { readonly: true, fileMustExist: true });
    try {
      const integrity = copy.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new Error(`the copy failed SQLite's integrity check: ${String(integrity)}`);
      const { count } = copy.prepare<[], { count: number }>('SELECT count(*) AS count FROM messages').get()!;
      return { source, target, messages: count, bytes: statSync(target).size, schemaVersion: copy.pragma('user_version', { simple: true }) as number };
    } finally {
      copy.close();
    }
  } catch (err) {
    unlinkSync(target);
    throw err;
  }
}
