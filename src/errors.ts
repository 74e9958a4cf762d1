import { formatCommandStatus, commandStatusName } from './smpp/command-status';

/** Failures that are the caller's to fix: who it is, what it sent. */
export const CALLER_ERROR_CODES = [
  'AUTH_MISSING',
  'AUTH_INVALID',
  'IP_NOT_ALLOWED',
  'BODY_TOO_LARGE',
  'MALFORMED_JSON',
  'INVALID_FIELD',
  'EMPTY_TEXT',
  'TEXT_TOO_LONG',
  'INVALID_NUMBER',
] as const;

/** Refusals by the OTP-abuse protection (src/limits/); each is also counted by reason. */
export const ABUSE_REFUSAL_CODES = [
  'COUNTRY_NOT_ALLOWED',
  'NOT_MOBILE',
  'NUMBER_RATE_LIMITED',
  'NUMBER_DAILY_LIMIT',
  'PREFIX_RATE_LIMITED',
  'GLOBAL_RATE_LIMITED',
  'DAILY_BUDGET_EXCEEDED',
] as const;
export type AbuseRefusalCode = (typeof ABUSE_REFUSAL_CODES)[number];

/** Failures on the gateway's or the SMSC's side, including refusals for being busy. */
export const GATEWAY_FAILURE_CODES = [
  'SMSC_NOT_BOUND',
  'SMSC_REJECTED',
  'SMSC_TIMEOUT',
  'SMSC_LINK_LOST',
  'QUEUE_FULL',
  'TOO_MANY_REQUESTS',
  'STORE_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL_ERROR',
] as const;

/**
 * Every failure the gateway can report, with a stable code, in three classes the dashboard and
 * the alerts keep apart. Messages never contain the token, the message text or the full phone
 * number: they go back to the caller and into logs.
 */
export const ERROR_CODES = [...CALLER_ERROR_CODES, ...ABUSE_REFUSAL_CODES, ...GATEWAY_FAILURE_CODES] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The same message may go through later: an SMSC refusal of class retry or throttle that outlasted the deadline. */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** The SMSC answered a submit_sm with a non-zero command_status (in a generic_nack when `nack`). */
export class SmscRejectedError extends GatewayError {
  readonly commandStatusName: string;
  constructor(
    readonly commandStatus: number,
    nack = false,
    transient = false,
  ) {
    super('SMSC_REJECTED', `SMSC rejected the message: ${nack ? 'generic_nack ' : ''}${formatCommandStatus(commandStatus)}`, transient);
    this.name = 'SmscRejectedError';
    this.commandStatusName = commandStatusName(commandStatus);
  }
}

/** A submit_sm was written but no response will come: the SMSC may or may not have taken it. */
export class OutcomeUnknownError extends GatewayError {
  constructor(code: 'SMSC_TIMEOUT' | 'SMSC_LINK_LOST', message: string) {
    super(code, message);
    this.name = 'OutcomeUnknownError';
  }
}

/** No session was bound before the deadline; `lastFailures` says why the sessions last failed, when known. */
export class NotBoundError extends GatewayError {
  constructor(readonly lastFailures: readonly string[] = []) {
    const why = lastFailures.length > 0 ? ` (last failure: ${lastFailures.join('; ')})` : '';
    super('SMSC_NOT_BOUND', `SMSC not bound: no SMPP session was available before the request deadline${why}`);
    this.name = 'NotBoundError';
  }
}

/** Bound, but every slot of the window stayed taken until the deadline. */
export class WindowFullError extends GatewayError {
  constructor(readonly window: number) {
    super('SMSC_TIMEOUT', `SMSC window full until the request deadline (window ${window})`);
    this.name = 'WindowFullError';
  }
}

/** Bound, but the TPS limit held the message until the deadline. */
export class TpsLimitError extends GatewayError {
  constructor() {
    super('SMSC_TIMEOUT', 'TPS limit for this SMSC reached: message not sent before the request deadline');
    this.name = 'TpsLimitError';
  }
}

/** The SMSC answered with a throttling status and the bind's pause held the message until the deadline. */
export class ThrottledError extends GatewayError {
  readonly commandStatusName: string;
  constructor(readonly commandStatus: number) {
    super('SMSC_REJECTED', `SMSC throttling (${formatCommandStatus(commandStatus)}): sending paused, message not sent before the request deadline`, true);
    this.name = 'ThrottledError';
    this.commandStatusName = commandStatusName(commandStatus);
  }
}

export const notBound = (lastFailures: readonly string[] = []): NotBoundError => new NotBoundError(lastFailures);

export const responseTimeout = (waitedMs: number): OutcomeUnknownError =>
  new OutcomeUnknownError('SMSC_TIMEOUT', `SMSC did not answer submit_sm within ${waitedMs} ms (outcome unknown)`);

export const linkLost = (reason: string): OutcomeUnknownError =>
  new OutcomeUnknownError('SMSC_LINK_LOST', `SMSC link lost before submit_sm_resp (${reason}); outcome unknown`);

export const throttled = (status: number): ThrottledError => new ThrottledError(status);

export const windowFull = (window: number): WindowFullError => new WindowFullError(window);

export const tpsLimited = (): TpsLimitError => new TpsLimitError();

export const queueFull = (): GatewayError =>
  new GatewayError('QUEUE_FULL', 'Gateway busy: too many requests waiting for the SMSC');

export const tooManyRequests = (max: number): GatewayError =>
  new GatewayError('TOO_MANY_REQUESTS', `Gateway busy: ${max} requests already in progress; retry shortly`);

export const storeUnavailable = (): GatewayError =>
  new GatewayError('STORE_UNAVAILABLE', 'Gateway cannot reach its shared store (Redis), so abuse limits cannot be checked: sending is refused until it is back; retry shortly', true);

/** A submit failed with something other than a GatewayError: a fault of ours, not the SMSC's. */
export const submitFailed = (): GatewayError => new GatewayError('INTERNAL_ERROR', 'submit failed');

export const shuttingDown = (): GatewayError =>
  new GatewayError('SHUTTING_DOWN', 'Gateway shutting down; retry on another instance');
