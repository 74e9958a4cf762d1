import convict from 'convict';
import { isIP } from 'node:net';
import { MAX_VALIDITY_S } from '../smpp/validity-period';

/** A comma-separated list of IPv4/IPv6 addresses or CIDR blocks. */
function ipList(value: unknown): void {
  const entries = Array.isArray(value) ? value : String(value).split(',');
  for (const raw of entries) {
    const entry = String(raw).trim();
    const [addr, bits, extra] = entry.split('/');
    const family = isIP(addr ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR block`);
  }
}

convict.addFormat({
  name: 'ip-list',
  validate: ipList,
  coerce: (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean),
});

convict.addFormat({
  name: 'smsc-url',
  validate(value: unknown) {
    if (value === '') return;
    const url = new URL(String(value));
    if (url.protocol !== 'smpp:' && url.protocol !== 'ssmpp:') throw new Error('must start with smpp:// or ssmpp://');
    // Port 0 too: the smpp library would quietly dial its default 2775 instead.
    if (!url.hostname || !url.port || Number(url.port) === 0) throw new Error('must name a host and a port, e.g. smpp://smsc.example.net:2775');
  },
});

convict.addFormat({
  name: 'region',
  validate(value: unknown) {
    if (value !== '' && !/^[A-Z]{2}$/.test(String(value))) throw new Error('must be an ISO 3166 alpha-2 code such as GB, or empty');
  },
  coerce: (v: string) => v.trim().toUpperCase(),
});

/** -1 means "derive from the sender" (alphanumeric 5/0, short code 3/0, international 1/1). */
convict.addFormat({
  name: 'ton-npi',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < -1 || (value as number) > 255) throw new Error('must be -1 (auto) or 0..255');
  },
  coerce: (v: string) => Number(v),
});

convict.addFormat({
  name: 'positive-int',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be a positive integer');
  },
  coerce: (v: string) => Number(v),
});

convict.addFormat({
  name: 'non-negative-number',
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error('must be a number ≥ 0');
  },
  coerce: (v: string) => Number(v),
});

convict.addFormat({
  name: 'positive-number',
  validate(value: unknown) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error('must be a positive number');
  },
  coerce: (v: string) => Number(v),
});

/** JSON from an env var; left as the string when it does not parse, so validation names the key. */
function parseJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** command_status → class overrides; entries are checked against the status table in smsc-settings.ts. */
convict.addFormat({
  name: 'error-policy',
  validate(value: unknown) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JSON object such as {"ESME_RSYSERR":"fail"}');
  },
  coerce: parseJson,
});

/** Further SMSCs; each entry is validated key by key in smsc-settings.ts. */
convict.addFormat({
  name: 'smsc-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a JSON array of SMSC objects');
    value.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`entry ${i} must be an object`);
    });
  },
  coerce: parseJson,
});

convict.addFormat({
  name: 'route-list',
  validate(value: unknown) {
    if (!Array.isArray(value)) throw new Error('must be a JSON array of {"prefix","smscs"} objects');
    value.forEach((route: { prefix?: unknown; smscs?: unknown }, i) => {
      if (typeof route?.prefix !== 'string' || !/^\+?\d*$/.test(route.prefix)) throw new Error(`route ${i}: prefix must be digits of the E.164 number (e.g. "44"), or "" for all`);
      if (!Array.isArray(route.smscs) || route.smscs.length === 0 || !route.smscs.every((n) => typeof n === 'string')) {
        throw new Error(`route ${i}: smscs must be a non-empty list of SMSC names, in failover order`);
      }
    });
  },
  coerce: parseJson,
});

/** SMSGW_REDIS_URL's rule, also applied to a URL read from SMSGW_REDIS_URL_FILE (load-config.ts). */
export function checkRedisUrl(value: unknown): void {
  if (value === '' || /^rediss?\+sentinel:\/\/[^/]+\/[^/]+/.test(String(value))) return;
  const url = new URL(String(value));
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('must start with redis://, rediss:// (TLS) or redis+sentinel://');
  if (!url.hostname) throw new Error('must name a host, e.g. redis://redis.example.net:6379/0');
}

convict.addFormat({ name: 'redis-url', validate: checkRedisUrl });

convict.addFormat({
  name: 'http-url',
  validate(value: unknown) {
    if (value === '') return;
    const url = new URL(String(value));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must start with http:// or https://');
  },
});

/**
 * Comma-separated ISO 3166 alpha-2 codes, '*' for every country, and 001 (libphonenumber's region
 * of non-geographic numbers), which '*' does not include; empty = the default region's country.
 */
convict.addFormat({
  name: 'country-list',
  validate(value: unknown) {
    const entries = value as string[];
    if (!Array.isArray(entries)) throw new Error('must be a list of ISO 3166 alpha-2 codes');
    for (const entry of entries) {
      if (entry !== '*' && entry !== '001' && !/^[A-Z]{2}$/.test(entry)) throw new Error(`"${entry}" is not an ISO 3166 alpha-2 code (or *, or 001)`);
    }
  },
  coerce: (v: string) => v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
});

/** Comma-separated mail domains (lower-cased); empty = any domain. */
convict.addFormat({
  name: 'domain-list',
  validate(value: unknown) {
    const entries = value as string[];
    if (!Array.isArray(entries)) throw new Error('must be a list of domain names');
    for (const entry of entries) {
      if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(entry)) throw new Error(`"${entry}" is not a domain name`);
    }
  },
  coerce: (v: string) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
});

convict.addFormat({
  name: 'validity-seconds',
  validate(value: unknown) {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_VALIDITY_S) {
      throw new Error(`must be whole seconds from 0 (the SMSC's default) to ${MAX_VALIDITY_S} (99 days)`);
    }
  },
  coerce: (v: string) => Number(v),
});

const positiveInt = 'positive-int' as const;

/** One SMSC in the `smscs` list (validated against the smsc.* keys) and one route. */
type SmscEntry = Record<string, unknown>;
export interface RouteConfig {
  prefix: string;
  smscs: string[];
}

export const schema = {
  env: {
    doc: 'Profile: development (built-in SMSC simulator allowed), test, or production (SMSC, token, number-hash key and country policy required).',
    format: ['production', 'development', 'test'],
    default: 'development',
    env: 'NODE_ENV',
  },
  http: {
    host: { doc: 'Address the ExSign endpoint listens on.', format: String, default: '127.0.0.1', env: 'SMSGW_HTTP_HOST' },
    port: { doc: 'Port of the ExSign endpoint (0 picks a free one).', format: 'port', default: 8080, env: 'SMSGW_HTTP_PORT' },
    exsignPath: { doc: 'Path ExSign POSTs to.', format: String, default: '/exsign/sms', env: 'SMSGW_EXSIGN_PATH' },
    bodyLimitBytes: {
      doc: 'Largest request body accepted; larger ones get a contract answer, not a reset.',
      format: positiveInt,
      default: 16384,
      env: 'SMSGW_HTTP_BODY_LIMIT_BYTES',
    },
    headersTimeoutMs: {
      doc: 'Time a client has to send complete request headers (slow-client protection).',
      format: positiveInt,
      default: 5000,
      env: 'SMSGW_HTTP_HEADERS_TIMEOUT_MS',
    },
    maxInflight: {
      doc: 'Most messages (ExSign requests and mails) handled at once; beyond it they are refused at once (TOO_MANY_REQUESTS) instead of queueing.',
      format: positiveInt,
      default: 1000,
      env: 'SMSGW_HTTP_MAX_INFLIGHT',
    },
  },
  auth: {
    token: {
      doc: 'Token configured on ExSign\'s "SMS Delivery Configuration" page. ExSign sends it base64-encoded.',
      format: String,
      default: '',
      env: 'SMSGW_AUTH_TOKEN',
      sensitive: true,
    },
    tokenFile: { doc: 'File holding the token (instead of SMSGW_AUTH_TOKEN).', format: String, default: '', env: 'SMSGW_AUTH_TOKEN_FILE' },
    tokenPrevious: {
      doc: 'During a token rotation, the old token, still accepted until the portal uses the new one; empty otherwise.',
      format: String,
      default: '',
      env: 'SMSGW_AUTH_TOKEN_PREVIOUS',
      sensitive: true,
    },
    tokenPreviousFile: {
      doc: 'File holding the previous token (instead of SMSGW_AUTH_TOKEN_PREVIOUS).',
      format: String,
      default: '',
      env: 'SMSGW_AUTH_TOKEN_PREVIOUS_FILE',
    },
  },
  allowedIps: {
    doc: 'Callers allowed to use the endpoint, by socket address: comma-separated IPs or CIDR blocks.',
    format: 'ip-list',
    default: ['127.0.0.1', '::1'],
    env: 'SMSGW_ALLOWED_IPS',
  },
  trustedProxies: {
    doc: 'Reverse proxies whose X-Forwarded-For is believed (IPs or CIDR blocks); the caller is the right-most address not in this list. Empty = X-Forwarded-For ignored.',
    format: 'ip-list',
    default: [] as string[],
    env: 'SMSGW_TRUSTED_PROXIES',
  },
  limits: {
    enabled: {
      doc: 'OTP-abuse protection (every setting below). false switches all of it off, for benchmarks and load tests only.',
      format: Boolean,
      default: true,
      env: 'SMSGW_LIMITS_ENABLED',
    },
    countries: {
      doc: "Countries (ISO 3166 alpha-2) numbers may belong to; '*' = all; 001 = non-geographic numbers (satellite and international networks: +800, +870, +881, +882, +883, ...), refused unless listed, even with '*'. Empty = the SMSGW_DEFAULT_REGION country only (production requires one of the two; without either, development allows every country).",
      format: 'country-list',
      default: [] as string[],
      env: 'SMSGW_ALLOWED_COUNTRIES',
    },
    mobileOnly: {
      doc: 'Refuse numbers libphonenumber knows to be fixed-line, premium-rate, toll-free, VoIP, pager, shared-cost or personal.',
      format: Boolean,
      default: true,
      env: 'SMSGW_MOBILE_ONLY',
    },
    perNumber: { doc: 'Most messages to one number per SMSGW_LIMIT_PER_NUMBER_WINDOW_MS (0 = no limit).', format: 'nat', default: 3, env: 'SMSGW_LIMIT_PER_NUMBER' },
    perNumberWindowMs: { doc: 'Sliding window of SMSGW_LIMIT_PER_NUMBER.', format: positiveInt, default: 600000, env: 'SMSGW_LIMIT_PER_NUMBER_WINDOW_MS' },
    perNumberDaily: {
      doc: 'Most messages to one number per SMSGW_LIMIT_PER_NUMBER_DAILY_WINDOW_MS (0 = no limit).',
      format: 'nat',
      default: 10,
      env: 'SMSGW_LIMIT_PER_NUMBER_DAILY',
    },
    perNumberDailyWindowMs: {
      doc: 'Sliding window of SMSGW_LIMIT_PER_NUMBER_DAILY.',
      format: positiveInt,
      default: 86400000,
      env: 'SMSGW_LIMIT_PER_NUMBER_DAILY_WINDOW_MS',
    },
    perPrefix: {
      doc: 'Most messages to one number prefix (the number without its last 4 digits) per SMSGW_LIMIT_PER_PREFIX_WINDOW_MS (0 = no limit).',
      format: 'nat',
      default: 20,
      env: 'SMSGW_LIMIT_PER_PREFIX',
    },
    perPrefixWindowMs: { doc: 'Sliding window of SMSGW_LIMIT_PER_PREFIX.', format: positiveInt, default: 3600000, env: 'SMSGW_LIMIT_PER_PREFIX_WINDOW_MS' },
    global: { doc: 'Most messages in all per SMSGW_LIMIT_GLOBAL_WINDOW_MS (0 = no limit).', format: 'nat', default: 1000, env: 'SMSGW_LIMIT_GLOBAL' },
    globalWindowMs: { doc: 'Sliding window of SMSGW_LIMIT_GLOBAL.', format: positiveInt, default: 60000, env: 'SMSGW_LIMIT_GLOBAL_WINDOW_MS' },
    dailyBudget: { doc: 'Most messages in all per SMSGW_DAILY_BUDGET_WINDOW_MS (0 = no limit).', format: 'nat', default: 100000, env: 'SMSGW_DAILY_BUDGET' },
    dailyBudgetWindowMs: { doc: 'Sliding window of SMSGW_DAILY_BUDGET.', format: positiveInt, default: 86400000, env: 'SMSGW_DAILY_BUDGET_WINDOW_MS' },
    dedupeWindowMs: {
      doc: 'The same text to the same number within this time is sent once; the repeat gets the first request\'s answer (0 = off).',
      format: 'nat',
      default: 30000,
      env: 'SMSGW_DEDUPE_WINDOW_MS',
    },
  },
  smsc: {
    name: { doc: 'Name of the SMSC in logs and metrics.', format: String, default: 'default', env: 'SMSGW_SMSC_NAME' },
    url: { doc: 'SMSC address: smpp://host:port, or ssmpp://host:port for TLS.', format: 'smsc-url', default: '', env: 'SMSGW_SMSC_URL' },
    systemId: { doc: 'SMPP system_id (account name).', format: String, default: '', env: 'SMSGW_SMSC_SYSTEM_ID' },
    password: { doc: 'SMPP bind password.', format: String, default: '', env: 'SMSGW_SMSC_PASSWORD', sensitive: true },
    passwordFile: { doc: 'File holding the SMPP password.', format: String, default: '', env: 'SMSGW_SMSC_PASSWORD_FILE' },
    systemType: { doc: 'SMPP system_type, if the carrier asks for one.', format: String, default: '', env: 'SMSGW_SMSC_SYSTEM_TYPE' },
    bindMode: {
      doc: 'transceiver (one session) or transmitter-receiver (a TX session for submits and an RX session for receipts).',
      format: ['transceiver', 'transmitter-receiver'],
      default: 'transceiver',
      env: 'SMSGW_SMSC_BIND_MODE',
    },
    sessions: {
      doc: 'Parallel binds of this account: this many transceivers, or this many transmitters plus as many receivers.',
      format: positiveInt,
      default: 1,
      env: 'SMSGW_SMSC_SESSIONS',
    },
    window: { doc: 'Most submit_sm awaiting a response on one session.', format: positiveInt, default: 10, env: 'SMSGW_SMSC_WINDOW' },
    tps: {
      doc: 'Most submit_sm per second over all sessions of the account (the carrier\'s contracted TPS); 0 = no limit.',
      format: 'non-negative-number',
      default: 0,
      env: 'SMSGW_SMSC_TPS',
    },
    sessionTps: { doc: 'Most submit_sm per second on each session; 0 = no limit.', format: 'non-negative-number', default: 0, env: 'SMSGW_SMSC_SESSION_TPS' },
    throttlePauseMs: {
      doc: 'After ESME_RTHROTTLED / ESME_RMSGQFUL (class "throttle") the bind sends nothing for this long, then one probe submit.',
      format: positiveInt,
      default: 1000,
      env: 'SMSGW_SMSC_THROTTLE_PAUSE_MS',
    },
    errorPolicy: {
      doc: 'JSON object overriding the command_status classes (retry|throttle|fail|bind-refused), keyed by ESME_* name or number.',
      format: 'error-policy',
      default: {} as Record<string, string>,
      env: 'SMSGW_SMSC_ERROR_POLICY',
    },
    waitQueueSize: {
      doc: 'Most submits waiting for a bind or a window slot; beyond it requests fail at once.',
      format: positiveInt,
      default: 5000,
      env: 'SMSGW_SMSC_WAIT_QUEUE_SIZE',
    },
    enquireLinkIntervalMs: {
      doc: 'Idle time after which an enquire_link probes the link.',
      format: positiveInt,
      default: 30000,
      env: 'SMSGW_SMSC_ENQUIRE_LINK_MS',
    },
    enquireLinkTimeoutMs: {
      doc: 'Time to wait for enquire_link_resp before the link is declared dead and rebound.',
      format: positiveInt,
      default: 10000,
      env: 'SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS',
    },
    connectTimeoutMs: { doc: 'TCP/TLS connect timeout.', format: positiveInt, default: 5000, env: 'SMSGW_SMSC_CONNECT_TIMEOUT_MS' },
    bindTimeoutMs: { doc: 'Time to wait for the bind response.', format: positiveInt, default: 5000, env: 'SMSGW_SMSC_BIND_TIMEOUT_MS' },
    responseTimeoutMs: {
      doc: 'Time to wait for a submit_sm_resp (also capped by the request deadline), and on stop for the unbind_resp.',
      format: positiveInt,
      default: 5000,
      env: 'SMSGW_SMSC_RESPONSE_TIMEOUT_MS',
    },
    reconnectMinDelayMs: {
      doc: 'First reconnect delay; doubles per failed attempt, with jitter, reset after a good bind.',
      format: positiveInt,
      default: 500,
      env: 'SMSGW_SMSC_RECONNECT_MIN_DELAY_MS',
    },
    reconnectMaxDelayMs: { doc: 'Reconnect delay cap.', format: positiveInt, default: 30000, env: 'SMSGW_SMSC_RECONNECT_MAX_DELAY_MS' },
    bindRefusedDelayMs: {
      doc: 'Delay before binding again after the SMSC refused the credentials (avoids account lock-outs).',
      format: positiveInt,
      default: 60000,
      env: 'SMSGW_SMSC_BIND_REFUSED_DELAY_MS',
    },
    bindRefusedMaxDelayMs: {
      doc: 'Cap of the refused-bind delay, which doubles per refusal from SMSGW_SMSC_BIND_REFUSED_DELAY_MS.',
      format: positiveInt,
      default: 600000,
      env: 'SMSGW_SMSC_BIND_REFUSED_MAX_DELAY_MS',
    },
    retryBaseDelayMs: {
      doc: 'First delay before resending a submit refused with a transient status (throttled, queue full); doubles per try.',
      format: positiveInt,
      default: 200,
      env: 'SMSGW_SMSC_RETRY_BASE_DELAY_MS',
    },
    dataCoding: {
      doc: 'data_coding for GSM-alphabet text: 0 (SMSC default, GSM 03.38 unpacked), 1 (IA5/ASCII) or 3 (Latin-1). Other text goes as UCS-2 (8).',
      format: [0, 1, 3],
      default: 0,
      env: 'SMSGW_SMSC_DATA_CODING',
    },
    destTon: { doc: 'dest_addr_ton.', format: 'ton-npi', default: 1, env: 'SMSGW_DEST_TON' },
    destNpi: { doc: 'dest_addr_npi.', format: 'ton-npi', default: 1, env: 'SMSGW_DEST_NPI' },
    sourceTon: { doc: 'source_addr_ton, -1 = from the sender id.', format: 'ton-npi', default: -1, env: 'SMSGW_SOURCE_TON' },
    sourceNpi: { doc: 'source_addr_npi, -1 = from the sender id.', format: 'ton-npi', default: -1, env: 'SMSGW_SOURCE_NPI' },
    registeredDelivery: {
      doc: 'registered_delivery: 1 asks the SMSC for a final delivery receipt.',
      format: [0, 1, 2, 3],
      default: 1,
      env: 'SMSGW_REGISTERED_DELIVERY',
    },
    validityS: {
      doc: 'validity_period of every submit_sm in seconds, sent relative to the SMSC clock (YYMMDDhhmmss000R): the SMSC stops trying to deliver after this long. An OTP is useless once its code has expired, so match the code\'s lifetime; 0 = the SMSC\'s default (often days).',
      format: 'validity-seconds',
      default: 300,
      env: 'SMSGW_SMSC_VALIDITY_S',
    },
    dlrIdMatch: {
      doc: 'How receipt ids are matched to submit_sm_resp ids: exact; auto (exact, then case and leading zeros, then hex/decimal, each only if one message matches); hex-to-dec or dec-to-hex (the receipt id is converted that way only).',
      format: ['auto', 'exact', 'hex-to-dec', 'dec-to-hex'],
      default: 'auto',
      env: 'SMSGW_DLR_ID_MATCH',
    },
    tls: {
      caFile: { doc: 'PEM CA bundle to verify the SMSC (ssmpp://); empty uses the system CAs.', format: String, default: '', env: 'SMSGW_SMSC_TLS_CA_FILE' },
      certFile: { doc: 'PEM client certificate, if the SMSC wants one.', format: String, default: '', env: 'SMSGW_SMSC_TLS_CERT_FILE' },
      keyFile: { doc: 'PEM client key.', format: String, default: '', env: 'SMSGW_SMSC_TLS_KEY_FILE' },
      verify: { doc: 'Verify the SMSC certificate and host name.', format: Boolean, default: true, env: 'SMSGW_SMSC_TLS_VERIFY' },
    },
  },
  smscs: {
    doc: 'Further SMSCs (config file): objects with name, url and any smsc.* key, plus sourceAddr; omitted keys take the schema defaults.',
    format: 'smsc-list',
    default: [] as SmscEntry[],
    env: 'SMSGW_SMSCS',
    sensitive: true,
  },
  routes: {
    doc: 'Routing by destination prefix: [{"prefix":"44","smscs":["primary","backup"]}]; the longest prefix wins; unmatched numbers use every SMSC in config order.',
    format: 'route-list',
    default: [] as RouteConfig[],
    env: 'SMSGW_ROUTES',
  },
  message: {
    sourceAddr: { doc: 'Sender id (source_addr): alphanumeric, short code or international number.', format: String, default: '', env: 'SMSGW_SOURCE_ADDR' },
    defaultRegion: { doc: 'ISO country for numbers written without a country code.', format: 'region', default: '', env: 'SMSGW_DEFAULT_REGION' },
    maxSegments: { doc: 'Longest text accepted, in SMS parts.', format: positiveInt, default: 6, env: 'SMSGW_MAX_SEGMENTS' },
    requestDeadlineMs: {
      doc: 'Every ExSign request and every mail is answered within this time.',
      format: positiveInt,
      default: 10000,
      env: 'SMSGW_REQUEST_DEADLINE_MS',
    },
  },
  smtp: {
    host: { doc: 'Address the Email-to-SMS (SMTP) listener binds to.', format: String, default: '127.0.0.1', env: 'SMSGW_SMTP_HOST' },
    port: {
      doc: 'Port of the SMTP listener; unset = no SMTP listener (0 picks a free one). The development profile uses 2525.',
      format: 'port',
      default: null as number | null,
      nullable: true,
      env: 'SMSGW_SMTP_PORT',
    },
    domains: {
      doc: 'Recipient domains accepted (<number>@<domain>), comma-separated; empty = any domain.',
      format: 'domain-list',
      default: [] as string[],
      env: 'SMSGW_SMTP_DOMAINS',
    },
    allowedIps: {
      doc: 'Mail clients allowed to connect, by socket address: comma-separated IPs or CIDR blocks; others are refused with 554.',
      format: 'ip-list',
      default: ['127.0.0.1', '::1'],
      env: 'SMSGW_SMTP_ALLOWED_IPS',
    },
    user: { doc: 'When set (with a password), SMTP AUTH PLAIN/LOGIN with this user name is required.', format: String, default: '', env: 'SMSGW_SMTP_USER' },
    password: { doc: 'Password for SMSGW_SMTP_USER.', format: String, default: '', env: 'SMSGW_SMTP_PASSWORD', sensitive: true },
    passwordFile: { doc: 'File holding the SMTP password (instead of SMSGW_SMTP_PASSWORD).', format: String, default: '', env: 'SMSGW_SMTP_PASSWORD_FILE' },
    tls: {
      certFile: {
        doc: 'PEM certificate (chain) for STARTTLS; with the key, STARTTLS is offered and AUTH needs it unless the client is on loopback.',
        format: String,
        default: '',
        env: 'SMSGW_SMTP_TLS_CERT_FILE',
      },
      keyFile: { doc: 'PEM private key for STARTTLS.', format: String, default: '', env: 'SMSGW_SMTP_TLS_KEY_FILE' },
    },
    maxBytes: { doc: 'Largest mail accepted, in bytes (advertised with SIZE); larger ones get 552.', format: positiveInt, default: 65536, env: 'SMSGW_SMTP_MAX_BYTES' },
    text: {
      doc: 'What of the mail becomes the SMS: body, subject, or subject+body (the subject, a line break, the body).',
      format: ['body', 'subject', 'subject+body'],
      default: 'body',
      env: 'SMSGW_SMTP_TEXT',
    },
    maxSessions: {
      doc: 'Most SMTP sessions open at once; more are refused with 421 at connect.',
      format: positiveInt,
      default: 100,
      env: 'SMSGW_SMTP_MAX_SESSIONS',
    },
    idleTimeoutMs: {
      doc: 'Time a client may take to send its next command (or the next bytes of a mail) before the session is closed with 421; must exceed SMSGW_REQUEST_DEADLINE_MS.',
      format: positiveInt,
      default: 60000,
      env: 'SMSGW_SMTP_IDLE_TIMEOUT_MS',
    },
    sessionTimeoutMs: {
      doc: 'Longest SMTP session; a client still connected after it is sent 421 and disconnected (after the answer to a mail in progress).',
      format: positiveInt,
      default: 300000,
      env: 'SMSGW_SMTP_SESSION_TIMEOUT_MS',
    },
    repeatWindowMs: {
      doc: 'A mail with the Message-ID and recipient of one sent within this time is answered 250 with the first one\'s id and not sent again (an MTA resending after a lost reply); 0 = off.',
      format: 'nat',
      default: 3600000,
      env: 'SMSGW_SMTP_REPEAT_WINDOW_MS',
    },
  },
  dataDir: { doc: 'Directory for what the gateway keeps on disk.', format: String, default: './data', env: 'SMSGW_DATA_DIR' },
  store: {
    type: {
      doc: 'Where message records live without SMSGW_REDIS_URL (with it, in Redis): sqlite (a file in SMSGW_DATA_DIR, kept across restarts) or memory (lost on restart).',
      format: ['sqlite', 'memory'],
      default: 'sqlite',
      env: 'SMSGW_STORE',
    },
    retentionHours: {
      doc: 'Message records (and their receipts) are deleted this long after submission.',
      format: 'positive-number',
      default: 168,
      env: 'SMSGW_RETENTION_HOURS',
    },
    purgeIntervalMs: {
      doc: 'How often expired records are deleted and unmatched held receipts are given up.',
      format: positiveInt,
      default: 30000,
      env: 'SMSGW_STORE_PURGE_INTERVAL_MS',
    },
  },
  redis: {
    url: {
      doc: 'Redis shared by every instance: redis://[user:password@]host:port/db, rediss:// for TLS, or redis+sentinel://[user:password@]sentinel:26379,sentinel2:26379/master-name/db to follow the master Sentinel names. When set, abuse counters, dedupe, message records, held receipts and the receipt-callback queue live there; empty = this instance keeps them itself.',
      format: 'redis-url',
      default: '',
      env: 'SMSGW_REDIS_URL',
      sensitive: true,
    },
    urlFile: { doc: 'File holding the Redis URL (instead of SMSGW_REDIS_URL), to keep its password out of the environment.', format: String, default: '', env: 'SMSGW_REDIS_URL_FILE' },
    prefix: { doc: 'Prefix of every Redis key the gateway writes.', format: String, default: 'smsgw:', env: 'SMSGW_REDIS_PREFIX' },
    failure: {
      doc: 'While Redis cannot answer: open (abuse limits and dedupe count per instance, loudly; records are kept locally until it is back) or closed (sends are refused with STORE_UNAVAILABLE).',
      format: ['open', 'closed'],
      default: 'open',
      env: 'SMSGW_REDIS_FAILURE',
    },
    commandTimeoutMs: {
      doc: 'Longest wait for one Redis command (never past the request deadline); a slower Redis counts as unreachable for that request.',
      format: positiveInt,
      default: 500,
      env: 'SMSGW_REDIS_COMMAND_TIMEOUT_MS',
    },
  },
  workers: {
    doc: 'node:cluster worker processes sharing the HTTP and SMTP ports; more than 1 requires SMSGW_REDIS_URL. Each worker binds its share of each SMSC\'s sessions.',
    format: positiveInt,
    default: 1,
    env: 'SMSGW_WORKERS',
  },
  dlr: {
    earlyReceiptHoldMs: {
      doc: 'How long a receipt whose id matches no message is kept for a submit_sm_resp still on its way; after that it counts as unmatched.',
      format: positiveInt,
      default: 60000,
      env: 'SMSGW_DLR_EARLY_RECEIPT_HOLD_MS',
    },
    earlyReceiptHoldMax: {
      doc: 'Most receipts held at once for SMSGW_DLR_EARLY_RECEIPT_HOLD_MS; when full, a receipt whose id matches no message is answered and dropped (smsgw_dlr_early_receipts_dropped_total).',
      format: positiveInt,
      default: 10000,
      env: 'SMSGW_DLR_EARLY_RECEIPT_HOLD_MAX',
    },
    callbackUrl: {
      doc: 'When set, each final message status (from a receipt) is POSTed here as JSON, as GET /messages/:id shows it. user:password in the URL is sent as Basic authorization; redirects are not followed.',
      format: 'http-url',
      default: '',
      env: 'SMSGW_DLR_CALLBACK_URL',
      sensitive: true,
    },
    callbackToken: {
      doc: 'Sent with each callback as "Authorization: Bearer <token>" when set.',
      format: String,
      default: '',
      env: 'SMSGW_DLR_CALLBACK_TOKEN',
      sensitive: true,
    },
    callbackTimeoutMs: { doc: 'Time a callback POST may take before it counts as failed.', format: positiveInt, default: 5000, env: 'SMSGW_DLR_CALLBACK_TIMEOUT_MS' },
    callbackAttempts: {
      doc: 'Tries per callback (network errors, timeouts, 5xx, 408, 429 are retried).',
      format: positiveInt,
      default: 5,
      env: 'SMSGW_DLR_CALLBACK_ATTEMPTS',
    },
    callbackRetryDelayMs: {
      doc: 'Delay before the first callback retry (half to all of it, at random, so that callbacks do not retry in step); doubles per retry, at most 60 s.',
      format: positiveInt,
      default: 1000,
      env: 'SMSGW_DLR_CALLBACK_RETRY_DELAY_MS',
    },
    callbackQueueSize: {
      doc: 'Callbacks waiting to be posted; beyond it new ones are dropped and logged.',
      format: positiveInt,
      default: 10000,
      env: 'SMSGW_DLR_CALLBACK_QUEUE_SIZE',
    },
  },
  privacy: {
    numberHashKey: {
      doc: 'Key (at least 32 bytes) for the keyed hash of phone numbers, kept apart from SMSGW_DATA_DIR; required in production. Empty outside production = generated once into SMSGW_DATA_DIR/number-hash.key.',
      format: String,
      default: '',
      env: 'SMSGW_NUMBER_HASH_KEY',
      sensitive: true,
    },
    numberHashKeyFile: {
      doc: 'File holding the number-hash key (instead of SMSGW_NUMBER_HASH_KEY); in production it must lie outside SMSGW_DATA_DIR.',
      format: String,
      default: '',
      env: 'SMSGW_NUMBER_HASH_KEY_FILE',
    },
  },
  metrics: {
    host: { doc: 'Address of the Prometheus endpoint (GET /metrics).', format: String, default: '127.0.0.1', env: 'SMSGW_METRICS_HOST' },
    port: { doc: 'Port of the Prometheus endpoint (0 picks a free one).', format: 'port', default: 9464, env: 'SMSGW_METRICS_PORT' },
  },
  log: {
    level: {
      doc: 'Log level.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      env: 'SMSGW_LOG_LEVEL',
    },
  },
  simulator: {
    enabled: {
      doc: 'Development only: run a built-in SMSC simulator and bind to it. No SMS leaves the machine. Refused in production.',
      format: Boolean,
      default: false,
      env: 'SMSGW_SIMULATOR',
    },
    receiptDelayMs: { doc: 'Delay before the simulator sends a delivery receipt.', format: 'nat', default: 1000, env: 'SMSGW_SIMULATOR_RECEIPT_DELAY_MS' },
    delayMs: { doc: 'Simulator: delay before each submit_sm_resp (a slow SMSC).', format: 'nat', default: 0, env: 'SMSGW_SIMULATOR_DELAY_MS' },
    throttleEvery: {
      doc: 'Simulator: answer every Nth submit_sm with ESME_RTHROTTLED; 0 = never.',
      format: 'nat',
      default: 0,
      env: 'SMSGW_SIMULATOR_THROTTLE_EVERY',
    },
    dropLinkEvery: {
      doc: 'Simulator: cut the TCP connection (no unbind, no response) on every Nth submit_sm; 0 = never.',
      format: 'nat',
      default: 0,
      env: 'SMSGW_SIMULATOR_DROP_LINK_EVERY',
    },
    refuseBinds: { doc: 'Simulator: refuse every bind with ESME_RBINDFAIL.', format: Boolean, default: false, env: 'SMSGW_SIMULATOR_REFUSE_BINDS' },
    stopAnswering: {
      doc: 'Simulator: accept binds, then answer nothing (submit_sm, enquire_link): a hung SMSC or half-open link.',
      format: Boolean,
      default: false,
      env: 'SMSGW_SIMULATOR_STOP_ANSWERING',
    },
  },
  shutdown: {
    drainTimeoutMs: {
      doc: 'On SIGTERM/SIGINT, longest wait for in-flight requests before unbinding.',
      format: positiveInt,
      default: 12000,
      env: 'SMSGW_SHUTDOWN_DRAIN_MS',
    },
  },
};

export type Schema = typeof schema;
