// Prometheus metrics for the gateway. createMetrics() builds a private Registry so tests and
// several gateway instances in one process never share series; nothing is registered at import.
// Every label is bounded: SMSC ids come from config, everything else from the tables below.
// Known label sets are exported at 0 from start-up so rate() and ratios work before the first
// event, and dashboards show 0 rather than "No data".
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RECEIPT_STAT_NAMES, type ReceiptStat } from '../dlr/receipt-stat';
import { ABUSE_REFUSAL_CODES, CALLER_ERROR_CODES, ERROR_CODES, GATEWAY_FAILURE_CODES, type AbuseRefusalCode, type ErrorCode } from '../errors';
import { commandStatusNameOf, isVendorSpecific, type CommandStatusName } from '../smpp/command-status';

/** Label values are the stable error codes, lower-cased. */
const lowerCased = <C extends string>(codes: readonly C[]): Lowercase<C>[] => codes.map((code) => code.toLowerCase() as Lowercase<C>);

export type AbuseRefusalReason = Lowercase<AbuseRefusalCode>;
/** `reason` label of smsgw_abuse_refusals_total. */
export const ABUSE_REFUSAL_REASONS = lowerCased(ABUSE_REFUSAL_CODES);
/** The caller-error class of HTTP outcomes. */
export const CALLER_ERROR_OUTCOMES = lowerCased(CALLER_ERROR_CODES);
/** The gateway-failure class of HTTP outcomes. */
export const GATEWAY_FAILURE_OUTCOMES = lowerCased(GATEWAY_FAILURE_CODES);

/**
 * The `outcome` label values: 'success' and every error code, in the three classes of errors.ts:
 * caller errors, abuse refusals (the protection refusing on purpose) and gateway failures.
 */
export type HttpOutcome = 'success' | Lowercase<ErrorCode>;
export const HTTP_OUTCOMES: readonly HttpOutcome[] = ['success', ...lowerCased(ERROR_CODES)];

/** Codes only an HTTP request can end with: a mail's sender and body are checked otherwise. */
const HTTP_ONLY = ['AUTH_MISSING', 'AUTH_INVALID', 'IP_NOT_ALLOWED', 'MALFORMED_JSON', 'INVALID_FIELD'] as const satisfies readonly ErrorCode[];

/**
 * `outcome` label of smsgw_smtp_messages_total: the codes a mail can end with (lower-cased), plus
 * unknown_domain (a recipient outside SMSGW_SMTP_DOMAINS). Recipients refused at RCPT count too.
 */
export type SmtpOutcome = 'success' | 'unknown_domain' | Lowercase<Exclude<ErrorCode, (typeof HTTP_ONLY)[number]>>;
export const SMTP_OUTCOMES: readonly SmtpOutcome[] = [
  'success',
  'unknown_domain',
  ...lowerCased(ERROR_CODES.filter((code): code is Exclude<ErrorCode, (typeof HTTP_ONLY)[number]> => !(HTTP_ONLY as readonly string[]).includes(code))),
];

/** `result` label of smsgw_smtp_sessions_total and `reason` of smsgw_smtp_auth_failures_total. */
export const SMTP_SESSION_RESULTS = ['accepted', 'ip_not_allowed', 'too_many_sessions', 'shutting_down'] as const;
export type SmtpSessionResult = (typeof SMTP_SESSION_RESULTS)[number];
export const SMTP_AUTH_FAILURES = ['invalid_credentials', 'encryption_required'] as const;
export type SmtpAuthFailure = (typeof SMTP_AUTH_FAILURES)[number];

/** Pseudo command_status values for submits that never got a submit_sm_resp. */
export const SUBMIT_TIMEOUT = 'TIMEOUT';
export const SUBMIT_LOCAL_ERROR = 'LOCAL_ERROR';
/** Statuses worth a 0 series per SMSC: success, the two throttling answers, no answer at all. */
const PRECREATED_SUBMIT_STATUSES: readonly (CommandStatusName | typeof SUBMIT_TIMEOUT | typeof SUBMIT_LOCAL_ERROR)[] = [
  'ESME_ROK',
  'ESME_RTHROTTLED',
  'ESME_RMSGQFUL',
  SUBMIT_TIMEOUT,
  SUBMIT_LOCAL_ERROR,
];

/** dropped: the connection closed or broke after connecting but before any bind response. */
export const BIND_RESULTS = ['success', 'refused', 'timeout', 'connect_failed', 'dropped'] as const;
export type BindResult = (typeof BIND_RESULTS)[number];

export const DISCONNECT_REASONS = [
  'link_lost',
  'enquire_link_timeout',
  'malformed_pdu',
  'peer_unbind',
  'bind_timeout',
  'connect_timeout',
  'stopped',
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** `stat` label of smsgw_dlr_received_total: the receipt stat words, OTHER for anything a carrier invents. */
export const DLR_STATS: readonly ReceiptStat[] = RECEIPT_STAT_NAMES;

/** How a receipt callback ended (receipt-callback.ts). */
export const CALLBACK_OUTCOMES = ['sent', 'failed', 'dropped'] as const;

/** Writes whose failure loses something: a message record (its status and receipts), or a receipt (the SMSC is asked to resend it). */
export const STORE_WRITES = ['message_record', 'receipt'] as const;
export type StoreWrite = (typeof STORE_WRITES)[number];

/** `op` label of smsgw_redis_command_duration_seconds: what the gateway asked Redis for. */
export const REDIS_OPS = ['take', 'release', 'dedupe', 'create', 'get', 'update', 'find', 'hold', 'find-held', 'expire-held', 'callback', 'hash-key'] as const;
export type RedisOp = (typeof REDIS_OPS)[number];
/** `what` label of smsgw_redis_fallbacks_total: what went on without Redis. */
export const REDIS_FALLBACKS = ['limits', 'dedupe', 'record', 'callback'] as const;
export type RedisFallback = (typeof REDIS_FALLBACKS)[number];

const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SUBMIT_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REDIS_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const SEGMENT_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10];
// Receipts take seconds to hours; the low end matters most for OTP (users wait for the code).
const DLR_LATENCY_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * command_status → bounded label: the ESME_* name, the hex code for the vendor-specific range
 * 0x400–0x4FF (a carrier documents those by number), 'UNKNOWN' for anything else.
 */
export function commandStatusLabel(status: number): string {
  const name = commandStatusNameOf(status);
  if (name !== undefined) return name;
  return isVendorSpecific(status) ? `0x${status.toString(16).toUpperCase().padStart(4, '0')}` : 'UNKNOWN';
}

export interface MetricsOptions {
  /** Configured SMSC ids; the `smsc` label only ever takes these values. */
  smscs: string[];
  version: string;
  /** Redis is configured: its series exist (smsgw_redis_up at 0 until the first connection). */
  redis?: boolean;
}

export function createMetrics(opts: MetricsOptions) {
  const smscs = [...new Set(opts.smscs)];
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'smsgw_http_requests_total',
    help: 'HTTP send requests by outcome (success or stable error code)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const httpRequestDuration = new Histogram({
    name: 'smsgw_http_request_duration_seconds',
    help: 'Time from receiving an HTTP send request to writing the response',
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });
  const submitSm = new Counter({
    name: 'smsgw_smpp_submit_sm_total',
    help: 'submit_sm PDUs by SMSC and response command_status (TIMEOUT/LOCAL_ERROR: no response)',
    labelNames: ['smsc', 'command_status'] as const,
    registers,
  });
  const submitSmDuration = new Histogram({
    name: 'smsgw_smpp_submit_sm_duration_seconds',
    help: 'Round trip from writing submit_sm to receiving submit_sm_resp',
    labelNames: ['smsc'] as const,
    buckets: SUBMIT_DURATION_BUCKETS,
    registers,
  });
  const messageSegments = new Histogram({
    name: 'smsgw_message_segments',
    help: 'SMS segments needed per accepted message',
    buckets: SEGMENT_BUCKETS,
    registers,
  });
  const bindUp = new Gauge({
    name: 'smsgw_smpp_bind_up',
    help: '1 while the SMPP session is bound, else 0',
    labelNames: ['smsc', 'session'] as const,
    registers,
  });
  const bindAttempts = new Counter({
    name: 'smsgw_smpp_bind_attempts_total',
    help: 'SMPP bind attempts by result',
    labelNames: ['smsc', 'result'] as const,
    registers,
  });
  const disconnects = new Counter({
    name: 'smsgw_smpp_disconnects_total',
    help: 'SMPP session ends by reason',
    labelNames: ['smsc', 'reason'] as const,
    registers,
  });
  const enquireLinkFailures = new Counter({
    name: 'smsgw_smpp_enquire_link_failures_total',
    help: 'enquire_link requests that got no timely or no successful response',
    labelNames: ['smsc'] as const,
    registers,
  });
  const inflightRequests = new Gauge({
    name: 'smsgw_smpp_inflight_requests',
    help: 'submit_sm PDUs awaiting a response',
    labelNames: ['smsc'] as const,
    registers,
  });
  const windowSize = new Gauge({
    name: 'smsgw_smpp_window_size',
    help: 'Maximum submit_sm PDUs allowed in flight',
    labelNames: ['smsc'] as const,
    registers,
  });
  const waitQueueLength = new Gauge({
    name: 'smsgw_smpp_wait_queue_length',
    help: 'Messages waiting for a free window slot or TPS token',
    labelNames: ['smsc'] as const,
    registers,
  });
  const tpsLimitHits = new Counter({
    name: 'smsgw_smpp_tps_limit_hits_total',
    help: 'Submits delayed by the local TPS limit',
    labelNames: ['smsc'] as const,
    registers,
  });
  const throttlePauses = new Counter({
    name: 'smsgw_smpp_throttle_pauses_total',
    help: 'Sending pauses after the SMSC answered ESME_RTHROTTLED or ESME_RMSGQFUL',
    labelNames: ['smsc'] as const,
    registers,
  });
  const lateResponses = new Counter({
    name: 'smsgw_smpp_late_responses_total',
    help: 'submit_sm_resp PDUs that arrived after the request had timed out',
    labelNames: ['smsc'] as const,
    registers,
  });
  const lastSubmitSuccess = new Gauge({
    name: 'smsgw_smpp_last_submit_success_timestamp_seconds',
    help: 'Unix time of the last submit_sm answered ESME_ROK',
    labelNames: ['smsc'] as const,
    registers,
    aggregator: 'max', // with several workers: the latest of them
  });
  const dlrReceived = new Counter({
    name: 'smsgw_dlr_received_total',
    help: 'Delivery receipts by SMSC and final/intermediate stat',
    labelNames: ['smsc', 'stat'] as const,
    registers,
  });
  const dlrLatency = new Histogram({
    name: 'smsgw_dlr_latency_seconds',
    help: 'Time from submit_sm_resp ESME_ROK to the matching delivery receipt',
    labelNames: ['smsc'] as const,
    buckets: DLR_LATENCY_BUCKETS,
    registers,
  });
  const dlrUnmatched = new Counter({
    name: 'smsgw_dlr_unmatched_total',
    help: 'Delivery receipts whose message id matched no stored message',
    labelNames: ['smsc'] as const,
    registers,
  });
  const dlrEarlyReceiptsDropped = new Counter({
    name: 'smsgw_dlr_early_receipts_dropped_total',
    help: 'Receipts matching no message that were not held for their submit_sm_resp because the hold was full',
    labelNames: ['smsc'] as const,
    registers,
  });
  const dlrCallbacks = new Counter({
    name: 'smsgw_dlr_callbacks_total',
    help: 'Receipt callbacks by outcome: sent (2xx), failed (refused or out of attempts), dropped (queue full or shutdown)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const storeWriteFailures = new Counter({
    name: 'smsgw_store_write_failures_total',
    help: 'Message store writes that failed (disk full, I/O error), by what was not stored',
    labelNames: ['write'] as const,
    registers,
  });
  const abuseRefusals = new Counter({
    name: 'smsgw_abuse_refusals_total',
    help: 'Requests refused by the OTP-abuse protection, by reason (country, number type, rate limit, budget)',
    labelNames: ['reason'] as const,
    registers,
  });
  const abuseDuplicates = new Counter({
    name: 'smsgw_abuse_duplicates_total',
    help: 'Repeats answered without sending: the same text to the same number inside the dedupe window, or a mail resent with the same Message-ID and recipient',
    registers,
  });
  const abuseRateLimitKeys = new Gauge({
    name: 'smsgw_abuse_rate_limit_keys',
    help: 'Rate-limit counters held in memory (per number, number range and gateway-wide window with recent messages)',
    registers,
  });
  const previousTokenRequests = new Counter({
    name: 'smsgw_auth_previous_token_requests_total',
    help: 'Requests authenticated with SMSGW_AUTH_TOKEN_PREVIOUS; a rotation is done when this stops growing',
    registers,
  });
  const smtpSessions = new Counter({
    name: 'smsgw_smtp_sessions_total',
    help: 'SMTP connections by result: accepted, or refused at connect (ip_not_allowed, too_many_sessions, shutting_down)',
    labelNames: ['result'] as const,
    registers,
  });
  const smtpOpenSessions = new Gauge({
    name: 'smsgw_smtp_open_sessions',
    help: 'SMTP sessions open now',
    registers,
  });
  const smtpMessages = new Counter({
    name: 'smsgw_smtp_messages_total',
    help: 'Mails by outcome (success or stable error code); recipients refused at RCPT included',
    labelNames: ['outcome'] as const,
    registers,
  });
  const smtpMessageDuration = new Histogram({
    name: 'smsgw_smtp_message_duration_seconds',
    help: 'Time from the end of a mail\'s DATA to the reply',
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });
  const smtpAuthFailures = new Counter({
    name: 'smsgw_smtp_auth_failures_total',
    help: 'Failed SMTP AUTH attempts by reason (invalid_credentials, encryption_required)',
    labelNames: ['reason'] as const,
    registers,
  });
  // Registered only with Redis configured: an absent series is not an alert.
  const redisRegisters = opts.redis ? registers : [];
  const redisUp = new Gauge({
    name: 'smsgw_redis_up',
    help: '1 while the connection to the shared Redis is ready, else 0 (with several workers: 0 if any worker is cut off)',
    registers: redisRegisters,
    aggregator: 'min',
  });
  const redisCommandDuration = new Histogram({
    name: 'smsgw_redis_command_duration_seconds',
    help: 'Round trip of the Redis commands that answered, by what they were for',
    labelNames: ['op'] as const,
    buckets: REDIS_DURATION_BUCKETS,
    registers: redisRegisters,
  });
  const redisFallbacks = new Counter({
    name: 'smsgw_redis_fallbacks_total',
    help: 'Work done without Redis while it could not answer: limits and dedupe counted per instance, records kept locally, callbacks posted from memory',
    labelNames: ['what'] as const,
    registers: redisRegisters,
  });
  const redisSpooledRecords = new Gauge({
    name: 'smsgw_redis_spooled_records',
    help: 'Message records kept locally until Redis takes them',
    registers: redisRegisters,
    aggregator: 'max', // the workers of one machine share one spool
  });
  const buildInfo = new Gauge({
    name: 'smsgw_build_info',
    help: 'Always 1; labels carry the gateway and Node.js versions',
    labelNames: ['version', 'nodejs_version'] as const,
    registers,
    aggregator: 'first',
  });

  for (const outcome of HTTP_OUTCOMES) httpRequests.inc({ outcome }, 0);
  for (const reason of ABUSE_REFUSAL_REASONS) abuseRefusals.inc({ reason }, 0);
  abuseDuplicates.inc(0);
  for (const outcome of SMTP_OUTCOMES) smtpMessages.inc({ outcome }, 0);
  for (const result of SMTP_SESSION_RESULTS) smtpSessions.inc({ result }, 0);
  for (const reason of SMTP_AUTH_FAILURES) smtpAuthFailures.inc({ reason }, 0);
  smtpOpenSessions.set(0);
  abuseRateLimitKeys.set(0);
  for (const outcome of CALLBACK_OUTCOMES) dlrCallbacks.inc({ outcome }, 0);
  for (const write of STORE_WRITES) storeWriteFailures.inc({ write }, 0);
  previousTokenRequests.inc(0);
  for (const smsc of smscs) {
    for (const command_status of PRECREATED_SUBMIT_STATUSES) submitSm.inc({ smsc, command_status }, 0);
    submitSmDuration.zero({ smsc });
    // bindUp's series are made by observeBind (bind-metrics.ts), one per session of the SMSC.
    for (const result of BIND_RESULTS) bindAttempts.inc({ smsc, result }, 0);
    for (const reason of DISCONNECT_REASONS) disconnects.inc({ smsc, reason }, 0);
    for (const stat of DLR_STATS) dlrReceived.inc({ smsc, stat }, 0);
    dlrLatency.zero({ smsc });
    for (const counter of [enquireLinkFailures, tpsLimitHits, throttlePauses, lateResponses, dlrUnmatched, dlrEarlyReceiptsDropped]) {
      counter.inc({ smsc }, 0);
    }
    for (const gauge of [inflightRequests, windowSize, waitQueueLength]) gauge.set({ smsc }, 0);
    // lastSubmitSuccess stays absent until the first success: a 0 would read as "last success in 1970".
  }
  buildInfo.set({ version: opts.version, nodejs_version: process.version }, 1);
  if (opts.redis) {
    redisUp.set(0);
    redisSpooledRecords.set(0);
    for (const op of REDIS_OPS) redisCommandDuration.zero({ op });
    for (const what of REDIS_FALLBACKS) redisFallbacks.inc({ what }, 0);
  }

  return {
    registry,
    httpRequests,
    httpRequestDuration,
    submitSm,
    submitSmDuration,
    messageSegments,
    bindUp,
    bindAttempts,
    disconnects,
    enquireLinkFailures,
    inflightRequests,
    windowSize,
    waitQueueLength,
    tpsLimitHits,
    throttlePauses,
    lateResponses,
    lastSubmitSuccess,
    dlrReceived,
    dlrLatency,
    dlrUnmatched,
    dlrEarlyReceiptsDropped,
    dlrCallbacks,
    storeWriteFailures,
    abuseRefusals,
    abuseDuplicates,
    abuseRateLimitKeys,
    previousTokenRequests,
    smtpSessions,
    smtpOpenSessions,
    smtpMessages,
    smtpMessageDuration,
    smtpAuthFailures,
    redisUp,
    redisCommandDuration,
    redisFallbacks,
    redisSpooledRecords,
    buildInfo,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
