import { randomUUID } from 'node:crypto';
import { GatewayError, type AbuseRefusalCode, type ErrorCode } from '../errors';
import type { CounterStore } from '../store/counter-store';
import { hashMessage, hashNumber } from '../sms/number-hash';
import type { HashedDestination } from '../sms/phone-number';
import { checkDestination, resolveCountries } from './destination-policy';
import { createDuplicateFilter } from './duplicate-filter';
import type { SharedDuplicateFilter } from './shared-duplicate-filter';
import { createRateLimits, type RateLimitSettings } from './rate-limits';

export interface AbuseGuardOptions extends RateLimitSettings {
  countries: readonly string[];
  defaultRegion: string;
  mobileOnly: boolean;
  dedupeWindowMs: number;
  store: CounterStore;
  /** The number-hash key: counters and the duplicate filter keep keyed hashes only. */
  hashKey: Buffer;
  onRefusal?(code: AbuseRefusalCode): void;
  onDuplicate?(): void;
  /** The duplicate filter shared by every instance (Redis); the per-instance one stands in while it cannot answer. */
  sharedDuplicates?: SharedDuplicateFilter<SentOnce>;
}

// Failures that guarantee the SMSC never got the message, so it must not use up a limit: an
// outage would otherwise lock users out long after the link is back. (A multi-part message whose
// first part went out before its second hit one of these is under-counted by one.)
const NOT_SENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SMSC_NOT_BOUND', 'QUEUE_FULL', 'SHUTTING_DOWN']);

/**
 * OTP-abuse protection between validation and the SMSC: country and number type, then the
 * duplicate filter, then the counted limits. A refusal throws a GatewayError and sends nothing.
 */
export function createAbuseGuard(opts: AbuseGuardOptions) {
  const countries = resolveCountries(opts.countries, opts.defaultRegion);
  const limits = createRateLimits(opts.store, opts, (value) => hashNumber(opts.hashKey, value));
  const duplicates = opts.dedupeWindowMs > 0 ? createDuplicateFilter<FirstRequest>(opts.dedupeWindowMs) : undefined;

  const refuse = (refusal: { code: AbuseRefusalCode; message: string }): never => {
    opts.onRefusal?.(refusal.code);
    throw new GatewayError(refusal.code, refusal.message);
  };

  async function countAndSend(destination: HashedDestination, send: () => Promise<string[]>, deadline?: number): Promise<string[]> {
    const taken = await limits.take(destination.e164, destination.hash, randomUUID(), deadline);
    if ('refusal' in taken) return refuse(taken.refusal);
    try {
      return await send();
    } catch (err) {
      if (err instanceof GatewayError && NOT_SENT.has(err.code)) await taken.release();
      throw err;
    }
  }

  return {
    /**
     * Resolves with the SMSC message ids of `send`, or of the first identical request; a repeat's
     * trace then names that request (duplicateOf), whose id is the repeat's answer. With Redis the
     * first may have been sent by another instance: it published its id once its record was stored.
     */
    async run(destination: HashedDestination, text: string, trace: DedupeTrace, send: () => Promise<string[]>, deadline?: number): Promise<string[]> {
      const refusal = checkDestination(destination, countries, opts.mobileOnly);
      if (refusal) refuse(refusal);
      if (!duplicates) return countAndSend(destination, send, deadline);
      const key = hashMessage(opts.hashKey, destination.e164, text);
      const first = (): FirstRequest => {
        let recorded!: () => void;
        const entry: FirstRequest = { messageId: trace.messageId, recorded: new Promise((resolve) => (recorded = resolve)), result: countAndSend(destination, send, deadline) };
        trace.recorded = recorded;
        return entry;
      };
      const shared =
        opts.sharedDuplicates &&
        (await opts.sharedDuplicates.run(
          key,
          () => {
            const entry = first();
            return { result: entry.result.then((smscMessageIds) => ({ messageId: entry.messageId, smscMessageIds })), published: entry.recorded };
          },
          deadline ?? Date.now() + opts.dedupeWindowMs,
        ));
      const { entry, duplicate } = shared
        ? { entry: { messageId: shared.result.messageId, recorded: Promise.resolve(), result: Promise.resolve(shared.result.smscMessageIds) }, duplicate: shared.duplicate }
        : duplicates.run(key, first);
      if (duplicate) {
        trace.deduplicated = true;
        trace.duplicateOf = entry;
        opts.onDuplicate?.();
      }
      return entry.result;
    },
  };
}

/** What an instance publishes in Redis about a first request, once its record is stored. */
export interface SentOnce {
  messageId: string;
  smscMessageIds: string[];
}

/** The request a repeat is answered with: its id, when its record is stored, and its result. */
export interface FirstRequest {
  messageId: string;
  recorded: Promise<void>;
  result: Promise<string[]>;
}

/** What the guard reads from and writes to a request's trace for the duplicate filter. */
export interface DedupeTrace {
  /** This request's id (X-Message-Id). */
  messageId: string;
  /** Answered with an identical earlier request's result; nothing was sent. */
  deduplicated?: boolean;
  /** Set on a repeat: the first identical request, whose id and record answer for it. */
  duplicateOf?: Pick<FirstRequest, 'messageId' | 'recorded'>;
  /** Set on a first: call it once the request's record is stored (or known never to be). */
  recorded?: () => void;
}
