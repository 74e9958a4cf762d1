// The one place failures are worded for ExSign: every kind of failure, from its facts, in the
// words ExSign callers (and their support staff) have been reading.
import {
  GatewayError,
  linkLost,
  notBound,
  queueFull,
  responseTimeout,
  shuttingDown,
  smscRejected,
  storeUnavailable,
  submitFailed,
  throttled,
  tooManyRequests,
  tpsLimited,
  windowFull,
  type Failure,
  type FailureFacts,
} from '../../src/errors';
import { exsignDetails, formatDuration, toExsignResponse } from '../../src/http/exsign-response';

const fail = <K extends keyof FailureFacts>(kind: K, facts: FailureFacts[K]) => new GatewayError(kind, facts) as Failure;
const rateLimited = (code: FailureFacts['rate-limited']['code'], limit: number, windowMs: number, retryAfterMs: number, hiddenDigits = 0) =>
  fail('rate-limited', { code, limit, windowMs, retryAfterMs, hiddenDigits });
const FR = { country: 'FR', callingCode: '33', numberType: 'MOBILE', nonGeographic: false };

test.each<[GatewayError, string]>([
  [fail('caller-refused', { code: 'IP_NOT_ALLOWED' }), 'Caller address not allowed'],
  [fail('caller-refused', { code: 'AUTH_MISSING' }), 'Authorization header missing (expected "token <base64 token>")'],
  [fail('caller-refused', { code: 'AUTH_INVALID' }), 'Authorization token not accepted'],
  [fail('body-too-large', { limitBytes: 16384 }), 'Request body larger than 16384 bytes'],
  [fail('malformed-body', { problem: 'encoding-not-supported' }), 'Content-Encoding not supported (send gzip, deflate or none)'],
  [fail('malformed-body', { problem: 'not-decompressible' }), 'Request body could not be decompressed (damaged gzip or deflate data)'],
  [fail('malformed-body', { problem: 'not-utf8' }), 'Request body is not UTF-8 (JSON must be)'],
  [fail('malformed-body', { problem: 'lone-surrogate' }), 'Request body has a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which no SMS can carry'],
  [fail('malformed-body', { problem: 'not-json' }), 'Request body is not valid JSON'],
  [fail('invalid-field', { problem: 'not-an-object' }), 'Request body must be a JSON object with MobileNumber and MessageText'],
  [fail('invalid-field', { problem: 'missing', field: 'MobileNumber' }), 'MobileNumber is missing'],
  [fail('invalid-field', { problem: 'not-a-string', field: 'MessageText' }), 'MessageText must be a string'],
  [fail('empty-text', { source: 'text' }), 'MessageText is empty'],
  [fail('text-too-long', { segments: 7, limit: 6 }), 'MessageText needs 7 SMS parts; the limit is 6'],
  [fail('invalid-number', { defaultRegion: '' }), 'MobileNumber is not a valid phone number in international format (E.164, e.g. +447400123456)'],
  [fail('invalid-number', { defaultRegion: 'GB' }), 'MobileNumber is not a valid phone number (E.164, or national for GB)'],
  [fail('destination-refused', { code: 'COUNTRY_NOT_ALLOWED', destination: FR, allowed: { everyCountry: false, listed: ['GB', 'GG'] } }), 'MobileNumber refused: country FR is not allowed (allowed: GB, GG)'],
  [
    fail('destination-refused', {
      code: 'COUNTRY_NOT_ALLOWED',
      destination: { country: '001', callingCode: '881', numberType: undefined, nonGeographic: true },
      allowed: { everyCountry: true, listed: [] },
    }),
    'MobileNumber refused: non-geographic numbers (+881) are not allowed (allowed: every country)',
  ],
  [fail('destination-refused', { code: 'COUNTRY_NOT_ALLOWED', destination: FR, allowed: { everyCountry: true, listed: ['001'] } }), 'MobileNumber refused: country FR is not allowed (allowed: every country, non-geographic)'],
  [fail('destination-refused', { code: 'NOT_MOBILE', destination: { ...FR, numberType: 'PREMIUM_RATE' }, allowed: { everyCountry: true, listed: [] } }), 'MobileNumber refused: it is a premium-rate number; only mobile numbers are accepted'],
  [rateLimited('NUMBER_RATE_LIMITED', 3, 600_000, 4_200), 'Too many messages to this number: at most 3 per 10 min; retry in 5 s'],
  [rateLimited('NUMBER_DAILY_LIMIT', 10, 86_400_000, 3_600_000), 'Too many messages to this number: at most 10 per 24 h; retry in 60 min'],
  [rateLimited('PREFIX_RATE_LIMITED', 20, 3_600_000, 1000, 4), 'Too many messages to this number range (the number without its last 4 digits): at most 20 per 1 h; retry in 1 s'],
  [rateLimited('GLOBAL_RATE_LIMITED', 100, 60_000, 250), 'Gateway-wide rate limit reached: at most 100 messages per 1 min; retry in 1 s'],
  [rateLimited('DAILY_BUDGET_EXCEEDED', 5000, 86_400_000, 180_001), 'Message budget exhausted: at most 5000 messages per 24 h; retry in 4 min'],
  [notBound(), 'SMSC not bound: no SMPP session was available before the request deadline'],
  [notBound(['uk: bind-timeout', 'fr: connect-failed']), 'SMSC not bound: no SMPP session was available before the request deadline (last failure: uk: bind-timeout; fr: connect-failed)'],
  [smscRejected(0x0b), 'SMSC rejected the message: ESME_RINVDSTADR (0x0B)'],
  [smscRejected(0xff, true), 'SMSC rejected the message: generic_nack ESME_RUNKNOWNERR (0xFF)'],
  [throttled(0x58), 'SMSC throttling (ESME_RTHROTTLED (0x58)): sending paused, message not sent before the request deadline'],
  [windowFull(10), 'SMSC window full until the request deadline (window 10)'],
  [tpsLimited(), 'TPS limit for this SMSC reached: message not sent before the request deadline'],
  [responseTimeout(5000), 'SMSC did not answer submit_sm within 5000 ms (outcome unknown)'],
  [linkLost('link-lost'), 'SMSC link lost before submit_sm_resp (link-lost); outcome unknown'],
  [fail('first-outcome-unknown', {}), 'The same message sent just before by another gateway instance has no outcome yet (outcome unknown)'],
  [queueFull(), 'Gateway busy: too many requests waiting for the SMSC'],
  [tooManyRequests(10), 'Gateway busy: 10 requests already in progress; retry shortly'],
  [storeUnavailable(), 'Gateway cannot reach its shared store (Redis), so abuse limits cannot be checked: sending is refused until it is back; retry shortly'],
  [shuttingDown(), 'Gateway shutting down; retry on another instance'],
  [submitFailed(), 'submit failed'],
  [fail('internal', { step: 'routing' }), 'no SMSC chosen'],
])('%s → %s', (err, text) => {
  expect(exsignDetails(err as Failure)).toBe(text);
  expect(toExsignResponse(err)).toEqual({ body: { IsSuccess: false, ErrorDetails: text }, code: err.code });
});

it('describes nothing of an error that is not ours', () => {
  expect(toExsignResponse(new TypeError('x is undefined'))).toEqual({ body: { IsSuccess: false, ErrorDetails: 'Internal gateway error' }, code: 'INTERNAL_ERROR' });
});

it.each([
  [600_000, '10 min'],
  [86_400_000, '24 h'],
  [30_000, '30 s'],
  [1500, '1500 ms'],
])('formatDuration(%i) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
