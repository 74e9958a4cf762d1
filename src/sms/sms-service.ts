import { GatewayError } from '../errors';
import type { Guarded, RequestRef } from '../limits/abuse-guard';
import { acceptedIds, type PartOutcome } from '../smpp/message-sender';
import { parseDestination, maskNumber, type Destination, type HashedDestination } from './phone-number';
import { countSegments, encodeMessage, type TextEncoding } from './segment';

/** What the service learnt of a message, as far as it got: for the log line and the message record. */
export interface MessageFacts {
  /** Masked destination, once parsed. */
  to?: string;
  /** Keyed hash of the number (first 16 hex digits): correlates requests without the number. */
  numberHash?: string;
  segments?: number;
  encoding?: TextEncoding;
  /** Name of the SMSC that took the message (when none was bound in time, the route's first). */
  smsc?: string;
  /** How each part ended; present once sending began. */
  parts?: readonly PartOutcome[];
}

export interface SendResult extends MessageFacts {
  smscMessageIds: string[];
  /** Set when an identical request sent just before answers for this one: nothing was sent. */
  duplicateOf?: RequestRef;
}

/** Why a message was not sent (`cause`: a GatewayError, or anything else for an internal error), with what was learnt by then. */
export class SendFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly known: MessageFacts & { duplicateOf?: RequestRef },
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SendFailure';
  }
}

/** An SMSC a message can go to, with the data_coding it uses for GSM-alphabet text. */
export interface SmsTarget {
  name: string;
  gsmDataCoding: 0 | 1 | 3;
  /** Each part's outcome, once every part has settled (smpp/message-sender.ts). */
  send(destinationDigits: string, message: ReturnType<typeof encodeMessage>, deadline: number): Promise<PartOutcome[]>;
}

export interface SmsRoute {
  /** The route's first choice, known at once: the text is checked against it before any wait. */
  primary: SmsTarget;
  /** The SMSC to use: the first of the route with a bound session (may wait until the deadline). */
  choose(deadline: number): Promise<SmsTarget>;
}

export interface SmsServiceOptions {
  defaultRegion: string;
  maxSegments: number;
  route(destinationDigits: string): SmsRoute;
  /** Keyed hash of an E.164 number; the number itself never leaves this service. */
  hashNumber(e164: string): string;
  /** The abuse protection around the send now (src/limits/abuse-guard.ts; reloadable); undefined while limits are off. */
  guard?(): SmsGuard | undefined;
}

export interface SmsGuard {
  run(destination: HashedDestination, text: string, self: RequestRef, send: () => Promise<string[]>, deadline: number): Promise<Guarded>;
}

export interface SmsRequest {
  mobileNumber: string;
  text: string;
  deadline: number;
  /** This request as a repeat of it would be answered: its id, and when its record is stored. */
  self: RequestRef;
}

/** From an ExSign request to SMPP parts: number, routing, length and encoding checks, then the send. */
export function createSmsService(opts: SmsServiceOptions) {
  let reference = Math.floor(Math.random() * 256);

  function checkLength(segments: number): void {
    if (segments > opts.maxSegments) {
      throw new GatewayError('text-too-long', { segments, limit: opts.maxSegments });
    }
  }

  function destinationOf(mobileNumber: string): Destination {
    const destination = parseDestination(mobileNumber, opts.defaultRegion);
    if (!destination) throw new GatewayError('invalid-number', { defaultRegion: opts.defaultRegion });
    return destination;
  }

  return {
    /** Throws INVALID_NUMBER, as send() would, for a number nothing can be sent to. */
    checkNumber(mobileNumber: string): void {
      destinationOf(mobileNumber);
    },

    /** Resolves with what was sent; rejects with a SendFailure. */
    async send({ mobileNumber, text, deadline, self }: SmsRequest): Promise<SendResult> {
      // What is learnt, step by step, for the result or the failure (plain variables, not object
      // spreads: merging objects of varying shapes cost 4 µs per message, measured).
      let to: string | undefined;
      let numberHash: string | undefined;
      let segments: number | undefined;
      let encoding: TextEncoding | undefined;
      let smsc: string | undefined;
      let parts: readonly PartOutcome[] | undefined;
      let duplicateOf: RequestRef | undefined;
      try {
        const destination = destinationOf(mobileNumber);
        // Computed once: the abuse counters key on the full hash, the log line shows its start.
        const hash = opts.hashNumber(destination.e164);
        to = maskNumber(destination);
        numberHash = hash.slice(0, 16);
        const route = opts.route(destination.digits);
        const primarySegments = countSegments(text, { gsmDataCoding: route.primary.gsmDataCoding });
        segments = primarySegments;
        checkLength(primarySegments);
        // Called by the guard, or not at all (a refusal, a repeat).
        const send = async (): Promise<string[]> => {
          let target: SmsTarget;
          try {
            target = await route.choose(deadline);
          } catch (err) {
            // No SMSC bound in time: the record still says what happened to each part.
            const error = err instanceof GatewayError ? err : new GatewayError('internal', { step: 'routing' });
            smsc = route.primary.name;
            parts = Array.from({ length: primarySegments }, () => ({ error, at: Date.now() }));
            throw err;
          }
          if (target.gsmDataCoding !== route.primary.gsmDataCoding) {
            segments = countSegments(text, { gsmDataCoding: target.gsmDataCoding });
            checkLength(segments);
          }
          reference = (reference + 1) & 0xff;
          const message = encodeMessage(text, { gsmDataCoding: target.gsmDataCoding, reference });
          smsc = target.name;
          encoding = message.encoding;
          parts = await target.send(destination.digits, message, deadline);
          return acceptedIds(parts);
        };
        const guard = opts.guard?.();
        let smscMessageIds: string[];
        if (guard) {
          const guarded = await guard.run({ ...destination, hash }, text, self, send, deadline);
          duplicateOf = guarded.duplicateOf;
          smscMessageIds = await guarded.result;
        } else smscMessageIds = await send();
        return { to, numberHash, segments, encoding, smsc, parts, smscMessageIds, duplicateOf };
      } catch (err) {
        throw new SendFailure(err, { to, numberHash, segments, encoding, smsc, parts, duplicateOf });
      }
    },
  };
}
