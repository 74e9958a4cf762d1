// The one mapping from gateway errors to SMTP replies: 4xx where the sending MTA should retry
// by itself, 5xx where a retry cannot help or must not happen; enhanced codes from RFC 3463.
import { ABUSE_REFUSAL_CODES, GatewayError, SmscRejectedError, linkLost, notBound, queueFull, responseTimeout, shuttingDown, throttled, tooManyRequests } from '../../src/errors';
import { replyFor } from '../../src/smtp/smtp-replies';

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
  [new SmscRejectedError(0x08, false, true), '451 4.4.5 SMSC rejected the message: ESME_RSYSERR (0x08)'],
  [new SmscRejectedError(0x0b), '550 5.0.0 SMSC rejected the message: ESME_RINVDSTADR (0x0B)'],
  [new GatewayError('INVALID_NUMBER', 'MobileNumber is not a valid phone number'), '550 5.1.1 Recipient number is not a valid phone number'],
  [new GatewayError('TEXT_TOO_LONG', 'MessageText needs 7 SMS parts; the limit is 6'), '550 5.3.4 Text needs 7 SMS parts; the limit is 6'],
  [new GatewayError('EMPTY_TEXT', 'Text is empty'), '550 5.6.0 Text is empty'],
  [new GatewayError('BODY_TOO_LARGE', 'Message larger than 10 bytes'), '552 5.3.4 Message larger than 10 bytes'],
  [new Error('boom'), '451 4.3.0 Internal gateway error; try again later'],
])('%s → %s', (err, expected) => {
  expect(line(err)).toBe(expected);
});

test.each(ABUSE_REFUSAL_CODES)('abuse refusal %s is permanent: 550 5.7.1', (code) => {
  expect(replyFor(new GatewayError(code, 'refused')).code).toBe(550);
  expect(replyFor(new GatewayError(code, 'refused')).enhanced).toBe('5.7.1');
});
