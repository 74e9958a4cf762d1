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

/**
 * The *_FILE settings pointed at DIR/NAME, each whether or not its file is there, as the unit's
 * Environment= lines do: a missing credential is then named by the configuration's one-line error
 * (`SMSGW_SMSC_PASSWORD_FILE: cannot read DIR/smpp-password: ENOENT`), not hidden behind a fallback.
 */
export function credentialFiles(dir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(CREDENTIAL_SETTINGS).map(([name, setting]) => [setting, path.resolve(dir, name)]));
}
