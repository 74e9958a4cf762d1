import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, envVarsByKey, loadConfig, redactedConfig } from '../../src/config/load-config';
import { schema } from '../../src/config/schema';

const tmp = mkdtempSync(path.join(tmpdir(), 'smsgw-config-'));
const file = (name: string, content: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const production = {
  NODE_ENV: 'production',
  SMSGW_SMSC_URL: 'smpp://smsc.example.net:2775',
  SMSGW_SMSC_SYSTEM_ID: 'acct',
  SMSGW_SMSC_PASSWORD: 'pw123456',
  SMSGW_AUTH_TOKEN: 'a-long-production-token',
  SMSGW_NUMBER_HASH_KEY: 'a-production-number-hash-key-of-40-bytes',
  SMSGW_ALLOWED_COUNTRIES: 'GB',
};

describe('loadConfig', () => {
  it('documents every key: doc, format, default, env with the SMSGW_ prefix', () => {
    const walk = (node: Record<string, unknown>, prefix: string): string[] =>
      Object.entries(node).flatMap(([name, value]) => {
        const spec = value as Record<string, unknown>;
        const key = prefix ? `${prefix}.${name}` : name;
        if (!('default' in spec)) return walk(spec, key);
        expect({ key, doc: typeof spec.doc, format: spec.format !== undefined, env: typeof spec.env }).toEqual({ key, doc: 'string', format: true, env: 'string' });
        return [key];
      });
    const keys = walk(schema, '');
    const envs = [...envVarsByKey().values()];
    expect(new Set(envs).size).toBe(keys.length);
    for (const env of envs) if (env !== 'NODE_ENV') expect(env).toMatch(/^SMSGW_[A-Z0-9_]+$/);
  });

  it('uses the documented defaults and the development profile (simulator, dev token) when nothing is set', () => {
    const config = loadConfig({ env: {} });
    expect(config.env).toBe('development');
    expect(config.simulator.enabled).toBe(true);
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8080, exsignPath: '/exsign/sms', bodyLimitBytes: 16384 });
    expect(config.allowedIps).toEqual(['127.0.0.1', '::1']);
    expect(config.smsc).toMatchObject({ bindMode: 'transceiver', window: 10, enquireLinkIntervalMs: 30000, dataCoding: 0 });
    expect(config.message).toMatchObject({ requestDeadlineMs: 10000, maxSegments: 6 });
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('layers defaults → profile file → SMSGW_CONFIG file → environment', () => {
    const configDir = mkdtempSync(path.join(tmp, 'profiles-'));
    writeFileSync(path.join(configDir, 'production.json'), JSON.stringify({ smsc: { window: 20, enquireLinkIntervalMs: 15000 }, http: { port: 9001 } }));
    const extra = file('extra.json', JSON.stringify({ smsc: { window: 30 }, message: { maxSegments: 3 } }));
    const config = loadConfig({ configDir, env: { ...production, SMSGW_CONFIG: extra, SMSGW_SMSC_WINDOW: '40' } });
    expect(config.smsc.window).toBe(40); // env beats both files
    expect(config.message.maxSegments).toBe(3); // SMSGW_CONFIG beats the default
    expect(config.smsc.enquireLinkIntervalMs).toBe(15000); // profile file beats the default
    expect(config.http.port).toBe(9001);
  });

  it('honours every documented env var name', () => {
    const config = loadConfig({
      env: {
        ...production,
        SMSGW_HTTP_HOST: '0.0.0.0',
        SMSGW_HTTP_PORT: '8181',
        SMSGW_EXSIGN_PATH: '/sms',
        SMSGW_ALLOWED_IPS: '10.0.0.0/8, 2001:db8::/32',
        SMSGW_SMSC_SYSTEM_TYPE: 'OTP',
        SMSGW_SMSC_BIND_MODE: 'transmitter-receiver',
        SMSGW_SOURCE_ADDR: 'ExSign',
        SMSGW_DEFAULT_REGION: 'gb',
        SMSGW_REQUEST_DEADLINE_MS: '5000',
        SMSGW_SMSC_WINDOW: '50',
        SMSGW_SMSC_ENQUIRE_LINK_MS: '20000',
        SMSGW_MAX_SEGMENTS: '3',
        SMSGW_DATA_DIR: '/var/lib/smsgw',
        SMSGW_METRICS_HOST: '0.0.0.0',
        SMSGW_METRICS_PORT: '9999',
        SMSGW_LOG_LEVEL: 'debug',
      },
    });
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 8181, exsignPath: '/sms' });
    expect(config.allowedIps).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(config.smsc).toMatchObject({ systemType: 'OTP', bindMode: 'transmitter-receiver', window: 50, enquireLinkIntervalMs: 20000 });
    expect(config.message).toMatchObject({ sourceAddr: 'ExSign', defaultRegion: 'GB', requestDeadlineMs: 5000, maxSegments: 3 });
    expect(config).toMatchObject({ dataDir: '/var/lib/smsgw', metrics: { host: '0.0.0.0', port: 9999 }, log: { level: 'debug' } });
  });

  it('reads the token and the SMPP password from files', () => {
    const tokenFile = file('token', 'token-from-a-file-0123\n');
    const passwordFile = file('password', 'pw-from-file\n');
    const { SMSGW_AUTH_TOKEN: _t, SMSGW_SMSC_PASSWORD: _p, ...rest } = production;
    const config = loadConfig({ env: { ...rest, SMSGW_AUTH_TOKEN_FILE: tokenFile, SMSGW_SMSC_PASSWORD_FILE: passwordFile } });
    expect(config.auth.token).toBe('token-from-a-file-0123');
    expect(config.smsc.password).toBe('pw-from-file');
  });

  it.each([
    [{ SMSGW_SMSC_WINDOW: '0' }, 'Invalid configuration: smsc.window (SMSGW_SMSC_WINDOW): must be a positive integer'],
    [{ SMSGW_HTTP_PORT: '70000' }, 'http.port (SMSGW_HTTP_PORT)'],
    [{ SMSGW_ALLOWED_IPS: '10.0.0.0/33' }, 'allowedIps (SMSGW_ALLOWED_IPS): "10.0.0.0/33" is not an IP address or CIDR block'],
    [{ SMSGW_SMSC_URL: 'http://smsc:2775' }, 'smsc.url (SMSGW_SMSC_URL): must start with smpp:// or ssmpp://'],
    [{ SMSGW_SMSC_URL: 'smpp://smsc:0' }, 'smsc.url (SMSGW_SMSC_URL): must name a host and a port'],
    [{ SMSGW_SMSC_URL: 'smpp://smsc' }, 'smsc.url (SMSGW_SMSC_URL): must name a host and a port'],
    [{ SMSGW_SMSC_BIND_MODE: 'receiver' }, 'smsc.bindMode (SMSGW_SMSC_BIND_MODE)'],
    [{ SMSGW_DEFAULT_REGION: 'GBR' }, 'message.defaultRegion (SMSGW_DEFAULT_REGION)'],
    [{ SMSGW_AUTH_TOKEN_FILE: '/nonexistent/token' }, 'auth.tokenFile (SMSGW_AUTH_TOKEN_FILE): cannot read /nonexistent/token: ENOENT'],
  ])('stops with one line naming the key and env var for %j', (env, message) => {
    let error: unknown;
    try {
      loadConfig({ env: { ...production, ...env } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses an unknown key in a config file (strict validation)', () => {
    const extra = file('typo.json', JSON.stringify({ smsc: { windw: 5 } }));
    expect(() => loadConfig({ env: { ...production, SMSGW_CONFIG: extra } })).toThrow(/smsc.windw/);
  });

  it.each([
    ['SMSGW_SMSC_URL', 'smsc.url (SMSGW_SMSC_URL): required in production'],
    ['SMSGW_SMSC_SYSTEM_ID', 'smsc.systemId (SMSGW_SMSC_SYSTEM_ID): required in production'],
    ['SMSGW_SMSC_PASSWORD', 'smsc.password (SMSGW_SMSC_PASSWORD): required in production'],
    ['SMSGW_AUTH_TOKEN', 'auth.token (SMSGW_AUTH_TOKEN): required in production'],
  ])('production requires %s', (missing, message) => {
    const env: Record<string, string> = { ...production };
    delete env[missing];
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('never starts the simulator in production, whatever the files say', () => {
    expect(() => loadConfig({ env: { ...production, SMSGW_SIMULATOR: 'true' } })).toThrow(
      'simulator.enabled (SMSGW_SIMULATOR): the SMSC simulator can never run in production',
    );
  });

  it('production requires a country policy, naming both variables; * and 001 are accepted', () => {
    const { SMSGW_ALLOWED_COUNTRIES: _c, ...noPolicy } = production;
    expect(() => loadConfig({ env: noPolicy })).toThrow(
      "Invalid configuration: limits.countries (SMSGW_ALLOWED_COUNTRIES): production needs a country policy: set SMSGW_ALLOWED_COUNTRIES (e.g. GB,IE; '*' for every country) or SMSGW_DEFAULT_REGION (its country only)",
    );
    // Whether or not the limits are on: switching them on later must not open every country.
    expect(() => loadConfig({ env: { ...noPolicy, SMSGW_LIMITS_ENABLED: 'false' } })).toThrow(/limits\.countries/);
    expect(loadConfig({ env: { ...noPolicy, SMSGW_DEFAULT_REGION: 'GB' } }).limits.countries).toEqual([]);
    expect(loadConfig({ env: { ...noPolicy, SMSGW_ALLOWED_COUNTRIES: '*' } }).limits.countries).toEqual(['*']);
    expect(loadConfig({ env: { ...noPolicy, SMSGW_ALLOWED_COUNTRIES: 'gb, 001' } }).limits.countries).toEqual(['GB', '001']);
    expect(() => loadConfig({ env: { ...noPolicy, SMSGW_ALLOWED_COUNTRIES: 'GB,002' } })).toThrow('"002" is not an ISO 3166 alpha-2 code (or *, or 001)');
  });

  it('production requires a number-hash key of at least 32 bytes, from the environment or a file outside the data directory', () => {
    const { SMSGW_NUMBER_HASH_KEY: _k, ...noKey } = production;
    expect(() => loadConfig({ env: noKey })).toThrow(
      'Invalid configuration: privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): required in production: a secret of at least 32 bytes kept outside SMSGW_DATA_DIR, in SMSGW_NUMBER_HASH_KEY or a file named by SMSGW_NUMBER_HASH_KEY_FILE; make one with `smsgw token` or `openssl rand -hex 32`',
    );
    expect(() => loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY: 'x'.repeat(31) } })).toThrow('privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): the key is 31 bytes; at least 32 are needed');
    const dataDir = mkdtempSync(path.join(tmp, 'data-'));
    const keyFile = file('hash.key', `${'ab'.repeat(32)}\n`);
    expect(loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY_FILE: keyFile, SMSGW_DATA_DIR: dataDir } }).privacy.numberHashKey).toBe('ab'.repeat(32));
    expect(() => loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY_FILE: file('short.key', 'abc\n') } })).toThrow('privacy.numberHashKeyFile (SMSGW_NUMBER_HASH_KEY_FILE): the key is 3 bytes');
    expect(() => loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY_FILE: file('empty.key', '\n') } })).toThrow(/privacy\.numberHashKeyFile \(SMSGW_NUMBER_HASH_KEY_FILE\): .*empty\.key is empty$/);
    const binary = path.join(tmp, 'binary.key');
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x80, ...Array(40).fill(0xc3)]));
    expect(() => loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY_FILE: binary } })).toThrow(/binary\.key is not text \(UTF-8\)/);
    writeFileSync(path.join(dataDir, 'inside.key'), 'cd'.repeat(32));
    expect(() => loadConfig({ env: { ...noKey, SMSGW_NUMBER_HASH_KEY_FILE: path.join(dataDir, 'inside.key'), SMSGW_DATA_DIR: dataDir } })).toThrow(
      'privacy.numberHashKeyFile (SMSGW_NUMBER_HASH_KEY_FILE): lies inside SMSGW_DATA_DIR',
    );
  });

  // (Production refuses "dev-token" for its length already.)
  it.each(['development', 'test'])('refuses the development token and sender id without the simulator (NODE_ENV=%s)', (profile) => {
    const env = { ...production, NODE_ENV: profile, SMSGW_SIMULATOR: 'false' };
    expect(() => loadConfig({ env: { ...env, SMSGW_AUTH_TOKEN: 'dev-token' } })).toThrow(
      /^Invalid configuration: auth\.token \(SMSGW_AUTH_TOKEN\): the public development token "dev-token" from config\/development\.json serves only the built-in simulator/,
    );
    expect(() => loadConfig({ env: { ...env, SMSGW_AUTH_TOKEN_PREVIOUS: 'dev-token' } })).toThrow(/auth\.tokenPrevious \(SMSGW_AUTH_TOKEN_PREVIOUS\): the public development token/);
    expect(() => loadConfig({ env: { ...env, SMSGW_SOURCE_ADDR: 'SMSGW-DEV' } })).toThrow(/message\.sourceAddr \(SMSGW_SOURCE_ADDR\): the development sender id "SMSGW-DEV"/);
  });

  it('keeps the development defaults with the simulator, and refuses them once it is off', () => {
    expect(loadConfig({ env: {} }).auth.token).toBe('dev-token');
    expect(() => loadConfig({ env: { SMSGW_SIMULATOR: 'false', SMSGW_SMSC_URL: 'smpp://smsc.example.net:2775' } })).toThrow(/auth\.token \(SMSGW_AUTH_TOKEN\): the public development token/);
  });

  it('refuses callback credentials twice over (a Bearer token and user:password in the URL)', () => {
    expect(() => loadConfig({ env: { ...production, SMSGW_DLR_CALLBACK_URL: 'https://u:p@receiver.example/', SMSGW_DLR_CALLBACK_TOKEN: 't' } })).toThrow(
      'dlr.callbackToken (SMSGW_DLR_CALLBACK_TOKEN): set either this (sent as Bearer) or user:password in SMSGW_DLR_CALLBACK_URL (sent as Basic), not both',
    );
  });

  it('has no default token outside the development profile', () => {
    expect(() => loadConfig({ env: { NODE_ENV: 'test', SMSGW_SMSC_URL: 'smpp://127.0.0.1:2775' } })).toThrow('auth.token (SMSGW_AUTH_TOKEN)');
  });

  it('redacts every sensitive value in the printable config', () => {
    const callback = 'https://user:cb-password@receiver.example/receipts?key=cb-query-secret';
    const printed = JSON.stringify(redactedConfig(loadConfig({ env: { ...production, SMSGW_DLR_CALLBACK_URL: callback } })));
    for (const secret of ['a-long-production-token', 'pw123456', production.SMSGW_NUMBER_HASH_KEY, 'cb-password', 'cb-query-secret']) expect(printed).not.toContain(secret);
    expect(printed).toContain('"password":"[redacted]"');
    expect(printed).toContain('"systemId":"acct"');
  });

  it('reads the Redis URL from SMSGW_REDIS_URL_FILE, keeps its password out of the printable config, and checks its scheme', () => {
    const url = 'redis://smsgw:redis-s3cret-pw@redis.internal:6379/2';
    const config = loadConfig({ env: { ...production, SMSGW_REDIS_URL_FILE: file('redis-url', `${url}\n`) } });
    expect(config.redis).toMatchObject({ url, prefix: 'smsgw:', failure: 'open', commandTimeoutMs: 500 });
    expect(JSON.stringify(redactedConfig(config))).not.toContain('redis-s3cret-pw');
    expect(() => loadConfig({ env: { ...production, SMSGW_REDIS_URL_FILE: file('bad-url', 'http://redis.internal:6379\n') } })).toThrow(
      'Invalid configuration: redis.url (SMSGW_REDIS_URL): must be redis://[user:password@]host:port/db, rediss:// (TLS) or redis+sentinel://host:port,…/master-name',
    );
    expect(() => loadConfig({ env: { ...production, SMSGW_REDIS_FAILURE: 'maybe' } })).toThrow(/redis.failure \(SMSGW_REDIS_FAILURE\): must be one of/);
  });
});
