import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The credentials of the service unit (deploy/smsgw.service: LoadCredential=NAME:…) and the *_FILE
 * setting each one is read through. The unit points the settings at $CREDENTIALS_DIRECTORY/NAME;
 * `smsgw --credentials DIR` points them at DIR/NAME, so the CLI reads the same secrets on the host.
 */
export const CREDENTIAL_SETTINGS = {
  'smpp-password': 'SMSGW_SMSC_PASSWORD_FILE',
  'number-hash-key': 'SMSGW_NUMBER_HASH_KEY_FILE',
} as const;

/** The *_FILE settings for the credentials present in `dir`. */
export function credentialFiles(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, setting] of Object.entries(CREDENTIAL_SETTINGS)) {
    const file = path.resolve(dir, name);
    if (existsSync(file)) env[setting] = file;
  }
  return env;
}
