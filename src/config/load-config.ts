import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { projectRoot } from '../project-root';
import path from 'node:path';
import type { IdMatchMode } from '../dlr/message-id';
import type { StoreType } from '../store/open-store';
import type { RedisFailureMode } from '../store/redis-failover';
import type { MailTextMode } from '../smtp/mail-text';
import { checkRedisUrl, schema, type Schema } from './schema';
import { readSecretFile } from './secret-file';
import { SmscConfigError, smscSettings } from './smsc-settings';
import { untypedConvict, type LooseConvict } from './untyped-convict';

/** The value types of the schema's leaves (a leaf is a node with a `default`). */
type Values<S> = { [K in keyof S]: S[K] extends { default: infer D } ? Widen<D> : Values<S[K]> };
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
type Properties = Values<Schema>;

// The schema's formats only accept these values; the type says so once for every reader.
export type Config = Omit<Properties, 'env' | 'smsc' | 'store' | 'smtp' | 'redis'> & {
  env: 'production' | 'development' | 'test';
  smsc: Omit<Properties['smsc'], 'bindMode' | 'dataCoding' | 'dlrIdMatch'> & {
    bindMode: 'transceiver' | 'transmitter-receiver';
    dataCoding: 0 | 1 | 3;
    dlrIdMatch: IdMatchMode;
  };
  store: Omit<Properties['store'], 'type'> & { type: StoreType };
  smtp: Omit<Properties['smtp'], 'port' | 'text'> & { port: number | null; text: MailTextMode };
  redis: Omit<Properties['redis'], 'failure'> & { failure: RedisFailureMode };
};

/** Start-up configuration problem; its message is one line naming the key and its env var. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory holding <NODE_ENV>.json; defaults to the project's config/. */
  configDir?: string;
}


/** defaults → config/<NODE_ENV>.json → file named by SMSGW_CONFIG → environment variables (convict re-applies env after each file). */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const config = untypedConvict(schema, { env, args: [] });
  const profile = config.get('env');
  const configDir = options.configDir ?? path.join(projectRoot(), 'config');
  const profileFile = path.join(configDir, `${profile}.json`);
  try {
    if (existsSync(profileFile)) config.loadFile(profileFile);
    if (env.SMSGW_CONFIG) config.loadFile(env.SMSGW_CONFIG);
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${describe(err)}`);
  }

  readSecretSetting(config, 'auth.token', 'auth.tokenFile');
  readSecretSetting(config, 'auth.tokenPrevious', 'auth.tokenPreviousFile');
  readSecretSetting(config, 'smsc.password', 'smsc.passwordFile');
  readSecretSetting(config, 'smtp.password', 'smtp.passwordFile');
  readSecretSetting(config, 'privacy.numberHashKey', 'privacy.numberHashKeyFile');
  readSecretSetting(config, 'redis.url', 'redis.urlFile');
  const result = config.getProperties() as Config;
  checkProfile(result, developmentDefaults(configDir));
  return result;
}

/** `Invalid configuration: <key> (<ENV_VAR>): <why>`, the one-line form of every start-up refusal. */
export function configError(key: string, why: string): ConfigError {
  return new ConfigError(`Invalid configuration: ${key} (${envVarsByKey().get(key)}): ${why}`);
}

/** The config with every `sensitive` value replaced, for the start-up log line. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const key of sensitiveKeys()) {
    const parts = key.split('.');
    let node = copy;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    const leaf = parts[parts.length - 1]!;
    if (node[leaf]) node[leaf] = '[redacted]';
  }
  return copy;
}

function sensitiveKeys(): string[] {
  return [...schemaLeaves()].filter(([, spec]) => spec.sensitive === true).map(([key]) => key);
}

/** key path → env var name, from the schema. */
export function envVarsByKey(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, spec] of schemaLeaves()) if (typeof spec.env === 'string') out.set(key, spec.env);
  return out;
}

/** Every leaf of the schema (a node with a default) with its key path. */
export function* schemaLeaves(node: Record<string, unknown> = schema, prefix = ''): Generator<[string, Record<string, unknown>]> {
  for (const [name, value] of Object.entries(node)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const spec = value as Record<string, unknown>;
    if ('default' in spec) yield [key, spec];
    else yield* schemaLeaves(spec, key);
  }
}

function describe(err: unknown): string {
  const envByKey = envVarsByKey();
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const key = line.split(':')[0]!.trim();
      const envName = envByKey.get(key);
      return envName ? line.replace(key, `${key} (${envName})`) : line;
    })
    .join('; ');
}

type SecretKey = 'auth.token' | 'auth.tokenPrevious' | 'smsc.password' | 'smtp.password' | 'privacy.numberHashKey' | 'redis.url';
/** Sets `key` from the file named by `fileKey`, when one is. */
function readSecretSetting(config: LooseConvict, key: SecretKey, fileKey: `${SecretKey}File`): void {
  const file = config.get(fileKey) as string;
  if (!file) return;
  try {
    config.set(key, readSecretFile(file));
  } catch (err) {
    throw configError(fileKey, (err as Error).message);
  }
}

/** Shortest token production accepts: 16 characters, about 96 bits when random base64. */
export const MIN_TOKEN_LENGTH = 16;
/** Shortest number-hash key: 32 bytes (256 bits), the strength of the SHA-256 inside the HMAC. */
export const MIN_NUMBER_HASH_KEY_BYTES = 32;
const MAKE_A_KEY = 'make one with `smsgw token` or `openssl rand -hex 32`';

/** What config/development.json sets that must never reach a real SMSC: its public token and sender id. */
interface DevelopmentDefaults {
  token?: string;
  sourceAddr?: string;
}

function developmentDefaults(configDir: string): DevelopmentDefaults {
  const file = path.join(configDir, 'development.json');
  if (!existsSync(file)) return {};
  const values = JSON.parse(readFileSync(file, 'utf8')) as { auth?: { token?: string }; message?: { sourceAddr?: string } };
  return { token: values.auth?.token, sourceAddr: values.message?.sourceAddr };
}

function isInside(file: string, dir: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : path.resolve(p));
  const relative = path.relative(real(dir), real(file));
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}

function checkProfile(config: Config, development: DevelopmentDefaults): void {
  const fail = (key: string, why: string) => {
    throw configError(key, why);
  };
  if (config.env === 'production') {
    if (config.simulator.enabled) fail('simulator.enabled', 'the SMSC simulator can never run in production');
    if (!config.smsc.url && config.smscs.length === 0) fail('smsc.url', 'required in production (or SMSCs listed in smscs)');
    if (config.smsc.url && !config.smsc.systemId) fail('smsc.systemId', 'required in production');
    if (config.smsc.url && !config.smsc.password) fail('smsc.password', 'required in production (or SMSGW_SMSC_PASSWORD_FILE)');
    if (!config.auth.token) fail('auth.token', 'required in production (or SMSGW_AUTH_TOKEN_FILE)');
    if (config.auth.token.length < MIN_TOKEN_LENGTH) fail('auth.token', `must be at least ${MIN_TOKEN_LENGTH} characters in production`);
    if (config.auth.tokenPrevious && config.auth.tokenPrevious.length < MIN_TOKEN_LENGTH) {
      fail('auth.tokenPrevious', `must be at least ${MIN_TOKEN_LENGTH} characters in production`);
    }
    if (config.smtp.password && config.smtp.password.length < MIN_TOKEN_LENGTH) fail('smtp.password', `must be at least ${MIN_TOKEN_LENGTH} characters in production`);
  }
  if (!config.auth.token) fail('auth.token', 'no token configured (set SMSGW_AUTH_TOKEN or SMSGW_AUTH_TOKEN_FILE)');
  if (!config.simulator.enabled && !config.smsc.url && config.smscs.length === 0) fail('smsc.url', 'no SMSC configured (set SMSGW_SMSC_URL, or list SMSCs in smscs)');
  let smscs: ReturnType<typeof smscSettings> = [];
  try {
    smscs = smscSettings(config);
  } catch (err) {
    if (!(err instanceof SmscConfigError)) throw err;
    fail(err.key, err.message);
  }
  // A URL read from SMSGW_REDIS_URL_FILE has not been through the schema's format: the same rule here.
  try {
    checkRedisUrl(config.redis.url);
  } catch {
    fail('redis.url', 'must be redis://[user:password@]host:port/db, rediss:// (TLS) or redis+sentinel://host:port,…/master-name');
  }
  if (config.workers > 1) {
    if (!config.redis.url) fail('workers', `${config.workers} workers need SMSGW_REDIS_URL: workers share limits, records and receipts through Redis`);
    const short = smscs.find((s) => s.sessions < config.workers);
    if (short) fail('workers', `SMSC "${short.name}" has ${short.sessions} session(s) and each of the ${config.workers} workers needs at least one: set SMSGW_SMSC_SESSIONS (or its sessions) to at least SMSGW_WORKERS`);
  }
  if (!config.http.exsignPath.startsWith('/')) fail('http.exsignPath', 'must start with /');
  if (Boolean(config.smtp.user) !== Boolean(config.smtp.password)) fail('smtp.user', 'set SMSGW_SMTP_USER and SMSGW_SMTP_PASSWORD (or _FILE) together, or neither');
  if (Boolean(config.smtp.tls.certFile) !== Boolean(config.smtp.tls.keyFile)) fail('smtp.tls.certFile', 'set SMSGW_SMTP_TLS_CERT_FILE and SMSGW_SMTP_TLS_KEY_FILE together, or neither');
  // A client waiting for the SMSC's answer must get our 451, never an idle-timeout 421.
  if (config.smtp.idleTimeoutMs <= config.message.requestDeadlineMs) fail('smtp.idleTimeoutMs', 'must be longer than SMSGW_REQUEST_DEADLINE_MS');
  if (!config.simulator.enabled) refuseDevelopmentDefaults(config, development);
  checkNumberHashKey(config);
  // Checked whether or not SMSGW_LIMITS_ENABLED is on, so switching the limits back on can never open every country.
  if (config.env === 'production' && config.limits.countries.length === 0 && !config.message.defaultRegion) {
    fail('limits.countries', "production needs a country policy: set SMSGW_ALLOWED_COUNTRIES (e.g. GB,IE; '*' for every country) or SMSGW_DEFAULT_REGION (its country only)");
  }
  if (config.dlr.callbackUrl && config.dlr.callbackToken) {
    const url = new URL(config.dlr.callbackUrl);
    if (url.username || url.password) fail('dlr.callbackToken', 'set either this (sent as Bearer) or user:password in SMSGW_DLR_CALLBACK_URL (sent as Basic), not both');
  }
}

/** Without the simulator, whatever the profile: these values are published in config/development.json. */
function refuseDevelopmentDefaults(config: Config, development: DevelopmentDefaults): void {
  const why = (what: string, fix: string) => `${what} from config/development.json serves only the built-in simulator; with a real SMSC ${fix}`;
  const publicToken = `the public development token "${development.token}"`;
  if (development.token && config.auth.token === development.token) {
    throw configError('auth.token', why(publicToken, 'set your own token (SMSGW_AUTH_TOKEN or SMSGW_AUTH_TOKEN_FILE)'));
  }
  if (development.token && config.auth.tokenPrevious === development.token) throw configError('auth.tokenPrevious', why(publicToken, 'it is never accepted'));
  if (development.sourceAddr && config.message.sourceAddr === development.sourceAddr) {
    throw configError('message.sourceAddr', why(`the development sender id "${development.sourceAddr}"`, 'set the sender id agreed with the carrier'));
  }
}

/** Long enough wherever it is set; in production required, and not in the data directory it protects. */
function checkNumberHashKey(config: Config): void {
  const { numberHashKey: key, numberHashKeyFile: file } = config.privacy;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (key && bytes < MIN_NUMBER_HASH_KEY_BYTES) {
    throw configError(file ? 'privacy.numberHashKeyFile' : 'privacy.numberHashKey', `the key is ${bytes} bytes; at least ${MIN_NUMBER_HASH_KEY_BYTES} are needed (${MAKE_A_KEY})`);
  }
  if (config.env !== 'production') return;
  if (!key) {
    throw configError(
      'privacy.numberHashKey',
      `required in production: a secret of at least ${MIN_NUMBER_HASH_KEY_BYTES} bytes kept outside SMSGW_DATA_DIR, in SMSGW_NUMBER_HASH_KEY or a file named by SMSGW_NUMBER_HASH_KEY_FILE; ${MAKE_A_KEY}`,
    );
  }
  if (file && isInside(file, config.dataDir)) {
    throw configError('privacy.numberHashKeyFile', 'lies inside SMSGW_DATA_DIR; keep the key elsewhere, or the data directory alone gives the numbers away');
  }
}
