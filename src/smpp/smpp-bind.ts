import { EventEmitter } from 'node:events';
import { PDU } from 'smpp';
import { linkLost, notBound, shuttingDown, throttled, tpsLimited, windowFull, type GatewayError } from '../errors';
import type { Logger } from '../log';
import type { BindEvents, BindState, BindType } from './bind-events';
import { FlowControl, type FlowControlOptions } from './flow-control';
import { SessionLifecycle, type LifecycleOptions } from './session-lifecycle';
import { encodeSubmitSm } from './submit-sm-pdu';
import { SubmitWindow, type SubmitResponse, type SubmitWindowOptions } from './submit-window';
import type { TlsPeer } from './tls-peer';

export type { BindEvents, BindState, BindType, CloseReason } from './bind-events';
export type { SubmitResponse } from './submit-window';

export interface BindOptions extends LifecycleOptions, FlowControlOptions, SubmitWindowOptions {
  smsc: string;
  session: string;
  logger: Logger;
}

/**
 * One persistent SMPP session to one SMSC account, made of three parts: the session lifecycle
 * (connect, bind, keep-alive, reconnect with capped backoff, unbind), the submit window (wait
 * queue, in-flight requests, their deadlines, failing them all when the link drops) and the flow
 * control (TPS buckets, the throttle pause and its probe, the hold on a suspect link). Everything
 * they report is one of BindEvents, emitted by this object.
 */
export class SmppBind extends EventEmitter<BindEvents> {
  private readonly lifecycle: SessionLifecycle;
  private readonly window: SubmitWindow;
  private readonly flow: FlowControl;

  constructor(private readonly opts: BindOptions) {
    super();
    const log = opts.logger.child({ smsc: opts.smsc, session: opts.session, bind: opts.bindType });
    this.flow = new FlowControl(opts, this, log);
    this.window = new SubmitWindow(
      opts,
      this.flow,
      {
        open: () => this.lifecycle.state === 'bound' && !this.flow.held,
        congested: () => this.lifecycle.congested,
        write: (fields) => {
          const pdu = encodeSubmitSm(fields) ?? new PDU('submit_sm', fields);
          return this.lifecycle.send(pdu) ? pdu.sequence_number : undefined;
        },
        suspect: () => {
          if (this.lifecycle.state !== 'bound') return;
          this.flow.hold();
          this.lifecycle.probe();
        },
        notReady: () => this.notReadyError(),
      },
      this,
      log,
    );
    this.lifecycle = new SessionLifecycle(
      opts,
      this,
      {
        bound: () => this.window.pump(),
        ended: (reason) => {
          this.flow.release();
          this.window.failInflight(linkLost(reason));
        },
        response: (pdu) => this.window.answered(pdu),
        linkProven: () => {
          if (!this.flow.held) return;
          this.flow.release();
          this.window.pump();
        },
        drained: () => this.window.pump(),
      },
      log,
    );
  }

  get state(): BindState {
    return this.lifecycle.state;
  }

  get inflightCount(): number {
    return this.window.inflightCount;
  }

  get waitingCount(): number {
    return this.window.waitingCount;
  }

  get windowSize(): number {
    return this.opts.window;
  }

  get bindType(): BindType {
    return this.opts.bindType;
  }

  /** Bound and free to send now: not paused by throttling, not waiting for a link probe. */
  get accepting(): boolean {
    return this.lifecycle.state === 'bound' && this.flow.accepting();
  }

  /** Submits this bind holds (in flight plus waiting), for choosing the least busy session. */
  get load(): number {
    return this.window.inflightCount + this.window.waitingCount;
  }

  /** Why the last bind attempt or session failed, for error details and logs. */
  get lastFailureReason(): string {
    return this.lifecycle.lastFailureReason;
  }

  start(): void {
    this.lifecycle.start();
  }

  /**
   * Queues a submit_sm and resolves with the SMSC's response. Waits for the bind and for a window
   * slot until `deadline` (epoch ms); rejects with a GatewayError when the link drops with the
   * submit in flight, when no response arrives in time, or when the deadline passes first.
   */
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse> {
    if (this.lifecycle.closing || this.lifecycle.state === 'stopped') return Promise.reject(shuttingDown());
    return this.window.submit(fields, deadline);
  }

  /** Final and idempotent: fails what waits, unbinds politely if bound, never reconnects. */
  stop(): Promise<void> {
    if (!this.lifecycle.closing) this.window.failQueued(shuttingDown());
    return this.lifecycle.stop();
  }

  /** One enquire_link now (the operator's link check); resolves once its response arrives, rejects if the session ends first. */
  enquireLink(): Promise<void> {
    return this.lifecycle.enquireLink();
  }

  /** The TLS session of the current connection (ssmpp://), for the operator's checks; undefined in clear text or when not connected. */
  tlsPeer(): TlsPeer | undefined {
    return this.lifecycle.tlsPeer();
  }

  /** Why a request could not be sent before its deadline: the facts, worded by the error module. */
  private notReadyError(): GatewayError {
    if (this.lifecycle.state !== 'bound') return notBound([this.lifecycle.lastFailureReason].filter(Boolean));
    if (this.flow.throttleStatus) return throttled(this.flow.throttleStatus);
    if (this.window.waiting) return tpsLimited();
    return windowFull(this.opts.window);
  }
}
