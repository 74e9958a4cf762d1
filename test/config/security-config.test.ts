import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, MIN_TOKEN_LENGTH } from '../../src/config/load-config';
import { startupWarnings } from '../../src/config/startup-warnings';

const TOKEN = 'Zq8v3LrT0pW6yN2k'; // 16 characters
const production = (env: Record<string, string>) =>
  loadConfig({
    env: {
      NODE_ENV: 'production',
      SMSGW_SMSC_URL: 'smpp://127.0.0.1:2775',
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_AUTH_TOKEN: TOKEN,
      SMSGW_NUMBER_HASH_KEY: 'security-config-test-number-hash-key',
      SMSGW_DEFAULT_REGION: 'GB',
      ...env,
    },
  });

describe('token settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'smsgw-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = (name: string, content: string, mode: number) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  };

  it(`production refuses a token shorter than ${MIN_TOKEN_LENGTH} characters, naming the variable and not the token`, () => {
    expect(MIN_TOKEN_LENGTH).toBe(16);
    expect(() => production({ SMSGW_AUTH_TOKEN: TOKEN.slice(1) })).toThrow(
      'Invalid configuration: auth.token (SMSGW_AUTH_TOKEN): must be at least 16 characters in production',
    );
    expect(() => production({ SMSGW_AUTH_TOKEN: '' })).toThrow(/auth\.token \(SMSGW_AUTH_TOKEN\): required in production/);
    expect(() => production({ SMSGW_AUTH_TOKEN_PREVIOUS: 'old-short' })).toThrow(
      'Invalid configuration: auth.tokenPrevious (SMSGW_AUTH_TOKEN_PREVIOUS): must be at least 16 characters in production',
    );
    expect(production({}).auth.token).toBe(TOKEN);
  });

  it('refuses a token file that holds only whitespace, naming the file', () => {
    const file = secretFile('blank', '  \n', 0o600);
    expect(() => production({ SMSGW_AUTH_TOKEN: '', SMSGW_AUTH_TOKEN_FILE: file })).toThrow(`auth.tokenFile (SMSGW_AUTH_TOKEN_FILE): ${file} is empty`);
  });

  it('reads the previous token from a file for a rotation, trimming the newline', () => {
    const file = secretFile('previous', 'old-token-0123456789\n', 0o600);
    const config = production({ SMSGW_AUTH_TOKEN_PREVIOUS_FILE: file });
    expect(config.auth.tokenPrevious).toBe('old-token-0123456789');
    expect(startupWarnings(config)).toEqual(['SMSGW_AUTH_TOKEN_PREVIOUS is set: two tokens are accepted; remove it once the portal sends the new token']);
  });

  it('warns when a secret file is readable by group or others, never quoting the secret', () => {
    const open = secretFile('open-token', `${TOKEN}\n`, 0o644);
    const group = secretFile('group-password', 'secret12\n', 0o640);
    const closed = secretFile('closed-token', `${TOKEN}\n`, 0o600);
    const warnings = startupWarnings(production({ SMSGW_AUTH_TOKEN_FILE: open, SMSGW_SMSC_PASSWORD_FILE: group }));
    expect(warnings).toEqual([
      `SMSGW_AUTH_TOKEN_FILE: ${open} has mode 0644, so other users can read or change it; run chmod 600 (or 400) on it`,
      `SMSGW_SMSC_PASSWORD_FILE: ${group} has mode 0640, so other users can read or change it; run chmod 600 (or 400) on it`,
    ]);
    expect(warnings.join('\n')).not.toContain(TOKEN);
    expect(warnings.join('\n')).not.toContain('secret12');
    expect(startupWarnings(production({ SMSGW_AUTH_TOKEN_FILE: closed }))).toEqual([]);
  });

  it('warns when every address is trusted as a proxy', () => {
    expect(startupWarnings(production({ SMSGW_TRUSTED_PROXIES: '10.0.0.1, ::/0' }))).toEqual([
      'SMSGW_TRUSTED_PROXIES contains ::/0: any caller can then choose its address with X-Forwarded-For; list only your reverse proxies',
    ]);
  });

  it('trusted proxies and countries are validated at start-up', () => {
    expect(() => production({ SMSGW_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/trustedProxies \(SMSGW_TRUSTED_PROXIES\)/);
    expect(production({ SMSGW_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    expect(production({}).trustedProxies).toEqual([]);
    expect(production({}).limits).toMatchObject({ enabled: true, perNumber: 3, perNumberDaily: 10, global: 1000, dailyBudget: 100000, dedupeWindowMs: 30000, mobileOnly: true, countries: [] });
  });
});
