import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { connect, PDU, type Session, type SessionOptions } from 'smpp';
import type { Logger } from '../log';
import { GatewayError, linkLost, notBound, queueFull, responseTimeout, shuttingDown, throttled } from '../errors';
import { reconnectDelayMs } from './backoff';
import { ESME_RINVCMDID, ESME_ROK, ESME_RX_T_APPN, formatCommandStatus } from './command-status';
import type { ErrorPolicy } from './error-policy';
import { MESSAGE_ID_MAX_LENGTH, refuseShortPdus } from './pdu-limits';
import { encodeSubmitSm } from './submit-sm-pdu';
import { describeTlsPeer, type TlsPeer } from './tls-peer';
import type { TokenBucket } from './token-bucket';

/** The bind's life; changed only by setState(), which logs and emits 'state'. */
export type BindState = 'idle' | 'connecting' | 'binding' | 'bound' | 'reconnect-wait' | 'unbinding' | 'stopped';

/** Why a session ended; decides what happens next (see nextDelayMs). */
export type CloseReason =
  | 'connect-failed'
  | 'connect-timeout'
  | 'bind-timeout'
  | 'bind-refused'
  | 'link-lost'
  | 'enquire-link-timeout'
  | 'malformed-pdu'
  | 'peer-unbind'
  | 'stopped';

export type BindType = 'transceiver' | 'transmitter' | 'receiver';

export interface BindOptions {
  smsc: string;
  session: string;
  url: string;
  systemId: string;
  password: string;
  systemType: string;
  bindType: BindType;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  window: number;
  waitQueueSize: number;
  connectTimeoutMs: number;
  bindTimeoutMs: number;
  responseTimeoutMs: number;
  enquireLinkIntervalMs: number;
  enquireLinkTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  bindRefusedDelayMs: number;
  /** Cap of the delay after refused credentials, which doubles from bindRefusedDelayMs. */
  bindRefusedMaxDelayMs: number;
  /** Classifies non-zero command_status values. */
  errorPolicy: ErrorPolicy;
  /** After a 'throttle' status the bind sends nothing for this long, then one probe submit. */
  throttlePauseMs: number;
  /** TPS limits every submit_sm must pass: this session's own and its SMSC account's (shared). */
  rateLimits: readonly TokenBucket[];
  /** Time stop() waits for unbind_resp. */
  unbindTimeoutMs?: number;
  logger: Logger;
  /**
   * Handles deliver_sm/data_sm from the SMSC; resolves to the command_status of the response,
   * which is sent only once it resolves (so a receipt is stored before the SMSC forgets it).
   */
  onDeliver?: (pdu: PDU) => Promise<number> | number;
}

export interface SubmitResponse {
  commandStatus: number;
  messageId: string;
  /** generic_nack instead of submit_sm_resp. */
  nack: boolean;
}

interface PendingSubmit {
  fields: Record<string, unknown>;
  deadline: number;
  enqueuedAt: number;
  resolve: (response: SubmitResponse) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  sequence: number;
  sentAt: number;
  /** Already counted as held back by a TPS limit. */
  tpsDelayed: boolean;
  settled: boolean;
}

refuseShortPdus();

/** A submit is written only with at least this much of its deadline left for the response. */
const MIN_SEND_BUDGET_MS = 50;
const DEFAULT_UNBIND_TIMEOUT_MS = 2000;

/**
 * One persistent SMPP session to one SMSC account. npm `smpp` 0.5.1 supplies PDU coding and the
 * socket; this class owns what the library lacks: connect/bind/response timeouts, a window of
 * outstanding submits with a bounded wait queue, keep-alive that notices a dead link, failing
 * every in-flight request when the link drops, and reconnecting with capped backoff. Flow
 * control: the window, TPS token buckets, a pause of the whole bind when the SMSC throttles, and
 * socket back-pressure; a submit left unanswered holds sending until enquire_link proves the link.
 */
export class SmppBind extends EventEmitter {
  private _state: BindState = 'idle';
  private session: Session | undefined;
  private readonly queue: PendingSubmit[] = [];
  private queued = 0;
  private readonly inflight = new Map<number, PendingSubmit>();
  private corked = false;
  private failedAttempts = 0;
  private refusedAttempts = 0;
  private lastRefusal = '';
  private lastFailure = '';
  private lastRxAt = 0;
  /** Throttle pause: nothing is sent before pausedUntil, then one probe until an answer that is not a throttle. */
  private pausedUntil = 0;
  private pauseStartedAt = 0;
  /** The throttling status that began the pause; non-zero while probing (window 1) after it. */
  private throttleStatus = 0;
  /** A submit went unanswered: nothing is sent until enquire_link_resp shows the SMSC still answers. */
  private suspect = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private enquireLinkTimer: NodeJS.Timeout | undefined;
  /** Set while sending waits for a throttle pause to end or a TPS token. */
  private wakeTimer: NodeJS.Timeout | undefined;
  private stopPromise: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: BindOptions) {
    super();
    this.log = opts.logger.child({ smsc: opts.smsc, session: opts.session, bind: opts.bindType });
  }

  get state(): BindState {
    return this._state;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  get waitingCount(): number {
    return this.queued;
  }

  get windowSize(): number {
    return this.opts.window;
  }

  get bindType(): BindType {
    return this.opts.bindType;
  }

  /** Bound and free to send now: not paused by throttling, not waiting for a link probe. */
  get accepting(): boolean {
    return this._state === 'bound' && !this.suspect && this.pausedUntil <= Date.now();
  }

  /** Submits this bind holds (in flight plus waiting), for choosing the least busy session. */
  get load(): number {
    return this.inflight.size + this.queued;
  }

  /** Why the last bind attempt or session failed, for error details and logs. */
  get lastFailureReason(): string {
    return this.lastFailure;
  }

  start(): void {
    if (this._state !== 'idle') return;
    this.connect();
  }

  /**
   * Queues a submit_sm and resolves with the SMSC's response. Waits for the bind and for a window
   * slot until `deadline` (epoch ms); rejects with a GatewayError when the link drops with the
   * submit in flight, when no response arrives in time, or when the deadline passes first.
   */
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse> {
    return new Promise((resolve, reject) => {
      if (this._state === 'stopped' || this._state === 'unbinding') return reject(shuttingDown());
      if (this.queued >= this.opts.waitQueueSize) return reject(queueFull());
      const now = Date.now();
      if (deadline <= now) return reject(this.notReadyError());
      const request: PendingSubmit = { fields, deadline, enqueuedAt: now, resolve, reject, timer: undefined, sequence: 0, sentAt: 0, tpsDelayed: false, settled: false };
      request.timer = setTimeout(() => this.expireQueued(request), deadline - now);
      this.queue.push(request);
      this.queued++;
      this.pump();
    });
  }

  /** Final and idempotent: unbinds politely if bound, fails what is left, never reconnects. */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /** One enquire_link now (the operator's link check); resolves once its response arrives, rejects if the session ends first. */
  enquireLink(): Promise<void> {
    const session = this.session;
    if (this._state !== 'bound' || !session) return Promise.reject(new Error(`not bound (${this._state})`));
    return new Promise((resolve, reject) => {
      const answered = () => {
        this.off('closed', ended);
        resolve();
      };
      const ended = (reason: CloseReason, detail: string) => {
        this.off('enquire-link-resp', answered);
        reject(new Error(`${reason}: ${detail}`));
      };
      this.once('enquire-link-resp', answered);
      this.once('closed', ended);
      this.sendEnquireLink(session);
    });
  }

  /** The TLS session of the current connection (ssmpp://), for the operator's checks; undefined in clear text or when not connected. */
  tlsPeer(): TlsPeer | undefined {
    const socket = this.session?.socket;
    return socket instanceof TLSSocket ? describeTlsPeer(socket) : undefined;
  }

  // ---- state ---------------------------------------------------------------------------------

  private setState(next: BindState, reason?: CloseReason, detail?: string, level: 'error' | 'warn' | 'info' = next === 'reconnect-wait' ? 'warn' : 'info'): void {
    const previous = this._state;
    if (previous === next) return;
    this._state = next;
    this.log[level]({ from: previous, to: next, reason, detail }, `SMPP bind ${previous} -> ${next}${reason ? ` (${reason})` : ''}`);
    this.emit('state', next, previous, reason);
  }

  private connect(): void {
    this.setState('connecting');
    const url = new URL(this.opts.url);
    const secure = url.protocol === 'ssmpp:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const options: SessionOptions = {
      host,
      port: Number(url.port),
      tls: secure,
      // Without it Nagle's algorithm meets the SMSC's delayed ACKs: ~40 ms stalls per window refill.
      noDelay: true,
      ...(secure && this.opts.tls
        ? {
            ca: this.opts.tls.ca,
            cert: this.opts.tls.cert,
            key: this.opts.tls.key,
            rejectUnauthorized: this.opts.tls.rejectUnauthorized,
            // SNI takes host names only (RFC 6066); an IP address is still checked against the certificate.
            ...(isIP(host) ? {} : { servername: host }),
          }
        : {}),
    };
    const session = connect(options);
    this.session = session;
    // A session we have let go of can still emit 'error'; an unhandled one would crash the process.
    session.on('error', (err: Error) => this.onSessionError(session, err));
    session.on('close', () => this.closeSession(session, 'link-lost', 'connection closed'));
    session.on(secure ? 'secureConnect' : 'connect', () => this.onConnected(session));
    session.on('pdu', (pdu: PDU) => this.guard(session, () => this.onPdu(session, pdu)));
    this.stateTimer = setTimeout(() => this.closeSession(session, 'connect-timeout', `no connection within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs);
  }

  private onConnected(session: Session): void {
    if (session !== this.session) return;
    clearTimeout(this.stateTimer);
    this.setState('binding');
    const bind = new PDU(`bind_${this.opts.bindType}`, {
      system_id: this.opts.systemId,
      password: this.opts.password,
      system_type: this.opts.systemType,
      interface_version: 0x34, // the library defaults to 0x50, which SMPP 3.4 SMSCs refuse
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    });
    session.send(bind, (resp) => this.guard(session, () => this.onBindResponse(session, resp)));
    this.stateTimer = setTimeout(() => this.closeSession(session, 'bind-timeout', `no bind response within ${this.opts.bindTimeoutMs} ms`), this.opts.bindTimeoutMs);
  }

  private onBindResponse(session: Session, resp: PDU): void {
    if (session !== this.session || this._state !== 'binding') return;
    clearTimeout(this.stateTimer);
    this.emit('bind-response', resp);
    if (resp.command_status !== ESME_ROK || resp.command === 'generic_nack') {
      const credentials = this.opts.errorPolicy.classify(resp.command_status) === 'bind-refused';
      this.closeSession(session, 'bind-refused', `${resp.command} ${formatCommandStatus(resp.command_status)}`, credentials);
      return;
    }
    this.failedAttempts = 0;
    this.refusedAttempts = 0;
    this.lastRefusal = '';
    this.lastFailure = '';
    this.lastRxAt = Date.now();
    this.setState('bound');
    this.scheduleKeepAlive();
    session.socket.on('drain', () => this.pump());
    this.pump();
  }

  private onSessionError(session: Session, err: Error): void {
    if (session !== this.session) return;
    // 0.5.1 emits PDU decoding errors from inside its read loop (with _busy still set) and then
    // never reads again: such a session is a zombie and must be destroyed.
    const decoding = (session as unknown as { _busy?: boolean })._busy === true;
    const reason: CloseReason = decoding ? 'malformed-pdu' : this._state === 'connecting' ? 'connect-failed' : 'link-lost';
    this.closeSession(session, reason, errorSummary(err));
  }

  /** The one path by which a session ends: fail in-flight work, then reconnect or stop. */
  private closeSession(session: Session, reason: CloseReason, detail: string, credentialsRefused = false): void {
    if (session !== this.session) return;
    this.session = undefined;
    this.suspect = false;
    this.clearTimers();
    session.destroy();
    this.lastFailure = `${reason}: ${detail}`;
    const error = linkLost(reason);
    for (const request of this.inflight.values()) this.settle(request, error);
    this.inflight.clear();
    this.emit('closed', reason, detail);
    if (this.stopPromise || this._state === 'stopped') return;
    // Reset by a good bind, so a link that drops once reconnects fast; refused credentials wait long.
    const attempt = this.failedAttempts++;
    let delay = reconnectDelayMs(attempt, this.opts.reconnectMinDelayMs, this.opts.reconnectMaxDelayMs);
    let level: 'error' | 'warn' = 'warn';
    if (credentialsRefused) {
      const { bindRefusedDelayMs, bindRefusedMaxDelayMs } = this.opts;
      delay = reconnectDelayMs(this.refusedAttempts++, bindRefusedDelayMs, Math.max(bindRefusedDelayMs, bindRefusedMaxDelayMs));
      // An error once per distinct refusal, not per try: a locked account would flood the log.
      if (detail !== this.lastRefusal) level = 'error';
      this.lastRefusal = detail;
    }
    this.setState('reconnect-wait', reason, `${detail}; next attempt in ${delay} ms`, level);
    this.stateTimer = setTimeout(() => this.connect(), delay);
  }

  // ---- inbound PDUs --------------------------------------------------------------------------

  /** Exceptions thrown inside the library's read loop would wedge the session; contain them. */
  private guard(session: Session, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorSummary(err) }, 'error while handling a PDU; dropping the session');
      this.closeSession(session, 'malformed-pdu', errorSummary(err));
    }
  }

  private onPdu(session: Session, pdu: PDU): void {
    if (session !== this.session) return;
    this.lastRxAt = Date.now();
    if (pdu.isResponse()) {
      this.onResponse(pdu);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        session.send(pdu.response(), () => this.closeSession(session, 'peer-unbind', 'SMSC sent unbind'));
        return;
      case 'deliver_sm':
      case 'data_sm':
        this.onDeliver(session, pdu);
        return;
      case 'alert_notification':
        return; // no response is defined for it
      case 'unknown':
        this.log.warn({ commandId: `0x${pdu.command_id.toString(16)}` }, 'unknown command_id from SMSC; answered generic_nack');
        session.send(pdu.response());
        return;
      default:
        this.log.warn({ command: pdu.command }, 'unexpected request from SMSC; answered generic_nack');
        session.send(new PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID }));
    }
  }

  private onDeliver(session: Session, pdu: PDU): void {
    const handler = this.opts.onDeliver;
    Promise.resolve(handler ? handler(pdu) : ESME_ROK)
      .catch((err: unknown) => {
        this.log.error({ err: errorSummary(err) }, 'deliver_sm handler failed; asking the SMSC to retry');
        return ESME_RX_T_APPN; // temporary application error: the SMSC resends
      })
      .then((status) => {
        if (session !== this.session) return;
        // Receipts arrive in bursts and are answered together after one commit: one write for all.
        this.corkUntilNextTurn(session);
        session.send(pdu.response({ command_status: status }));
      });
  }

  private onResponse(pdu: PDU): void {
    if (pdu.command === 'enquire_link_resp') {
      clearTimeout(this.enquireLinkTimer);
      this.enquireLinkTimer = undefined;
      this.emit('enquire-link-resp');
      if (this.suspect) {
        this.suspect = false;
        this.pump();
      }
      return;
    }
    if (pdu.command !== 'submit_sm_resp' && pdu.command !== 'generic_nack') return;
    const request = this.inflight.get(pdu.sequence_number);
    if (!request) {
      this.log.warn({ sequence: pdu.sequence_number, command: pdu.command, status: formatCommandStatus(pdu.command_status) }, 'late or unknown response (request already answered)');
      this.emit('late-response', pdu);
      return;
    }
    this.inflight.delete(pdu.sequence_number);
    if (pdu.command_status !== ESME_ROK && this.opts.errorPolicy.classify(pdu.command_status) === 'throttle') this.pauseSending(request.sentAt, pdu.command_status);
    else this.throttleStatus = 0;
    if (!request.settled) {
      request.settled = true;
      clearTimeout(request.timer);
      request.resolve({ commandStatus: pdu.command_status, messageId: this.messageIdOf(pdu), nack: pdu.command === 'generic_nack' });
    }
    this.pump();
  }

  /** The SMSC's id for the message; '' when it sent none or one longer than SMPP allows (kept nowhere, so it cannot bloat the store). */
  private messageIdOf(pdu: PDU): string {
    const id = String(pdu.message_id ?? '');
    if (id.length <= MESSAGE_ID_MAX_LENGTH) return id;
    this.log.warn({ length: id.length, max: MESSAGE_ID_MAX_LENGTH }, 'submit_sm_resp message_id longer than SMPP 3.4 allows; ignored, so receipts for this message cannot be matched');
    return '';
  }

  // ---- outbound submits ----------------------------------------------------------------------

  private pump(): void {
    const session = this.session;
    if (this._state !== 'bound' || !session || this.suspect || this.wakeTimer) return;
    const now = Date.now();
    if (this.queued > 0 && this.pausedUntil > now) return this.wakeAfter(this.pausedUntil - now);
    const window = this.throttleStatus ? 1 : this.opts.window;
    while (this.queued > 0 && this.inflight.size < window && !session.socket.writableNeedDrain) {
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
      const tokenWaitMs = this.tokenWaitMs();
      if (tokenWaitMs > 0) {
        if (!request.tpsDelayed) {
          request.tpsDelayed = true;
          this.emit('tps-limited');
        }
        return this.wakeAfter(tokenWaitMs);
      }
      const pdu = encodeSubmitSm(request.fields) ?? new PDU('submit_sm', request.fields);
      this.corkUntilNextTurn(session);
      // Not writable: the close handler is about to run; the request keeps waiting.
      if (!session.send(pdu)) return;
      this.queue.shift();
      this.queued--;
      for (const bucket of this.opts.rateLimits) bucket.take();
      request.sequence = pdu.sequence_number;
      request.sentAt = now;
      this.inflight.set(request.sequence, request);
      clearTimeout(request.timer);
      const waitMs = Math.min(this.opts.responseTimeoutMs, request.deadline - Date.now());
      request.timer = setTimeout(() => this.expireInflight(request, waitMs), Math.max(waitMs, 0));
    }
  }

  /** One write per event-loop turn instead of one per PDU: the system calls dominated the profile. */
  private corkUntilNextTurn(session: Session): void {
    if (this.corked) return;
    this.corked = true;
    session.socket.cork();
    setImmediate(() => {
      this.corked = false;
      session.socket.uncork();
    });
  }

  private tokenWaitMs(): number {
    let wait = 0;
    for (const bucket of this.opts.rateLimits) wait = Math.max(wait, bucket.waitMs());
    return wait;
  }

  private wakeAfter(ms: number): void {
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, ms);
  }

  /**
   * The SMSC said slow down: stop sending on this bind for throttlePauseMs instead of letting every
   * message retry on its own, then send a single probe until an answer that is not a throttle.
   */
  private pauseSending(sentAt: number, status: number): void {
    if (sentAt <= this.pauseStartedAt) return; // sent before this pause began: same episode
    const pauseMs = this.opts.throttlePauseMs;
    this.pauseStartedAt = Date.now();
    this.pausedUntil = this.pauseStartedAt + pauseMs;
    this.throttleStatus = status;
    this.log.warn({ status: formatCommandStatus(status), pauseMs }, 'SMSC throttling: submits paused on this bind');
    this.emit('throttle-pause', status);
  }

  private expireQueued(request: PendingSubmit): void {
    if (request.settled) return;
    this.queued--;
    this.settle(request, this.notReadyError());
  }

  private expireInflight(request: PendingSubmit, waitedMs: number): void {
    if (this.inflight.get(request.sequence) !== request) return;
    this.inflight.delete(request.sequence);
    this.settle(request, responseTimeout(waitedMs));
    this.emit('response-timeout');
    const session = this.session;
    if (session && waitedMs >= this.opts.responseTimeoutMs) {
      // A full response timeout (not just the request's deadline) makes the link suspect.
      this.suspect = true;
      this.sendEnquireLink(session);
    }
    this.pump();
  }

  private settle(request: PendingSubmit, error: Error): void {
    if (request.settled) return;
    request.settled = true;
    clearTimeout(request.timer);
    request.reject(error);
  }

  private notReadyError(): GatewayError {
    if (this._state === 'bound' && this.throttleStatus) return throttled(this.throttleStatus);
    if (this._state === 'bound' && this.wakeTimer) return new GatewayError('SMSC_TIMEOUT', 'TPS limit for this SMSC reached: message not sent before the request deadline');
    if (this._state === 'bound') return new GatewayError('SMSC_TIMEOUT', `SMSC window full until the request deadline (window ${this.opts.window})`);
    const error = notBound();
    if (this.lastFailure) error.message += ` (last failure: ${this.lastFailure})`;
    return error;
  }

  // ---- keep-alive ----------------------------------------------------------------------------

  /** Probes only after receive silence, so a busy link is not interrupted by enquire_links. */
  private scheduleKeepAlive(): void {
    const idleMs = Date.now() - this.lastRxAt;
    const wait = Math.max(this.opts.enquireLinkIntervalMs - idleMs, 1);
    this.keepAliveTimer = setTimeout(() => this.keepAlive(), wait);
  }

  private keepAlive(): void {
    const session = this.session;
    if (this._state !== 'bound' || !session) return;
    if (Date.now() - this.lastRxAt >= this.opts.enquireLinkIntervalMs) this.sendEnquireLink(session);
    this.scheduleKeepAlive();
  }

  private sendEnquireLink(session: Session): void {
    if (this.enquireLinkTimer) return;
    session.send(new PDU('enquire_link', {}));
    this.enquireLinkTimer = setTimeout(() => {
      this.emit('enquire-link-timeout');
      this.closeSession(session, 'enquire-link-timeout', `no enquire_link_resp within ${this.opts.enquireLinkTimeoutMs} ms`);
    }, this.opts.enquireLinkTimeoutMs);
  }

  private clearTimers(): void {
    clearTimeout(this.stateTimer);
    clearTimeout(this.keepAliveTimer);
    clearTimeout(this.enquireLinkTimer);
    clearTimeout(this.wakeTimer);
    this.stateTimer = this.keepAliveTimer = this.enquireLinkTimer = this.wakeTimer = undefined;
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const session = this.session;
    const error = shuttingDown();
    for (const request of this.queue) this.settle(request, error);
    this.queue.length = 0;
    this.queued = 0;
    if (session && this._state === 'bound') {
      this.setState('unbinding', 'stopped');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.unbindTimeoutMs ?? DEFAULT_UNBIND_TIMEOUT_MS);
        const sent = session.send(new PDU('unbind', {}), () => {
          clearTimeout(timer);
          this.emit('unbind-resp');
          resolve();
        });
        if (!sent) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    if (this.session) this.closeSession(this.session, 'stopped', 'stop() called');
    this.clearTimers();
    this.setState('stopped', 'stopped');
  }
}

function errorSummary(err: unknown): string {
  // Duck-typed: errors made by Node's own modules need not pass `instanceof Error` in every realm.
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    const { code, message } = err as NodeJS.ErrnoException;
    return code ? `${code}: ${message}` : message;
  }
  return String(err);
}
