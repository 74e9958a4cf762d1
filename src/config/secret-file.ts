import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

/**
 * A secret kept in a file (the *_FILE settings and an SMSC entry's passwordFile): text (a binary
 * file would be mangled by decoding), trimmed, never empty. Throws an Error saying what is wrong
 * with the file, for the caller to name the setting.
 */
export function readSecretFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!isUtf8(bytes)) throw new Error(`${file} is not text (UTF-8); write the secret as text, e.g. openssl rand -hex 32`);
  const secret = bytes.toString('utf8').trim();
  if (!secret) throw new Error(`${file} is empty`);
  return secret;
}
