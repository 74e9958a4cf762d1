import { GatewayError, shuttingDown, tooManyRequests, type ErrorCode } from '../errors';
import type { RequestRef } from '../limits/abuse-guard';
import { createDuplicateFilter, type DuplicateFilter } from '../limits/duplicate-filter';
import type { Sharing } from '../limits/shared-duplicate-filter';
import type { Logger } from '../log';
import { newMessageId } from './new-message-id';
import { SendFailure, type MessageFacts, type SendResult, type SmsRequest } from './sms-service';

/** What a protocol hands over once it has read and checked its request. */
export interface SendRequest {
  mobileNumber: string;
  text: string;
  /**
   * Set by protocols whose clients resend on their own (an MTA after a lost reply): a request with
   * the key of one sent within the repeat window gets that one's outcome, and nothing is sent.
   */
  repeatKey?: string;
}

export interface SendOutcome {
  /** Our id: the new message's, or for a repeat the first one's. */
  messageId: string;
  code: 'SUCCESS' | ErrorCode;
  /** Why it failed (a GatewayError, or anything else for an internal error); absent on success. */
  error?: unknown;
  /** What the SMS service learnt of the message ({} when the request never reached it, or was a repeat). */
  message: MessageFacts & { smscMessageIds?: string[] };
  /** Answered with an earlier identical request's outcome (the abuse guard's filter, or a resent mail): nothing was sent. */
  deduplicated: boolean;
  durationMs: number;
}

export interface SendPathDeps {
  logger: Logger;
  /** Every message is answered within this time of its submission. */
  requestDeadlineMs: number;
  /** Most messages handled at once, over every protocol; more are refused at once. */
  maxInflight: number;
  draining(): boolean;
  /** The SMS service's send: resolves with what was sent, rejects with a SendFailure. */
  send(request: SmsRequest): Promise<SendResult>;
  /** Keeps the outcome of the message if its sending began; awaited before answering, never throws. */
  record?(messageId: string, message: MessageFacts, submittedAt: number): Promise<void>;
  /** How long a repeatKey is remembered after a success (0 or absent: repeats are not looked for). */
  repeatWindowMs?: number;
  /** A request answered from an earlier one with its repeatKey, without sending. */
  onRepeat?(): void;
  /** The repeat window shared by every instance (Redis, sharing as `repeatSharing`); by default this instance's own. */
  repeats?: DuplicateFilter<Repeated>;
  onOutcome?(outcome: SendOutcome): void;
}

/**
 * The one sending path every ingress shares (the ExSign endpoint, Email to SMS): our message id,
 * the deadline, the in-flight count that load shedding and draining read, the send through the SMS
 * service, the record written before the answer, and the outcome. A protocol only translates: its
 * intake checks the caller, calls admit() (which refuses while draining or overloaded), reads the
 * request; the outcome it gets back is what it answers.
 */
export function createSendPath(deps: SendPathDeps) {
  let inflight = 0;
  let idleWaiters: (() => void)[] = [];
  // Failures are forgotten at once (the filter's rule), so a resend after a failure is really tried.
  const repeats = deps.repeatWindowMs ? (deps.repeats ?? createDuplicateFilter<Repeated>(deps.repeatWindowMs)) : undefined;

  const admit = (): void => {
    if (deps.draining()) throw shuttingDown();
    if (inflight > deps.maxInflight) throw tooManyRequests(deps.maxInflight);
  };

  async function submit(intake: (admit: () => void) => SendRequest | Promise<SendRequest>): Promise<SendOutcome> {
    const started = performance.now();
    const receivedAt = Date.now();
    const deadline = receivedAt + deps.requestDeadlineMs;
    const ownId = newMessageId(receivedAt);
    let messageId = ownId;
    let message: SendOutcome['message'] = {};
    let deduplicated = false;
    let error: unknown;
    inflight++;
    try {
      const request = await intake(admit);
      const deliver = async (): Promise<string> => {
        // Resolved once this request's record is stored (or known never to be): a repeat answered by it waits for that.
        let markRecorded!: () => void;
        const recorded = new Promise<void>((resolve) => (markRecorded = resolve));
        let duplicateOf: RequestRef | undefined;
        try {
          message = await deps.send({ mobileNumber: request.mobileNumber, text: request.text, deadline, self: { messageId: ownId, recorded } });
          duplicateOf = (message as SendResult).duplicateOf;
        } catch (err) {
          if (!(err instanceof SendFailure)) throw err;
          message = err.known;
          duplicateOf = err.known.duplicateOf;
          throw err.cause;
        } finally {
          // Recorded before answering, so the id in the answer can be looked up at once.
          await deps.record?.(ownId, message, receivedAt);
          markRecorded();
          // Sent once by an identical request (the abuse guard's duplicate filter): its id, with its record, answers for both.
          if (duplicateOf) {
            await duplicateOf.recorded;
            messageId = duplicateOf.messageId;
            deduplicated = true;
          }
        }
        return ownId;
      };
      if (request.repeatKey !== undefined && repeats) {
        const { entry, duplicate } = await repeats.run(request.repeatKey, () => ({ result: deliver() }), deadline);
        const first = await entry.result;
        if (duplicate) {
          deduplicated = true;
          messageId = first;
          deps.onRepeat?.();
        }
      } else {
        await deliver();
      }
    } catch (err) {
      error = err;
    } finally {
      if (--inflight === 0 && idleWaiters.length > 0) {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      }
    }
    const code = error === undefined ? 'SUCCESS' : error instanceof GatewayError ? error.code : 'INTERNAL_ERROR';
    if (code === 'INTERNAL_ERROR') deps.logger.error({ err: error, messageId }, 'unexpected error while handling a message');
    const outcome: SendOutcome = { messageId, code, error, message, deduplicated, durationMs: performance.now() - started };
    deps.onOutcome?.(outcome);
    return outcome;
  }

  return {
    submit,
    inflight: () => inflight,
    /** Resolves once no message is in flight (at once when none is). */
    idle: (): Promise<void> => (inflight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
  };
}

export type SendPath = ReturnType<typeof createSendPath>;

/** A request sent with a repeatKey: its result is its message id, which answers for its repeats. */
export interface Repeated {
  result: Promise<string>;
}

/** The message id is all a repeat on another instance needs. */
export const repeatSharing: Sharing<Repeated, string> = {
  publish: (entry) => entry,
  restore: (messageId) => ({ result: Promise.resolve(messageId) }),
};

/** The fields of a message's log line that every protocol writes the same way. */
export function outcomeLogFields(outcome: SendOutcome, reason: string | undefined): Record<string, unknown> {
  const { message } = outcome;
  return {
    messageId: outcome.messageId,
    to: message.to,
    numberHash: message.numberHash,
    segments: message.segments,
    encoding: message.encoding,
    smsc: message.smsc,
    smscMessageIds: message.smscMessageIds,
    deduplicated: outcome.deduplicated || undefined,
    outcome: outcome.code,
    error: reason || undefined,
    latencyMs: Math.round(outcome.durationMs * 10) / 10,
  };
}
