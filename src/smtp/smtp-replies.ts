import { GatewayError, type ErrorCode } from '../errors';

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

/** The replies that are not a gateway error code. */
export const SMTP_REPLIES = {
  sent: reply(250, '2.0.0'),
  oneRecipient: reply(452, '4.5.3'),
  unknownDomain: reply(550, '5.1.2'),
  encryptionRequired: reply(538, '5.7.11'),
  tooManyAuthFailures: reply(421, '4.7.0'),
  tooManySessions: reply(421, '4.3.2'),
  shuttingDown: reply(421, '4.3.2'),
  sessionTimeLimit: reply(421, '4.4.2'),
} as const;

/** The reply for a failure of the sending path (a GatewayError, or anything else as an internal error). */
export function replyFor(error: unknown): SmtpReply & { text: string } {
  if (!(error instanceof GatewayError)) return { ...REPLIES.INTERNAL_ERROR, text: 'Internal gateway error; try again later' };
  const base = error.code === 'SMSC_REJECTED' && error.transient ? TRANSIENT_REFUSAL : REPLIES[error.code];
  return { ...base, text: forMail(error.message) };
}

/** The line smtp-server writes after the basic code: the enhanced code, then the text. */
export function replyLine(reply: SmtpReply, text: string): string {
  return `${reply.enhanced} ${text}`;
}

/** An Error smtp-server answers with `code enhanced text`. */
export function replyError(reply: SmtpReply, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(replyLine(reply, text)), { responseCode: reply.code });
}

/** Gateway messages name the ExSign fields; a mail has a recipient number and a text instead. */
function forMail(message: string): string {
  return message.replace(/\bMobileNumber\b/g, 'Recipient number').replace(/\bMessageText\b/g, 'Text');
}
