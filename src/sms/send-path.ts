import { GatewayError, shuttingDown, tooManyRequests, type ErrorCode } from '../errors';
import { createDuplicateFilter } from '../limits/duplicate-filter';
import type { SharedDuplicateFilter } from '../limits/shared-duplicate-filter';
import type { Logger } from '../log';
import { newMessageId } from './new-message-id';
import type { SendTrace } from './sms-service';

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
  trace: SendTrace;
  durationMs: number;
}

export interface SendPathDeps {
  logger: Logger;
  /** Every message is answered within this time of its submission. */
  requestDeadlineMs: number;
  /** Most messages handled at once, over every protocol; more are refused at once. */
  maxInflight: number;
  draining(): boolean;
  send(mobileNumber: string, text: string, deadline: number, trace: SendTrace): Promise<void>;
  /** Keeps the outcome of the message if its sending began; awaited before answering, never throws. */
  record?(messageId: string, trace: SendTrace, submittedAt: number): Promise<void>;
  /** How long a repeatKey is remembered after a success (0 or absent: repeats are not looked for). */
  repeatWindowMs?: number;
  /** A request answered from an earlier one with its repeatKey, without sending. */
  onRepeat?(): void;
  /** The repeat window shared by every instance (Redis); the per-instance one stands in while it cannot answer. */
  sharedRepeats?: SharedDuplicateFilter<string>;
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
  const repeats = deps.repeatWindowMs ? createDuplicateFilter<{ result: Promise<string> }>(deps.repeatWindowMs) : undefined;

  const admit = (): void => {
    if (deps.draining()) throw shuttingDown();
    if (inflight > deps.maxInflight) throw tooManyRequests(deps.maxInflight);
  };

  async function submit(intake: (admit: () => void) => SendRequest | Promise<SendRequest>): Promise<SendOutcome> {
    const started = performance.now();
    const receivedAt = Date.now();
    const deadline = receivedAt + deps.requestDeadlineMs;
    let messageId = newMessageId(receivedAt);
    const trace: SendTrace = { messageId };
    let error: unknown;
    inflight++;
    try {
      const request = await intake(admit);
      const deliver = async (): Promise<string> => {
        try {
          await deps.send(request.mobileNumber, request.text, deadline, trace);
        } finally {
          // Recorded before answering, so the id in the answer can be looked up at once.
          await deps.record?.(messageId, trace, receivedAt);
          trace.recorded?.();
        }
        return messageId;
      };
      if (request.repeatKey !== undefined && repeats) {
        const key = request.repeatKey;
        const deliverOnce = () => ({ result: deliver() });
        // Shared by every instance through Redis; this instance's own filter while Redis cannot answer.
        let first: string;
        let duplicate: boolean;
        const shared = deps.sharedRepeats && (await deps.sharedRepeats.run(key, deliverOnce, deadline));
        if (shared) ({ result: first, duplicate } = shared);
        else {
          const local = repeats.run(key, deliverOnce);
          first = await local.entry.result;
          duplicate = local.duplicate;
        }
        if (duplicate) {
          trace.deduplicated = true;
          messageId = first;
          deps.onRepeat?.();
        }
      } else {
        await deliver();
      }
    } catch (err) {
      error = err;
    } finally {
      // Sent once by an identical request (the abuse guard's duplicate filter): its id, with its record, answers for both.
      if (trace.duplicateOf) {
        await trace.duplicateOf.recorded;
        messageId = trace.duplicateOf.messageId;
      }
      if (--inflight === 0 && idleWaiters.length > 0) {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      }
    }
    const code = error === undefined ? 'SUCCESS' : error instanceof GatewayError ? error.code : 'INTERNAL_ERROR';
    if (code === 'INTERNAL_ERROR') deps.logger.error({ err: error, messageId }, 'unexpected error while handling a message');
    const outcome: SendOutcome = { messageId, code, error, trace, durationMs: performance.now() - started };
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

/** The fields of a message's log line that every protocol writes the same way. */
export function outcomeLogFields(outcome: SendOutcome, reason: string | undefined): Record<string, unknown> {
  const { trace } = outcome;
  return {
    messageId: outcome.messageId,
    to: trace.to,
    numberHash: trace.numberHash,
    segments: trace.segments,
    encoding: trace.encoding,
    smsc: trace.smsc,
    smscMessageIds: trace.smscMessageIds,
    deduplicated: trace.deduplicated,
    outcome: outcome.code,
    error: reason || undefined,
    latencyMs: Math.round(outcome.durationMs * 10) / 10,
  };
}
