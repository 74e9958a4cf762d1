import type { Registry } from 'prom-client';
import { defineIn } from './define';
import { ABUSE_REFUSAL_CODES, CALLER_ERROR_CODES, ERROR_CODES, GATEWAY_FAILURE_CODES, type AbuseRefusalCode, type ErrorCode } from '../errors';

/** Label values are the stable error codes, lower-cased. */
export const lowerCased = <C extends string>(codes: readonly C[]): Lowercase<C>[] => codes.map((code) => code.toLowerCase() as Lowercase<C>);

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

export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SEGMENT_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10];

/** The ExSign endpoint's requests, the messages they send, token rotation and the abuse protection. */
export function httpMetrics(registers: Registry[]) {
  const define = defineIn(registers);
  const httpRequests = define.counter('smsgw_http_requests_total', 'HTTP send requests by outcome (success or stable error code)', ['outcome']);
  const httpRequestDuration = define.histogram('smsgw_http_request_duration_seconds', 'Time from receiving an HTTP send request to writing the response', HTTP_DURATION_BUCKETS);
  const messageSegments = define.histogram('smsgw_message_segments', 'SMS segments needed per accepted message', SEGMENT_BUCKETS);
  const abuseRefusals = define.counter('smsgw_abuse_refusals_total', 'Requests refused by the OTP-abuse protection, by reason (country, number type, rate limit, budget)', ['reason']);
  const abuseDuplicates = define.counter('smsgw_abuse_duplicates_total', 'Repeats answered without sending: the same text to the same number inside the dedupe window, or a mail resent with the same Message-ID and recipient');
  const abuseRateLimitKeys = define.gauge('smsgw_abuse_rate_limit_keys', 'Rate-limit counters held in memory (per number, number range and gateway-wide window with recent messages)');
  const previousTokenRequests = define.counter('smsgw_auth_previous_token_requests_total', 'Requests authenticated with SMSGW_AUTH_TOKEN_PREVIOUS; a rotation is done when this stops growing');

  for (const outcome of HTTP_OUTCOMES) httpRequests.inc({ outcome }, 0);
  for (const reason of ABUSE_REFUSAL_REASONS) abuseRefusals.inc({ reason }, 0);
  abuseDuplicates.inc(0);
  abuseRateLimitKeys.set(0);
  previousTokenRequests.inc(0);
  return { httpRequests, httpRequestDuration, messageSegments, abuseRefusals, abuseDuplicates, abuseRateLimitKeys, previousTokenRequests };
}
