import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, isOutcomeUnknown, smscRejected, submitFailed } from '../errors';
import type { EncodedMessage } from '../sms/segment';
import type { SourceAddress } from '../sms/source-address';
import { backoffDelayMs } from '../backoff';
import { COMMAND_STATUS } from './command-status';
import type { ErrorPolicy } from './error-policy';
import type { SubmitResponse } from './smpp-bind';

const UDHI = 0x40;
const MAX_RETRY_DELAY_MS = 5000;
/** A resend is written only while at least this much of the deadline is left for its response. */
const RESEND_MIN_BUDGET_MS = 200;

/** How one part ended: the SMSC message id, or why it was not accepted; `at` is epoch ms. */
export type PartOutcome = { smscMessageId: string; at: number } | { error: GatewayError; at: number };

export interface SenderOptions {
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse>;
  source: SourceAddress;
  destTon: number;
  destNpi: number;
  registeredDelivery: number;
  /** validity_period of every part, as sent ('' = the SMSC's default). */
  validityPeriod: string;
  retryBaseDelayMs: number;
  errorPolicy: ErrorPolicy;
  /** Called once per submit_sm outcome: the response status, or a local failure. */
  onSubmitOutcome?(outcome: { commandStatus?: number; error?: GatewayError; durationMs: number }): void;
  /** Called when a submit whose outcome is unknown is written a second time. */
  onResend?(error: GatewayError): void;
}

/**
 * Sends every part of an encoded message and resolves, once every part has settled, with how each
 * ended: its SMSC message id (ESME_ROK), or why not. Per the error policy: 'retry' statuses are resubmitted
 * after growing delays, 'throttle' statuses at once (the bind itself pauses), while the deadline
 * allows; anything else fails at once. A submit whose outcome is unknown (link lost, no response)
 * is resent at most once. When a later attempt is never sent, the earlier, more telling outcome
 * is reported: "outcome unknown" above an SMSC status above "not bound". The ids of the parts the
 * SMSC did accept reach the message record even when another part failed (their receipts still
 * arrive).
 */
export function createMessageSender(opts: SenderOptions) {
  async function submitPart(fields: Record<string, unknown>, deadline: number): Promise<string> {
    let unknown: GatewayError | undefined;
    let rejection: GatewayError<'smsc-rejected'> | undefined;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let response: SubmitResponse;
      try {
        response = await opts.submit(fields, unknown ? deadline - RESEND_MIN_BUDGET_MS : deadline);
      } catch (err) {
        const error = err instanceof GatewayError ? err : submitFailed();
        opts.onSubmitOutcome?.({ error, durationMs: performance.now() - started });
        if (isOutcomeUnknown(error)) {
          // At most one resend, and only with time left for its answer.
          if (unknown || Date.now() >= deadline - RESEND_MIN_BUDGET_MS) throw error;
          unknown = error;
          opts.onResend?.(error);
          continue;
        }
        throw unknown ?? rejection ?? error;
      }
      opts.onSubmitOutcome?.({ commandStatus: response.commandStatus, durationMs: performance.now() - started });
      if (response.commandStatus === COMMAND_STATUS.ESME_ROK && !response.nack) return response.messageId;
      // A generic_nack without a status still refuses the PDU.
      const status = response.commandStatus === COMMAND_STATUS.ESME_ROK ? COMMAND_STATUS.ESME_RUNKNOWNERR : response.commandStatus;
      const verdict = opts.errorPolicy.classify(status);
      rejection = smscRejected(status, response.nack, verdict === 'retry' || verdict === 'throttle');
      if (verdict === 'throttle') continue; // the bind is paused; the resubmit waits in its queue
      if (verdict !== 'retry') throw rejection;
      const delay = backoffDelayMs(attempt, opts.retryBaseDelayMs, MAX_RETRY_DELAY_MS);
      if (Date.now() + delay >= deadline) throw rejection;
      await sleep(delay);
    }
  }

  return {
    /** Each part's outcome, in part order, once every part has settled. */
    async send(destinationDigits: string, message: EncodedMessage, deadline: number): Promise<PartOutcome[]> {
      const base = {
        source_addr_ton: opts.source.ton,
        source_addr_npi: opts.source.npi,
        source_addr: opts.source.addr,
        dest_addr_ton: opts.destTon,
        dest_addr_npi: opts.destNpi,
        destination_addr: destinationDigits,
        esm_class: message.multipart ? UDHI : 0,
        validity_period: opts.validityPeriod,
        registered_delivery: opts.registeredDelivery,
        data_coding: message.dataCoding,
      };
      const sendPart = (part: Buffer): Promise<PartOutcome> =>
        submitPart({ ...base, short_message: part }, deadline).then(
          (smscMessageId) => ({ smscMessageId, at: Date.now() }),
          (error: GatewayError) => ({ error, at: Date.now() }),
        );
      return Promise.all(message.parts.map(sendPart));
    },
  };
}

/** The SMSC message ids of a message whose every part was accepted; otherwise throws the first failed part's error. */
export function acceptedIds(parts: readonly PartOutcome[]): string[] {
  const ids: string[] = [];
  for (const part of parts) {
    if ('error' in part) throw part.error;
    ids.push(part.smscMessageId);
  }
  return ids;
}
