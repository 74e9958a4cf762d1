import { GatewayError } from '../errors';
import { parseDestination, maskNumber, type Destination } from './phone-number';
import { countSegments, encodeMessage, type TextEncoding } from './segment';

export interface SendTrace {
  /** Masked destination, once parsed. */
  to?: string;
  /** Keyed hash of the number (first 16 hex digits): correlates requests without the number. */
  numberHash?: string;
  /** Answered with an identical earlier request's result; nothing was sent. */
  deduplicated?: boolean;
  segments?: number;
  encoding?: TextEncoding;
  smscMessageIds?: string[];
}

export interface SmsServiceOptions {
  defaultRegion: string;
  maxSegments: number;
  gsmDataCoding: 0 | 1 | 3;
  send(destinationDigits: string, message: ReturnType<typeof encodeMessage>, deadline: number): Promise<string[]>;
  hashNumber?(e164: string): string;
  /** Abuse protection around the send (src/limits/abuse-guard.ts); absent when limits are off. */
  guard?: {
    run(destination: Destination, text: string, trace: SendTrace, send: () => Promise<string[]>): Promise<string[]>;
  };
}

/** From an ExSign request to SMPP parts: number, length and encoding checks, then the send. */
export function createSmsService(opts: SmsServiceOptions) {
  let reference = Math.floor(Math.random() * 256);

  return {
    /** Fills `trace` as it learns things, so the caller can log a failed request too. */
    async send(mobileNumber: string, text: string, deadline: number, trace: SendTrace): Promise<void> {
      const destination = parseDestination(mobileNumber, opts.defaultRegion);
      if (!destination) {
        throw new GatewayError(
          'INVALID_NUMBER',
          opts.defaultRegion
            ? `MobileNumber is not a valid phone number (E.164, or national for ${opts.defaultRegion})`
            : 'MobileNumber is not a valid phone number in international format (E.164, e.g. +447911123456)',
        );
      }
      trace.to = maskNumber(destination.e164);
      trace.numberHash = opts.hashNumber?.(destination.e164).slice(0, 16);
      const segments = countSegments(text, { gsmDataCoding: opts.gsmDataCoding });
      trace.segments = segments;
      if (segments > opts.maxSegments) {
        throw new GatewayError('TEXT_TOO_LONG', `MessageText needs ${segments} SMS parts; the limit is ${opts.maxSegments}`);
      }
      reference = (reference + 1) & 0xff;
      const message = encodeMessage(text, { gsmDataCoding: opts.gsmDataCoding, reference });
      trace.encoding = message.encoding;
      const send = () => opts.send(destination.digits, message, deadline);
      trace.smscMessageIds = await (opts.guard ? opts.guard.run(destination, text, trace, send) : send());
    },
  };
}
