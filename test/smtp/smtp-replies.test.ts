// The one mapping from gateway errors to SMTP replies: 4xx where the sending MTA should retry
// by itself, 5xx where a retry cannot help or must not happen; enhanced codes from RFC 3463.
import { GatewayError, linkLost, notBound, queueFull, responseTimeout, shuttingDown, smscRejected, throttled, tooManyRequests, type FailureFacts, type RateLimitCode } from '../../src/errors';
import { replyFor } from '../../src/smtp/smtp-replies';

const fail = <K extends keyof FailureFacts>(kind: K, facts: FailureFacts[K]) => new GatewayError(kind, facts);

const line = (err: unknown) => {
  const reply = replyFor(err);
  return `${reply.code} ${reply.enhanced} ${reply.text}`;
};

test.each([
  [notBound(), '451 4.4.1 SMSC not bound: no SMPP session was available before the request deadline'],
  [responseTimeout(5000), '451 4.4.1 SMSC did not answer submit_sm within 5000 ms (outcome unknown)'],
  [linkLost('link-lost'), '451 4.4.2 SMSC link lost before submit_sm_resp (link-lost); outcome unknown'],
  [queueFull(), '451 4.4.5 Gateway busy: too many requests waiting for the SMSC'],
  [tooManyRequests(10), '451 4.4.5 Gateway busy: 10 requests already in progress; retry shortly'],
  [shuttingDown(), '451 4.3.2 Gateway shutting down; retry on another instance'],
  [throttled(0x58), '451 4.4.5 SMSC throttling (ESME_RTHROTTLED (0x58)): sending paused, message not sent before the request deadline'],
  [smscRejected(0x08, false, true), '451 4.4.5 SMSC rejected the message: ESME_RSYSERR (0x08)'],
  [smscRejected(0x0b), '550 5.0.0 SMSC rejected the message: ESME_RINVDSTADR (0x0B)'],
  [fail('invalid-number', { defaultRegion: '' }), '550 5.1.1 Recipient number is not a valid phone number in international format (E.164, e.g. +447400123456)'],
  [fail('invalid-number', { defaultRegion: 'GB' }), '550 5.1.1 Recipient number is not a valid phone number (E.164, or national for GB)'],
  [fail('text-too-long', { segments: 7, limit: 6 }), '550 5.3.4 Text needs 7 SMS parts; the limit is 6'],
  [fail('empty-text', { source: 'text' }), '550 5.6.0 Text is empty'],
  [fail('empty-text', { source: 'subject' }), '550 5.6.0 Subject is empty'],
  [fail('body-too-large', { limitBytes: 10 }), '552 5.3.4 Message larger than 10 bytes'],
  [fail('caller-refused', { code: 'IP_NOT_ALLOWED' }), '554 5.7.1 Client address not allowed'],
  [fail('caller-refused', { code: 'AUTH_INVALID' }), '535 5.7.8 Authentication credentials invalid'],
  [
    fail('destination-refused', {
      code: 'COUNTRY_NOT_ALLOWED',
      destination: { country: 'FR', callingCode: '33', numberType: 'MOBILE', nonGeographic: false },
      allowed: { everyCountry: false, listed: ['GB'] },
    }),
    '550 5.7.1 Recipient number refused: country FR is not allowed (allowed: GB)',
  ],
  [fail('rate-limited', { code: 'NUMBER_RATE_LIMITED', limit: 3, windowMs: 600_000, retryAfterMs: 4_200, hiddenDigits: 0 }), '550 5.7.1 Too many messages to this number: at most 3 per 10 min; retry in 5 s'],
  [new Error('boom'), '451 4.3.0 Internal gateway error; try again later'],
])('%s → %s', (err, expected) => {
  expect(line(err)).toBe(expected);
});

const DESTINATION = { country: 'FR', callingCode: '33', numberType: 'FIXED_LINE', nonGeographic: false };
const RATE_LIMITS: RateLimitCode[] = ['NUMBER_RATE_LIMITED', 'NUMBER_DAILY_LIMIT', 'PREFIX_RATE_LIMITED', 'GLOBAL_RATE_LIMITED', 'DAILY_BUDGET_EXCEEDED'];
test.each([
  fail('destination-refused', { code: 'COUNTRY_NOT_ALLOWED', destination: DESTINATION, allowed: { everyCountry: false, listed: ['GB'] } }),
  fail('destination-refused', { code: 'NOT_MOBILE', destination: DESTINATION, allowed: { everyCountry: true, listed: [] } }),
  ...RATE_LIMITS.map((code) => fail('rate-limited', { code, limit: 1, windowMs: 60_000, retryAfterMs: 1000, hiddenDigits: 0 })),
])('abuse refusal %s is permanent: 550 5.7.1', (refusal) => {
  expect(replyFor(refusal)).toMatchObject({ code: 550, enhanced: '5.7.1' });
});
