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

export type ExsignField = 'MobileNumber' | 'MessageText';

/** The countries numbers may belong to: every one, and/or those listed ('001' for non-geographic numbers). */
export interface AllowedCountries {
  everyCountry: boolean;
  listed: readonly string[];
}

export type RateLimitCode = Exclude<AbuseRefusalCode, 'COUNTRY_NOT_ALLOWED' | 'NOT_MOBILE'>;

/**
 * Each kind of failure and the facts that explain it: what the protocols word
 * (http/exsign-response.ts for ExSign, smtp/smtp-replies.ts for mail). Facts never include the
 * token, the message text or the full phone number.
 */
export interface FailureFacts {
  /** The caller's address or token. */
  'caller-refused': { code: 'IP_NOT_ALLOWED' | 'AUTH_MISSING' | 'AUTH_INVALID' };
  'body-too-large': { limitBytes: number };
  'malformed-body': { problem: 'encoding-not-supported' | 'not-decompressible' | 'not-utf8' | 'lone-surrogate' | 'not-json' };
  /** A JSON body of the wrong shape: not an object (no field), or a field missing or not a string. */
  'invalid-field': { problem: 'not-an-object' | 'missing' | 'not-a-string'; field?: ExsignField };
  /** Nothing to send: the text (or, for a mail read in subject mode, the subject) is empty. */
  'empty-text': { source: 'text' | 'subject' };
  'text-too-long': { segments: number; limit: number };
  /** `defaultRegion`: the one national numbers are read in ('' for none). */
  'invalid-number': { defaultRegion: string };
  /** Where an OTP may not go: a country not allowed, or a number that is not a mobile. */
  'destination-refused': {
    code: 'COUNTRY_NOT_ALLOWED' | 'NOT_MOBILE';
    destination: { country: string; callingCode: string; numberType: string | undefined; nonGeographic: boolean };
    allowed: AllowedCountries;
  };
  /** A counted limit is full: at most `limit` per `windowMs`, a slot frees in `retryAfterMs`; `hiddenDigits` make a prefix. */
  'rate-limited': { code: RateLimitCode; limit: number; windowMs: number; retryAfterMs: number; hiddenDigits: number };
  /** No session was bound before the deadline; `lastFailures` says why the sessions last failed, when known. */
  'not-bound': { lastFailures: readonly string[] };
  /** The SMSC answered a submit_sm with a non-zero command_status (in a generic_nack when `nack`). */
  'smsc-rejected': { commandStatus: number; commandStatusName: string; nack: boolean; transient: boolean };
  /** The SMSC answered with a throttling status and the bind's pause held the message until the deadline. */
  throttled: { commandStatus: number; commandStatusName: string };
  /** Bound, but every slot of the window stayed taken until the deadline. */
  'window-full': { window: number };
  /** Bound, but the TPS limit held the message until the deadline. */
  'tps-limited': object;
  /** A submit_sm was written and no response came in `waitedMs`. */
  'response-timeout': { waitedMs: number };
  /** The link closed before the response; `reason` is how the session ended. */
  'link-lost': { reason: string };
  /** The same message, sent just before by another gateway instance, had no outcome yet by the deadline. */
  'first-outcome-unknown': object;
  /** Too many requests already wait for this SMSC's window. */
  'queue-full': object;
  /** `max` requests are already in progress over every protocol. */
  'too-many-requests': { max: number };
  /** Redis cannot answer and SMSGW_REDIS_FAILURE=closed: abuse limits cannot be checked. */
  'store-unavailable': object;
  'shutting-down': object;
  /** A fault of ours where something else was expected: in a submit, or in choosing an SMSC. */
  internal: { step: 'submit' | 'routing' };
}
export type FailureKind = keyof FailureFacts;

/** The code of each kind whose facts do not name one. */
const KIND_CODES = {
  'body-too-large': 'BODY_TOO_LARGE',
  'malformed-body': 'MALFORMED_JSON',
  'invalid-field': 'INVALID_FIELD',
  'empty-text': 'EMPTY_TEXT',
  'text-too-long': 'TEXT_TOO_LONG',
  'invalid-number': 'INVALID_NUMBER',
  'not-bound': 'SMSC_NOT_BOUND',
  'smsc-rejected': 'SMSC_REJECTED',
  throttled: 'SMSC_REJECTED',
  'window-full': 'SMSC_TIMEOUT',
  'tps-limited': 'SMSC_TIMEOUT',
  'response-timeout': 'SMSC_TIMEOUT',
  'link-lost': 'SMSC_LINK_LOST',
  'first-outcome-unknown': 'SMSC_TIMEOUT',
  'queue-full': 'QUEUE_FULL',
  'too-many-requests': 'TOO_MANY_REQUESTS',
  'store-unavailable': 'STORE_UNAVAILABLE',
  'shutting-down': 'SHUTTING_DOWN',
  internal: 'INTERNAL_ERROR',
} as const satisfies Record<Exclude<FailureKind, 'caller-refused' | 'destination-refused' | 'rate-limited'>, ErrorCode>;

/** Kinds where the same message may go through later (besides an SMSC refusal marked transient). */
const TRANSIENT_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>(['throttled', 'store-unavailable']);

/** A submit_sm was written but no response will come: the SMSC may or may not have taken it. */
export const OUTCOME_UNKNOWN_KINDS: readonly FailureKind[] = ['response-timeout', 'link-lost', 'first-outcome-unknown'];

/** A failure the gateway reports: its kind and facts, and the stable code they report. The message is the kind. */
export class GatewayError<K extends FailureKind = FailureKind> extends Error {
  readonly code: ErrorCode;
  /** The same message may go through later: an SMSC refusal of class retry or throttle that outlasted the deadline, or a store outage. */
  readonly transient: boolean;
  constructor(
    readonly kind: K,
    readonly facts: FailureFacts[K],
  ) {
    super(kind);
    this.name = 'GatewayError';
    const named = facts as { code?: ErrorCode; transient?: boolean };
    this.code = named.code ?? KIND_CODES[kind as keyof typeof KIND_CODES];
    this.transient = named.transient ?? TRANSIENT_KINDS.has(kind);
  }
}

/** Every failure, narrowed by its kind to its facts. */
export type Failure = { [K in FailureKind]: GatewayError<K> }[FailureKind];

/** A GatewayError as the union its kind narrows. */
export const asFailure = (err: GatewayError): Failure => err as Failure;

export const isOutcomeUnknown = (err: unknown): boolean => err instanceof GatewayError && OUTCOME_UNKNOWN_KINDS.includes(err.kind);

export const notBound = (lastFailures: readonly string[] = []) => new GatewayError('not-bound', { lastFailures });

export const smscRejected = (commandStatus: number, nack = false, transient = false) =>
  new GatewayError('smsc-rejected', { commandStatus, commandStatusName: commandStatusName(commandStatus), nack, transient });

export const responseTimeout = (waitedMs: number) => new GatewayError('response-timeout', { waitedMs });

export const linkLost = (reason: string) => new GatewayError('link-lost', { reason });

export const throttled = (commandStatus: number) => new GatewayError('throttled', { commandStatus, commandStatusName: commandStatusName(commandStatus) });

export const windowFull = (window: number) => new GatewayError('window-full', { window });

export const tpsLimited = () => new GatewayError('tps-limited', {});

export const queueFull = () => new GatewayError('queue-full', {});

export const tooManyRequests = (max: number) => new GatewayError('too-many-requests', { max });

export const storeUnavailable = () => new GatewayError('store-unavailable', {});

/** A submit failed with something other than a GatewayError: a fault of ours, not the SMSC's. */
export const submitFailed = () => new GatewayError('internal', { step: 'submit' });

export const shuttingDown = () => new GatewayError('shutting-down', {});
