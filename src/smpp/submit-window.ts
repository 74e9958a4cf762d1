import type { EventEmitter } from 'node:events';
import type { PDU } from 'smpp';
import { queueFull, responseTimeout, type GatewayError } from '../errors';
import type { Logger } from '../log';
import type { BindEvents } from './bind-events';
import { formatCommandStatus } from './command-status';
import type { FlowControl } from './flow-control';
import { MESSAGE_ID_MAX_LENGTH } from './pdu-limits';

export interface SubmitResponse {
  commandStatus: number;
  messageId: string;
  /** generic_nack instead of submit_sm_resp. */
  nack: boolean;
}

export interface SubmitWindowOptions {
  /** Requests waiting for a window slot beyond which submit() refuses at once. */
  waitQueueSize: number;
  responseTimeoutMs: number;
}

/** Where the window writes: the bound session, as the session lifecycle lends it. */
export interface SubmitLink {
  /** Bound and not held for a link probe: submits may be written. */
  open(): boolean;
  /** The socket buffers what it is given; the window waits for drain. */
  congested(): boolean;
  /** Writes one submit_sm; its sequence_number, or undefined when the session cannot take it now. */
  write(fields: Record<string, unknown>): number | undefined;
  /** A submit went unanswered for the full response timeout: prove the link before sending more. */
  suspect(): void;
  /** Why a request could not be sent before its deadline (not bound, window full, TPS, throttled). */
  notReady(): GatewayError;
}

interface PendingSubmit {
  fields: Record<string, unknown>;
  deadline: number;
  resolve: (response: SubmitResponse) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  sequence: number;
  sentAt: number;
  /** Already counted as held back by a TPS limit. */
  tpsDelayed: boolean;
  settled: boolean;
}

/** A submit is written only with at least this much of its deadline left for the response. */
const MIN_SEND_BUDGET_MS = 50;

/**
 * The outstanding submits of one bind: a bounded wait queue, at most `flow.sendWindow` in flight,
 * a deadline for each (waiting, then the response timeout once written), and failing every
 * in-flight request explicitly when the link drops (npm `smpp` would forget them silently).
 */
export class SubmitWindow {
  private readonly queue: PendingSubmit[] = [];
  private queued = 0;
  private readonly inflight = new Map<number, PendingSubmit>();
  /** Set while sending waits for a throttle pause to end or a TPS token. */
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: SubmitWindowOptions,
    private readonly flow: FlowControl,
    private readonly link: SubmitLink,
    private readonly events: EventEmitter<BindEvents>,
    private readonly log: Logger,
  ) {}

  get inflightCount(): number {
    return this.inflight.size;
  }

  get waitingCount(): number {
    return this.queued;
  }

  /** Sending waits for a timer: a TPS token or the end of a throttle pause. */
  get waiting(): boolean {
    return this.wakeTimer !== undefined;
  }

  /**
   * Queues a submit_sm and resolves with the SMSC's response. Waits for a window slot until
   * `deadline` (epoch ms); rejects when the queue is full, when the link drops with the submit in
   * flight, when no response arrives in time, or when the deadline passes first.
   */
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse> {
    return new Promise((resolve, reject) => {
      if (this.queued >= this.opts.waitQueueSize) return reject(queueFull());
      const now = Date.now();
      if (deadline <= now) return reject(this.link.notReady());
      const request: PendingSubmit = { fields, deadline, resolve, reject, timer: undefined, sequence: 0, sentAt: 0, tpsDelayed: false, settled: false };
      request.timer = setTimeout(() => this.expireQueued(request), deadline - now);
      this.queue.push(request);
      this.queued++;
      this.pump();
    });
  }

  /** Writes what the window, the flow control and the socket allow now. */
  pump(): void {
    if (!this.link.open() || this.wakeTimer) return;
    const now = Date.now();
    const pauseMs = this.flow.pauseLeftMs(now);
    if (this.queued > 0 && pauseMs > 0) return this.wakeAfter(pauseMs);
    const window = this.flow.sendWindow;
    while (this.queued > 0 && this.inflight.size < window && !this.link.congested()) {
      const request = this.queue[0]!;
      if (request.settled) {
        this.queue.shift(); // expired while waiting; already counted out of `queued`
        continue;
      }
      if (request.deadline - now < MIN_SEND_BUDGET_MS) {
        // Too late to wait for an answer: sending now would only turn "not sent" into "outcome unknown".
        this.queue.shift();
        this.expireQueued(request);
        continue;
      }
      const tokenWaitMs = this.flow.tokenWaitMs();
      if (tokenWaitMs > 0) {
        if (!request.tpsDelayed) {
          request.tpsDelayed = true;
          this.events.emit('tps-limited');
        }
        return this.wakeAfter(tokenWaitMs);
      }
      const sequence = this.link.write(request.fields);
      if (sequence === undefined) return; // not writable: the close handler is about to run; the request keeps waiting
      this.queue.shift();
      this.queued--;
      this.flow.taken();
      request.sequence = sequence;
      request.sentAt = now;
      this.inflight.set(sequence, request);
      clearTimeout(request.timer);
      const waitMs = Math.min(this.opts.responseTimeoutMs, request.deadline - Date.now());
      request.timer = setTimeout(() => this.expireInflight(request, waitMs), Math.max(waitMs, 0));
    }
  }

  /** A submit_sm_resp or generic_nack: settles its request, or is reported as late. */
  answered(pdu: PDU): void {
    const request = this.inflight.get(pdu.sequence_number);
    if (!request) {
      this.log.warn({ sequence: pdu.sequence_number, command: pdu.command, status: formatCommandStatus(pdu.command_status) }, 'late or unknown response (request already answered)');
      this.events.emit('late-response', pdu);
      return;
    }
    this.inflight.delete(pdu.sequence_number);
    this.flow.answered(pdu.command_status, request.sentAt);
    if (!request.settled) {
      request.settled = true;
      clearTimeout(request.timer);
      request.resolve({ commandStatus: pdu.command_status, messageId: this.messageIdOf(pdu), nack: pdu.command === 'generic_nack' });
    }
    this.pump();
  }

  /** The link dropped: every submit in flight fails with `error` (its outcome is unknown); waiting ones stay. */
  failInflight(error: GatewayError): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const request of this.inflight.values()) this.settle(request, error);
    this.inflight.clear();
  }

  /** The bind stops: every submit still waiting fails with `error`. */
  failQueued(error: GatewayError): void {
    for (const request of this.queue) this.settle(request, error);
    this.queue.length = 0;
    this.queued = 0;
  }

  /** The SMSC's id for the message; '' when it sent none or one longer than SMPP allows (kept nowhere, so it cannot bloat the store). */
  private messageIdOf(pdu: PDU): string {
    const id = String(pdu.message_id ?? '');
    if (id.length <= MESSAGE_ID_MAX_LENGTH) return id;
    this.log.warn({ length: id.length, max: MESSAGE_ID_MAX_LENGTH }, 'submit_sm_resp message_id longer than SMPP 3.4 allows; ignored, so receipts for this message cannot be matched');
    return '';
  }

  private wakeAfter(ms: number): void {
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, ms);
  }

  private expireQueued(request: PendingSubmit): void {
    if (request.settled) return;
    this.queued--;
    this.settle(request, this.link.notReady());
  }

  private expireInflight(request: PendingSubmit, waitedMs: number): void {
    if (this.inflight.get(request.sequence) !== request) return;
    this.inflight.delete(request.sequence);
    this.settle(request, responseTimeout(waitedMs));
    // A full response timeout (not just the request's deadline) makes the link suspect.
    if (waitedMs >= this.opts.responseTimeoutMs) this.link.suspect();
    this.pump();
  }

  private settle(request: PendingSubmit, error: Error): void {
    if (request.settled) return;
    request.settled = true;
    clearTimeout(request.timer);
    request.reject(error);
  }
}
