import type { Registry } from 'prom-client';
import { defineIn } from './define';
import { ERROR_CODES, type ErrorCode } from '../errors';
import { HTTP_DURATION_BUCKETS, lowerCased } from './http-metrics';

/** Codes only an HTTP request can end with: a mail's sender and body are checked otherwise. */
const HTTP_ONLY = ['AUTH_MISSING', 'AUTH_INVALID', 'IP_NOT_ALLOWED', 'MALFORMED_JSON', 'INVALID_FIELD'] as const satisfies readonly ErrorCode[];
type MailErrorCode = Exclude<ErrorCode, (typeof HTTP_ONLY)[number]>;

/**
 * `outcome` label of smsgw_smtp_messages_total: the codes a mail can end with (lower-cased), plus
 * unknown_domain (a recipient outside SMSGW_SMTP_DOMAINS). Recipients refused at RCPT count too.
 */
export type SmtpOutcome = 'success' | 'unknown_domain' | Lowercase<MailErrorCode>;
export const SMTP_OUTCOMES: readonly SmtpOutcome[] = [
  'success',
  'unknown_domain',
  ...lowerCased(ERROR_CODES.filter((code): code is MailErrorCode => !(HTTP_ONLY as readonly string[]).includes(code))),
];

/** `result` label of smsgw_smtp_sessions_total and `reason` of smsgw_smtp_auth_failures_total. */
export const SMTP_SESSION_RESULTS = ['accepted', 'ip_not_allowed', 'too_many_sessions', 'shutting_down'] as const;
export type SmtpSessionResult = (typeof SMTP_SESSION_RESULTS)[number];
export const SMTP_AUTH_FAILURES = ['invalid_credentials', 'encryption_required'] as const;
export type SmtpAuthFailure = (typeof SMTP_AUTH_FAILURES)[number];

/** The Email-to-SMS listener: its sessions, their mails and failed logins. */
export function smtpMetrics(registers: Registry[]) {
  const define = defineIn(registers);
  const smtpSessions = define.counter('smsgw_smtp_sessions_total', 'SMTP connections by result: accepted, or refused at connect (ip_not_allowed, too_many_sessions, shutting_down)', ['result']);
  const smtpOpenSessions = define.gauge('smsgw_smtp_open_sessions', 'SMTP sessions open now');
  const smtpMessages = define.counter('smsgw_smtp_messages_total', 'Mails by outcome (success or stable error code); recipients refused at RCPT included', ['outcome']);
  const smtpMessageDuration = define.histogram('smsgw_smtp_message_duration_seconds', 'Time from the end of a mail\'s DATA to the reply', HTTP_DURATION_BUCKETS);
  const smtpAuthFailures = define.counter('smsgw_smtp_auth_failures_total', 'Failed SMTP AUTH attempts by reason (invalid_credentials, encryption_required)', ['reason']);

  for (const outcome of SMTP_OUTCOMES) smtpMessages.inc({ outcome }, 0);
  for (const result of SMTP_SESSION_RESULTS) smtpSessions.inc({ result }, 0);
  for (const reason of SMTP_AUTH_FAILURES) smtpAuthFailures.inc({ reason }, 0);
  smtpOpenSessions.set(0);
  return { smtpSessions, smtpOpenSessions, smtpMessages, smtpMessageDuration, smtpAuthFailures };
}
