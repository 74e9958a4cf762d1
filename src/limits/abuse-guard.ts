import { randomUUID } from 'node:crypto';
import { GatewayError, type AbuseRefusalCode, type ErrorCode } from '../errors';
import type { CounterStore } from '../store/counter-store';
import { hashMessage, hashNumber } from '../sms/number-hash';
import type { HashedDestination } from '../sms/phone-number';
import { checkDestination, resolveCountries } from './destination-policy';
import { createDuplicateFilter, type DuplicateFilter } from './duplicate-filter';
import type { Sharing } from './shared-duplicate-filter';
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
  /** The duplicate filter shared by every instance (Redis, sharing as `guardSharing`); by default this instance's own. */
  duplicates?: DuplicateFilter<FirstRequest>;
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
  const duplicates = opts.dedupeWindowMs > 0 ? (opts.duplicates ?? createDuplicateFilter<FirstRequest>(opts.dedupeWindowMs)) : undefined;

  const refuse = (refusal: GatewayError<'destination-refused'> | GatewayError<'rate-limited'>): never => {
    opts.onRefusal?.(refusal.facts.code);
    throw refusal;
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
     * Lets the message through, or throws the refusal. `result` is what `send` resolves with, or for
     * a repeat the first identical request's; a repeat is told that request (duplicateOf), whose id
     * and record answer for it. With Redis the first may have been sent by another instance: it
     * published its ids once its record was stored.
     */
    async run(destination: HashedDestination, text: string, self: RequestRef, send: () => Promise<string[]>, deadline?: number): Promise<Guarded> {
      const refusal = checkDestination(destination, countries, opts.mobileOnly);
      if (refusal) refuse(refusal);
      if (!duplicates) return { result: countAndSend(destination, send, deadline) };
      const key = hashMessage(opts.hashKey, destination.e164, text);
      const first = (): FirstRequest => ({ ...self, result: countAndSend(destination, send, deadline) });
      const { entry, duplicate } = await duplicates.run(key, first, deadline ?? Date.now() + opts.dedupeWindowMs);
      if (!duplicate) return { result: entry.result };
      opts.onDuplicate?.();
      return { result: entry.result, duplicateOf: { messageId: entry.messageId, recorded: entry.recorded } };
    },
  };
}

/** What an instance publishes in Redis about a first request, once its record is stored. */
export interface SentOnce {
  messageId: string;
  smscMessageIds: string[];
}

/** A first request in Redis: published once its record is stored, so a repeat rebuilt from it has nothing to wait for. */
export const guardSharing: Sharing<FirstRequest, SentOnce> = {
  publish: (entry) => ({ result: entry.result.then((smscMessageIds) => ({ messageId: entry.messageId, smscMessageIds })), published: entry.recorded }),
  restore: (sent) => ({ messageId: sent.messageId, recorded: Promise.resolve(), result: Promise.resolve(sent.smscMessageIds) }),
};

/** A request as the duplicate filter knows it: its id, and when its record is stored (or known never to be). */
export interface RequestRef {
  messageId: string;
  recorded: Promise<void>;
}

/** The request a repeat is answered with: its id, when its record is stored, and its result. */
export interface FirstRequest extends RequestRef {
  result: Promise<string[]>;
}

/** A message the guard let through: its send's SMSC message ids, or for a repeat the first's, and which request that was. */
export interface Guarded {
  result: Promise<string[]>;
  /** Set on a repeat: nothing was sent, the first identical request answers for it. */
  duplicateOf?: RequestRef;
}
