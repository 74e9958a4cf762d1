import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ENV_EXAMPLE = path.join(__dirname, '../../deploy/smsgw.env.example');

export interface ServiceHost {
  /** As /etc/smsgw/smsgw.env, the unit's EnvironmentFile. */
  envFile: string;
  /** As /etc/smsgw/credentials: smpp-password and number-hash-key, the unit's LoadCredential sources. */
  credentials: string;
  /** What the files hold, for checking that none of it is ever printed. */
  secrets: { smppPassword: string; numberHashKey: string; token: string };
  remove(): void;
}

/**
 * A service host's files as the README's "Install as a service" steps leave them, in a temporary
 * directory instead of /etc/smsgw and /var/lib/smsgw: smsgw.env is deploy/smsgw.env.example with
 * this directory's paths and `settings` written over its values (appended when it has no such line),
 * the secrets written as the steps write them (a trailing newline, mode 600).
 */
export function serviceHost(smppPassword: string, settings: Record<string, string> = {}): ServiceHost {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-host-'));
  const credentials = path.join(dir, 'credentials');
  mkdirSync(credentials, { mode: 0o700 });
  const secrets = { smppPassword, numberHashKey: randomBytes(48).toString('base64'), token: randomBytes(32).toString('base64url') };
  writeFileSync(path.join(credentials, 'smpp-password'), `${secrets.smppPassword}\n`, { mode: 0o600 });
  writeFileSync(path.join(credentials, 'number-hash-key'), `${secrets.numberHashKey}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, 'exsign-token'), `${secrets.token}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, 'smsgw.json'), '{"allowedIps": ["127.0.0.1", "::1"]}\n');
  const envFile = path.join(dir, 'smsgw.env');
  const values = {
    SMSGW_DATA_DIR: path.join(dir, 'data'),
    SMSGW_CONFIG: path.join(dir, 'smsgw.json'),
    SMSGW_AUTH_TOKEN_FILE: path.join(dir, 'exsign-token'),
    ...settings,
  };
  writeFileSync(envFile, withValues(readFileSync(ENV_EXAMPLE, 'utf8'), values));
  return { envFile, credentials, secrets, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** KEY=VALUE text with these values in place of the file's own, in their lines. */
function withValues(text: string, values: Record<string, string>): string {
  const left = new Map(Object.entries(values));
  const lines = text.trimEnd().split('\n').map((line) => {
    const key = /^(\w+)=/.exec(line)?.[1];
    if (key === undefined || !left.has(key)) return line;
    const replaced = `${key}=${left.get(key)}`;
    left.delete(key);
    return replaced;
  });
  return `${[...lines, ...[...left].map(([key, value]) => `${key}=${value}`)].join('\n')}\n`;
}
