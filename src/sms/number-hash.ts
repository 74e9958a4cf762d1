import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'number-hash.key';

/**
 * The key for hashing phone numbers: the configured one, or one generated on first start and kept
 * in the data directory (mode 0600), so records and rate counters correlate across restarts
 * without a production setting.
 */
export function loadNumberHashKey(configured: string, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, KEY_FILE);
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** HMAC-SHA256 of the E.164 number: stable for correlation, useless without the key. */
export function hashNumber(key: Buffer, e164: string): string {
  return createHmac('sha256', key).update(e164).digest('hex');
}

/** HMAC-SHA256 of a text sent to a number: spots a repeat without keeping the text. */
export function hashMessage(key: Buffer, e164: string, text: string): string {
  return createHmac('sha256', key).update(e164).update('\0').update(text, 'utf8').digest('hex');
}
