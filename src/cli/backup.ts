import path from 'node:path';
import { backupMessageStore } from '../store/backup';
import { UsageError, type Command } from './command';

export const backupCommand: Command = {
  name: 'backup',
  args: ['FILE'],
  summary: 'write an online, consistent copy of the message store to FILE',
  help: `Copies the SQLite message store (SMSGW_DATA_DIR/messages.sqlite) to FILE while the gateway keeps
running: one consistent snapshot (SQLite VACUUM INTO inside a read transaction, which in WAL mode
neither blocks nor waits for the gateway's writes), compacted, created with mode 0600, then checked
with SQLite's integrity check. FILE must not exist. Prints the message count, the size and the store's
schema version. Run it as a user that can read the data directory, from the directory the gateway
runs in when SMSGW_DATA_DIR is relative.`,
  options: {},
  async run(ctx) {
    const [file] = ctx.args;
    if (!file || ctx.args.length > 1) throw new UsageError('backup needs one FILE to write');
    const config = ctx.config();
    if (config.redis.url) {
      const why = 'nothing to back up here: with SMSGW_REDIS_URL set, message records live in Redis; back up its AOF or RDB file (BGSAVE), as its persistence settings say';
      return { ok: false, text: why, json: { ok: false, error: why } };
    }
    if (config.store.type !== 'sqlite') {
      const why = `nothing to back up: SMSGW_STORE is ${config.store.type}, so message records live in the gateway's memory`;
      return { ok: false, text: why, json: { ok: false, error: why } };
    }
    const started = performance.now();
    const backup = backupMessageStore(config.dataDir, path.resolve(file));
    const ms = Math.round(performance.now() - started);
    const text = `backup written: ${backup.target} (${backup.messages} messages, ${backup.bytes} bytes, store schema version ${backup.schemaVersion}, ${ms} ms) from ${backup.source}`;
    return { ok: true, text, json: { ok: true, ...backup, ms } };
  },
};
