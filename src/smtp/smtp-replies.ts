import { asFailure, GatewayError, type ErrorCode, type Failure } from '../errors';
import { exsignDetails, namingFields } from '../http/exsign-response';

/**
 * An SMTP reply: the basic code (RFC 5321) and the enhanced status code (RFC 3463), which goes at
 * the start of the text. smtp-server can only derive an enhanced code from the basic one (452
 * would go out as 4.2.2, an abuse refusal as 5.1.1), so its own are hidden and ours are written
 * here, as many servers do; MTAs such as Postfix read them from the text.
 */
export interface SmtpReply {
  code: number;
  enhanced: string;
}

const reply = (code: number, enhanced: string): SmtpReply => ({ code, enhanced });

// 4xx: the sending MTA keeps the mail and retries later by itself. 5xx: it bounces the mail to
// its sender at once. Abuse limits are 5xx: a queued retry would turn a refusal into a late
// delivery of a stale one-time password, or into the pumping the limit exists to stop.
const REPLIES: Record<ErrorCode, SmtpReply> = {
  // Refusals of the client; only some of these codes arise in SMTP (see smtpReplies below).
  AUTH_MISSING: reply(530, '5.7.0'),
  AUTH_INVALID: reply(535, '5.7.8'),
  IP_NOT_ALLOWED: reply(554, '5.7.1'),
  BODY_TOO_LARGE: reply(552, '5.3.4'),
  MALFORMED_JSON: reply(550, '5.6.0'),
  INVALID_FIELD: reply(550, '5.6.0'),
  // The message itself: permanent.
  EMPTY_TEXT: reply(550, '5.6.0'),
  TEXT_TOO_LONG: reply(550, '5.3.4'),
  INVALID_NUMBER: reply(550, '5.1.1'),
  COUNTRY_NOT_ALLOWED: reply(550, '5.7.1'),
  NOT_MOBILE: reply(550, '5.7.1'),
  NUMBER_RATE_LIMITED: reply(550, '5.7.1'),
  NUMBER_DAILY_LIMIT: reply(550, '5.7.1'),
  PREFIX_RATE_LIMITED: reply(550, '5.7.1'),
  GLOBAL_RATE_LIMITED: reply(550, '5.7.1'),
  DAILY_BUDGET_EXCEEDED: reply(550, '5.7.1'),
  // An SMSC refusal of class "fail"; a temporary one that outlasted the deadline is TRANSIENT_REFUSAL.
  SMSC_REJECTED: reply(550, '5.0.0'),
  // The way to the SMSC: transient.
  SMSC_NOT_BOUND: reply(451, '4.4.1'),
  SMSC_TIMEOUT: reply(451, '4.4.1'),
  SMSC_LINK_LOST: reply(451, '4.4.2'),
  QUEUE_FULL: reply(451, '4.4.5'),
  TOO_MANY_REQUESTS: reply(451, '4.4.5'),
  STORE_UNAVAILABLE: reply(451, '4.3.0'),
  SHUTTING_DOWN: reply(451, '4.3.2'),
  INTERNAL_ERROR: reply(451, '4.3.0'),
};

/** The SMSC refused for now (throttling, queue full, a temporary error) until the deadline. */
const TRANSIENT_REFUSAL = reply(451, '4.4.5');

/** The replies that are not a gateway error code, with their text. */
export const SMTP_REPLIES = {
  oneRecipient: { ...reply(452, '4.5.3'), text: 'one recipient per message' },
  encryptionRequired: { ...reply(538, '5.7.11'), text: 'Must issue a STARTTLS command first' },
  authNotAvailable: { ...reply(538, '5.7.11'), text: 'Authentication not available' },
  authRequired: { ...reply(530, '5.7.0'), text: 'Authentication required' },
  tooManyAuthFailures: { ...reply(421, '4.7.0'), text: 'Too many failed authentication attempts; closing' },
  shuttingDown: { ...reply(421, '4.3.2'), text: 'Gateway shutting down; try again later' },
  sessionTimeLimit: { ...reply(421, '4.4.2'), text: 'Session time limit reached; closing' },
} as const;

export type SmtpAnswer = SmtpReply & { text: string };

/** 250 with our message id. */
export const sent = (messageId: string): SmtpAnswer => ({ ...reply(250, '2.0.0'), text: `sent ${messageId}` });

/** 550 5.1.2 for a recipient outside SMSGW_SMTP_DOMAINS. */
export const unknownDomain = (domain: string): SmtpAnswer => ({ ...reply(550, '5.1.2'), text: `Domain ${domain || '(none)'} is not an SMS domain of this gateway` });

/** 421 4.3.2 beyond SMSGW_SMTP_MAX_SESSIONS. */
export const tooManySessions = (max: number): SmtpAnswer => ({ ...reply(421, '4.3.2'), text: `Too many SMTP sessions (${max}); try again later` });

/** The reply for a failure of the sending path (a GatewayError, or anything else as an internal error). */
export function replyFor(error: unknown): SmtpAnswer {
  if (!(error instanceof GatewayError)) return { ...REPLIES.INTERNAL_ERROR, text: 'Internal gateway error; try again later' };
  const base = error.code === 'SMSC_REJECTED' && error.transient ? TRANSIENT_REFUSAL : REPLIES[error.code];
  return { ...base, text: mailText(asFailure(error)) };
}

/**
 * A failure in a mail's terms: a recipient number and a text, not ExSign's fields. The gateway's
 * own failures (the SMSC, load, the store) read as in the ExSign answer.
 */
function mailText(err: Failure): string {
  switch (err.kind) {
    case 'caller-refused':
      return err.facts.code === 'IP_NOT_ALLOWED' ? 'Client address not allowed' : 'Authentication credentials invalid';
    case 'body-too-large':
      return `Message larger than ${err.facts.limitBytes} bytes`;
    case 'empty-text':
      return err.facts.source === 'subject' ? 'Subject is empty' : 'Text is empty';
    case 'text-too-long':
    case 'invalid-number':
    case 'destination-refused':
      return namingFields(err, { number: 'Recipient number', text: 'Text' });
    default:
      return exsignDetails(err);
  }
}

/** The line smtp-server writes after the basic code: the enhanced code, then the text. */
export function replyLine(reply: SmtpAnswer): string {
  return `${reply.enhanced} ${reply.text}`;
}

/** An Error smtp-server answers with `code enhanced text`. */
export function replyError(reply: SmtpAnswer): Error & { responseCode: number } {
  return Object.assign(new Error(replyLine(reply)), { responseCode: reply.code });
}
