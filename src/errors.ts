import { commandStatusName } from './smpp/command-status';

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
 * the alerts keep apart.
 */
export const ERROR_CODES = [...CALLER_ERROR_CODES, ...ABUSE_REFUSAL_CODES, ...GATEWAY_FAILURE_CODES] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A failure the gateway reports: a stable code, the facts that explain it, and `kind`, which
 * names the facts. Errors are not worded here: http/exsign-response.ts words them for ExSign,
 * smtp/smtp-replies.ts for mail. Facts never include the token, the message text or the full
 * phone number. The message is the code.
 */
export abstract class GatewayError extends Error {
  abstract readonly kind: string;
  constructor(
    readonly code: ErrorCode,
    /** The same message may go through later: an SMSC refusal of class retry or throttle that outlasted the deadline, or a store outage. */
    readonly transient = false,
  ) {
    super(code);
    this.name = new.target.name;
  }
}

// The caller and its request.

/** The caller's address or token. */
export class CallerRefusedError extends GatewayError {
  readonly kind = 'caller-refused';
  constructor(override readonly code: 'IP_NOT_ALLOWED' | 'AUTH_MISSING' | 'AUTH_INVALID') {
    super(code);
  }
}

export class BodyTooLargeError extends GatewayError {
  readonly kind = 'body-too-large';
  constructor(readonly limitBytes: number) {
    super('BODY_TOO_LARGE');
  }
}

/** A body that cannot be read as JSON, and why. */
export class MalformedBodyError extends GatewayError {
  readonly kind = 'malformed-body';
  constructor(readonly problem: 'encoding-not-supported' | 'not-decompressible' | 'not-utf8' | 'lone-surrogate' | 'not-json') {
    super('MALFORMED_JSON');
  }
}

export type ExsignField = 'MobileNumber' | 'MessageText';

/** A JSON body of the wrong shape: not an object (no field), or a field missing or not a string. */
export class InvalidFieldError extends GatewayError {
  readonly kind = 'invalid-field';
  constructor(
    readonly problem: 'not-an-object' | 'missing' | 'not-a-string',
    readonly field?: ExsignField,
  ) {
    super('INVALID_FIELD');
  }
}

/** Nothing to send: the text (or, for a mail read in subject mode, the subject) is empty. */
export class EmptyTextError extends GatewayError {
  readonly kind = 'empty-text';
  constructor(readonly source: 'text' | 'subject' = 'text') {
    super('EMPTY_TEXT');
  }
}

// The message.

export class TextTooLongError extends GatewayError {
  readonly kind = 'text-too-long';
  constructor(
    readonly segments: number,
    readonly limit: number,
  ) {
    super('TEXT_TOO_LONG');
  }
}

/** A number nothing can be sent to; `defaultRegion` is the one national numbers were read in ('' for none). */
export class InvalidNumberError extends GatewayError {
  readonly kind = 'invalid-number';
  constructor(readonly defaultRegion: string) {
    super('INVALID_NUMBER');
  }
}

/** The countries numbers may belong to: every one, and/or those listed ('001' for non-geographic numbers). */
export interface AllowedCountries {
  everyCountry: boolean;
  listed: readonly string[];
}

/** Where an OTP may not go: a country not allowed, or a number that is not a mobile. */
export class DestinationRefusedError extends GatewayError {
  readonly kind = 'destination-refused';
  constructor(
    override readonly code: 'COUNTRY_NOT_ALLOWED' | 'NOT_MOBILE',
    readonly destination: { country: string; callingCode: string; numberType: string | undefined; nonGeographic: boolean },
    readonly allowed: AllowedCountries,
  ) {
    super(code);
  }
}

export type RateLimitCode = Exclude<AbuseRefusalCode, 'COUNTRY_NOT_ALLOWED' | 'NOT_MOBILE'>;

/** A counted limit is full: at most `limit` messages per `windowMs`, a slot frees in `retryAfterMs`. */
export class RateLimitedError extends GatewayError {
  readonly kind = 'rate-limited';
  constructor(
    override readonly code: RateLimitCode,
    readonly limit: number,
    readonly windowMs: number,
    readonly retryAfterMs: number,
    /** For PREFIX_RATE_LIMITED: digits dropped from a number to form its prefix. */
    readonly hiddenDigits = 0,
  ) {
    super(code);
  }
}

// The way to the SMSC and the gateway itself.

/** No session was bound before the deadline; `lastFailures` says why the sessions last failed, when known. */
export class NotBoundError extends GatewayError {
  readonly kind = 'not-bound';
  constructor(readonly lastFailures: readonly string[] = []) {
    super('SMSC_NOT_BOUND');
  }
}

/** The SMSC answered a submit_sm with a non-zero command_status (in a generic_nack when `nack`). */
export class SmscRejectedError extends GatewayError {
  readonly kind = 'smsc-rejected';
  readonly commandStatusName: string;
  constructor(
    readonly commandStatus: number,
    readonly nack = false,
    transient = false,
  ) {
    super('SMSC_REJECTED', transient);
    this.commandStatusName = commandStatusName(commandStatus);
  }
}

/** The SMSC answered with a throttling status and the bind's pause held the message until the deadline. */
export class ThrottledError extends GatewayError {
  readonly kind = 'throttled';
  readonly commandStatusName: string;
  constructor(readonly commandStatus: number) {
    super('SMSC_REJECTED', true);
    this.commandStatusName = commandStatusName(commandStatus);
  }
}

/** Bound, but every slot of the window stayed taken until the deadline. */
export class WindowFullError extends GatewayError {
  readonly kind = 'window-full';
  constructor(readonly window: number) {
    super('SMSC_TIMEOUT');
  }
}

/** Bound, but the TPS limit held the message until the deadline. */
export class TpsLimitError extends GatewayError {
  readonly kind = 'tps-limited';
  constructor() {
    super('SMSC_TIMEOUT');
  }
}

/** A submit_sm was written but no response will come: the SMSC may or may not have taken it. */
export abstract class OutcomeUnknownError extends GatewayError {}

export class ResponseTimeoutError extends OutcomeUnknownError {
  readonly kind = 'response-timeout';
  constructor(readonly waitedMs: number) {
    super('SMSC_TIMEOUT');
  }
}

/** The link closed before the response; `reason` is how the session ended. */
export class LinkLostError extends OutcomeUnknownError {
  readonly kind = 'link-lost';
  constructor(readonly reason: string) {
    super('SMSC_LINK_LOST');
  }
}

/** The same message, sent just before by another gateway instance, had no outcome yet by the deadline. */
export class FirstOutcomeUnknownError extends OutcomeUnknownError {
  readonly kind = 'first-outcome-unknown';
  constructor() {
    super('SMSC_TIMEOUT');
  }
}

/** Too many requests already wait for this SMSC's window. */
export class QueueFullError extends GatewayError {
  readonly kind = 'queue-full';
  constructor() {
    super('QUEUE_FULL');
  }
}

/** `max` requests are already in progress over every protocol. */
export class TooManyRequestsError extends GatewayError {
  readonly kind = 'too-many-requests';
  constructor(readonly max: number) {
    super('TOO_MANY_REQUESTS');
  }
}

/** Redis cannot answer and SMSGW_REDIS_FAILURE=closed: abuse limits cannot be checked. */
export class SharedStoreUnavailableError extends GatewayError {
  readonly kind = 'store-unavailable';
  constructor() {
    super('STORE_UNAVAILABLE', true);
  }
}

export class ShuttingDownError extends GatewayError {
  readonly kind = 'shutting-down';
  constructor() {
    super('SHUTTING_DOWN');
  }
}

/** A fault of ours where something else was expected: in a submit, or in choosing an SMSC. */
export class InternalFailureError extends GatewayError {
  readonly kind = 'internal';
  constructor(readonly step: 'submit' | 'routing') {
    super('INTERNAL_ERROR');
  }
}

/** Every failure by its facts: what the protocols word, one `kind` at a time. */
export type Failure =
  | CallerRefusedError
  | BodyTooLargeError
  | MalformedBodyError
  | InvalidFieldError
  | EmptyTextError
  | TextTooLongError
  | InvalidNumberError
  | DestinationRefusedError
  | RateLimitedError
  | NotBoundError
  | SmscRejectedError
  | ThrottledError
  | WindowFullError
  | TpsLimitError
  | ResponseTimeoutError
  | LinkLostError
  | FirstOutcomeUnknownError
  | QueueFullError
  | TooManyRequestsError
  | SharedStoreUnavailableError
  | ShuttingDownError
  | InternalFailureError;

/** Every GatewayError is one of the Failure classes. */
export const asFailure = (err: GatewayError): Failure => err as Failure;

export const notBound = (lastFailures: readonly string[] = []): NotBoundError => new NotBoundError(lastFailures);

export const responseTimeout = (waitedMs: number): ResponseTimeoutError => new ResponseTimeoutError(waitedMs);

export const linkLost = (reason: string): LinkLostError => new LinkLostError(reason);

export const throttled = (status: number): ThrottledError => new ThrottledError(status);

export const windowFull = (window: number): WindowFullError => new WindowFullError(window);

export const tpsLimited = (): TpsLimitError => new TpsLimitError();

export const queueFull = (): QueueFullError => new QueueFullError();

export const tooManyRequests = (max: number): TooManyRequestsError => new TooManyRequestsError(max);

export const storeUnavailable = (): SharedStoreUnavailableError => new SharedStoreUnavailableError();

/** A submit failed with something other than a GatewayError: a fault of ours, not the SMSC's. */
export const submitFailed = (): InternalFailureError => new InternalFailureError('submit');

export const shuttingDown = (): ShuttingDownError => new ShuttingDownError();
