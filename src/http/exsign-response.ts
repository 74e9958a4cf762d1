import { asFailure, GatewayError, type AllowedCountries, type ErrorCode, type Failure, type FailureFacts } from '../errors';
import { formatCommandStatus } from '../smpp/command-status';
import { NON_GEOGRAPHIC } from '../sms/phone-number';

/** The whole ExSign response contract: always HTTP 200 with these two fields. */
export interface ExsignResponse {
  IsSuccess: boolean;
  ErrorDetails: string;
}

export const SUCCESS: ExsignResponse = { IsSuccess: true, ErrorDetails: '' };

/**
 * The one place an error becomes an ExSign answer. GatewayErrors are worded from their facts
 * (no token, text or full number among them); anything else is an internal error and is not described.
 */
export function toExsignResponse(err: unknown): { body: ExsignResponse; code: ErrorCode } {
  if (err instanceof GatewayError) return { body: { IsSuccess: false, ErrorDetails: exsignDetails(asFailure(err)) }, code: err.code };
  return { body: { IsSuccess: false, ErrorDetails: 'Internal gateway error' }, code: 'INTERNAL_ERROR' };
}

/** Any other method on the ExSign path. */
export const methodNotAllowed = (method: string): ExsignResponse => ({ IsSuccess: false, ErrorDetails: `Method ${method} not allowed; use POST` });

/** Any other path of the main listener. */
export const noEndpoint = (): ExsignResponse => ({ IsSuccess: false, ErrorDetails: 'No ExSign endpoint at this path' });

const CALLER_REFUSED = {
  IP_NOT_ALLOWED: 'Caller address not allowed',
  AUTH_MISSING: 'Authorization header missing (expected "token <base64 token>")',
  AUTH_INVALID: 'Authorization token not accepted',
} as const;

const MALFORMED_BODY = {
  'encoding-not-supported': 'Content-Encoding not supported (send gzip, deflate or none)',
  'not-decompressible': 'Request body could not be decompressed (damaged gzip or deflate data)',
  'not-utf8': 'Request body is not UTF-8 (JSON must be)',
  'lone-surrogate': 'Request body has a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which no SMS can carry',
  'not-json': 'Request body is not valid JSON',
} as const;

/** ErrorDetails for a failure: what went wrong and, where it helps, what to do. */
export function exsignDetails(err: Failure): string {
  switch (err.kind) {
    case 'caller-refused':
      return CALLER_REFUSED[err.facts.code];
    case 'body-too-large':
      return `Request body larger than ${err.facts.limitBytes} bytes`;
    case 'malformed-body':
      return MALFORMED_BODY[err.facts.problem];
    case 'invalid-field': {
      const { problem, field } = err.facts;
      if (problem === 'not-an-object') return 'Request body must be a JSON object with MobileNumber and MessageText';
      return problem === 'missing' ? `${field} is missing` : `${field} must be a string`;
    }
    case 'empty-text':
      return 'MessageText is empty';
    case 'text-too-long':
    case 'invalid-number':
    case 'destination-refused':
      return namingFields(err, { number: 'MobileNumber', text: 'MessageText' });
    case 'rate-limited':
      return rateLimited(err.facts);
    case 'not-bound': {
      const { lastFailures } = err.facts;
      return `SMSC not bound: no SMPP session was available before the request deadline${lastFailures.length > 0 ? ` (last failure: ${lastFailures.join('; ')})` : ''}`;
    }
    case 'smsc-rejected':
      return `SMSC rejected the message: ${err.facts.nack ? 'generic_nack ' : ''}${formatCommandStatus(err.facts.commandStatus)}`;
    case 'throttled':
      return `SMSC throttling (${formatCommandStatus(err.facts.commandStatus)}): sending paused, message not sent before the request deadline`;
    case 'window-full':
      return `SMSC window full until the request deadline (window ${err.facts.window})`;
    case 'tps-limited':
      return 'TPS limit for this SMSC reached: message not sent before the request deadline';
    case 'response-timeout':
      return `SMSC did not answer submit_sm within ${err.facts.waitedMs} ms (outcome unknown)`;
    case 'link-lost':
      return `SMSC link lost before submit_sm_resp (${err.facts.reason}); outcome unknown`;
    case 'first-outcome-unknown':
      return 'The same message sent just before by another gateway instance has no outcome yet (outcome unknown)';
    case 'queue-full':
      return 'Gateway busy: too many requests waiting for the SMSC';
    case 'too-many-requests':
      return `Gateway busy: ${err.facts.max} requests already in progress; retry shortly`;
    case 'store-unavailable':
      return 'Gateway cannot reach its shared store (Redis), so abuse limits cannot be checked: sending is refused until it is back; retry shortly';
    case 'shutting-down':
      return 'Gateway shutting down; retry on another instance';
    case 'internal':
      return err.facts.step === 'submit' ? 'submit failed' : 'no SMSC chosen';
  }
}

function rateLimited({ code, limit, windowMs, retryAfterMs, hiddenDigits }: FailureFacts['rate-limited']): string {
  const per = `per ${formatDuration(windowMs)}; retry in ${formatDuration(retryAfterMs, 'ceil')}`;
  switch (code) {
    case 'NUMBER_RATE_LIMITED':
    case 'NUMBER_DAILY_LIMIT':
      return `Too many messages to this number: at most ${limit} ${per}`;
    case 'PREFIX_RATE_LIMITED':
      return `Too many messages to this number range (the number without its last ${hiddenDigits} digits): at most ${limit} ${per}`;
    case 'GLOBAL_RATE_LIMITED':
      return `Gateway-wide rate limit reached: at most ${limit} messages ${per}`;
    case 'DAILY_BUDGET_EXCEEDED':
      return `Message budget exhausted: at most ${limit} messages ${per}`;
  }
}

/**
 * The failures that name the request's number or text, worded with the names the protocol gives
 * them: ExSign's fields, or a mail's recipient number and text (smtp-replies.ts).
 */
export function namingFields(
  err: GatewayError<'text-too-long'> | GatewayError<'invalid-number'> | GatewayError<'destination-refused'>,
  names: { number: string; text: string },
): string {
  switch (err.kind) {
    case 'text-too-long':
      return `${names.text} needs ${err.facts.segments} SMS parts; the limit is ${err.facts.limit}`;
    case 'invalid-number':
      return err.facts.defaultRegion
        ? `${names.number} is not a valid phone number (E.164, or national for ${err.facts.defaultRegion})`
        : `${names.number} is not a valid phone number in international format (E.164, e.g. +447400123456)`;
    case 'destination-refused': {
      const { code, destination, allowed } = err.facts;
      if (code === 'NOT_MOBILE') return `${names.number} refused: it is a ${(destination.numberType ?? 'unknown').toLowerCase().replace(/_/g, '-')} number; only mobile numbers are accepted`;
      const what = destination.nonGeographic ? `non-geographic numbers (+${destination.callingCode}) are` : `country ${destination.country} is`;
      return `${names.number} refused: ${what} not allowed (allowed: ${describeAllowed(allowed)})`;
    }
  }
}

function describeAllowed(allowed: AllowedCountries): string {
  const listed = allowed.listed.map((c) => (c === NON_GEOGRAPHIC ? 'non-geographic' : c));
  return (allowed.everyCountry ? ['every country', ...listed] : listed).join(', ');
}

/** 600000 → "10 min", 86400000 → "24 h"; 'ceil' rounds a wait up to whole seconds or minutes. */
export function formatDuration(ms: number, rounding: 'exact' | 'ceil' = 'exact'): string {
  if (rounding === 'ceil') return ms <= 120_000 ? `${Math.max(1, Math.ceil(ms / 1000))} s` : `${Math.ceil(ms / 60_000)} min`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
