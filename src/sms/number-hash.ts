import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configError } from '../config/load-config';

const KEY_FILE = 'number-hash.key';
const GENERATED_KEY = /^[0-9a-f]{64}$/i;

/**
 * The key for hashing phone numbers: the configured one (production requires it, kept away from
 * the data directory), or outside production one generated on first start and kept in the data
 * directory (mode 0600), so records and rate counters correlate across restarts. A generated file
 * that is empty or damaged stops the start: hashing with a short or empty key would make every
 * number recoverable.
 */
export function loadNumberHashKey(configured: string, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, KEY_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw configError('privacy.numberHashKey', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text !== undefined) {
    if (GENERATED_KEY.test(text)) return Buffer.from(text, 'hex');
    throw configError(
      'privacy.numberHashKey',
      `${file} is ${text === '' ? 'empty' : 'corrupt'} (a generated key is 64 hex digits); delete it to have a new one generated (records hashed with the old key then no longer correlate), or set SMSGW_NUMBER_HASH_KEY_FILE`,
    );
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
