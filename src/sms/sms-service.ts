import { GatewayError } from '../errors';
import type { DedupeTrace } from '../limits/abuse-guard';
import type { PartOutcome } from '../smpp/message-sender';
import { parseDestination, maskNumber, type Destination, type HashedDestination } from './phone-number';
import { countSegments, encodeMessage, type TextEncoding } from './segment';

export interface SendTrace extends DedupeTrace {
  /** Masked destination, once parsed. */
  to?: string;
  /** Keyed hash of the number (first 16 hex digits): correlates requests without the number. */
  numberHash?: string;
  segments?: number;
  encoding?: TextEncoding;
  smscMessageIds?: string[];
  /** Name of the SMSC that took the message. */
  smsc?: string;
  /** Each part's outcome, set as it settles; present once sending began. */
  parts?: PartOutcome[];
}

/** An SMSC a message can go to, with the data_coding it uses for GSM-alphabet text. */
export interface SmsTarget {
  name: string;
  gsmDataCoding: 0 | 1 | 3;
  send(
    destinationDigits: string,
    message: ReturnType<typeof encodeMessage>,
    deadline: number,
    onPart?: (part: number, outcome: PartOutcome) => void,
  ): Promise<string[]>;
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
  /** Abuse protection around the send (src/limits/abuse-guard.ts); absent when limits are off. */
  guard?: {
    run(destination: HashedDestination, text: string, trace: SendTrace, send: () => Promise<string[]>, deadline: number): Promise<string[]>;
  };
}

/** From an ExSign request to SMPP parts: number, routing, length and encoding checks, then the send. */
export function createSmsService(opts: SmsServiceOptions) {
  let reference = Math.floor(Math.random() * 256);

  function checkLength(text: string, gsmDataCoding: 0 | 1 | 3, trace: SendTrace): void {
    const segments = countSegments(text, { gsmDataCoding });
    trace.segments = segments;
    if (segments > opts.maxSegments) {
      throw new GatewayError('TEXT_TOO_LONG', `MessageText needs ${segments} SMS parts; the limit is ${opts.maxSegments}`);
    }
  }

  function destinationOf(mobileNumber: string): Destination {
    const destination = parseDestination(mobileNumber, opts.defaultRegion);
    if (!destination) {
      throw new GatewayError(
        'INVALID_NUMBER',
        opts.defaultRegion
          ? `MobileNumber is not a valid phone number (E.164, or national for ${opts.defaultRegion})`
          : 'MobileNumber is not a valid phone number in international format (E.164, e.g. +447911123456)',
      );
    }
    return destination;
  }

  return {
    /** Throws INVALID_NUMBER, as send() would, for a number nothing can be sent to. */
    checkNumber(mobileNumber: string): void {
      destinationOf(mobileNumber);
    },

    /** Fills `trace` as it learns things, so the caller can log a failed request too. */
    async send(mobileNumber: string, text: string, deadline: number, trace: SendTrace): Promise<void> {
      const destination = destinationOf(mobileNumber);
      trace.to = maskNumber(destination);
      // Computed once: the abuse counters key on the full hash, the trace shows its start.
      const hash = opts.hashNumber(destination.e164);
      trace.numberHash = hash.slice(0, 16);
      const route = opts.route(destination.digits);
      checkLength(text, route.primary.gsmDataCoding, trace);
      const send = async (): Promise<string[]> => {
        let target: SmsTarget;
        try {
          target = await route.choose(deadline);
        } catch (err) {
          // No SMSC bound in time: the record still says what happened to each part.
          const error = err instanceof GatewayError ? err : new GatewayError('INTERNAL_ERROR', 'no SMSC chosen');
          trace.smsc = route.primary.name;
          trace.parts = Array.from({ length: trace.segments! }, () => ({ error, at: Date.now() }));
          throw err;
        }
        if (target.gsmDataCoding !== route.primary.gsmDataCoding) checkLength(text, target.gsmDataCoding, trace);
        trace.smsc = target.name;
        reference = (reference + 1) & 0xff;
        const message = encodeMessage(text, { gsmDataCoding: target.gsmDataCoding, reference });
        trace.encoding = message.encoding;
        const parts: PartOutcome[] = [];
        trace.parts = parts;
        return target.send(destination.digits, message, deadline, (part, outcome) => {
          parts[part] = outcome;
        });
      };
      trace.smscMessageIds = await (opts.guard ? opts.guard.run({ ...destination, hash }, text, trace, send, deadline) : send());
    },
  };
}
