import type { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { connect, PDU, type Session, type SessionOptions } from 'smpp';
import type { Logger } from '../log';
import type { BindEvents, BindState, BindType, CloseReason } from './bind-events';
import { COMMAND_STATUS, formatCommandStatus } from './command-status';
import type { ErrorPolicy } from './error-policy';
import { KeepAlive, type KeepAliveOptions } from './keep-alive';
import { InvalidCommandLength, InvalidPduBody, MalformedPdu } from './malformed-pdu';
import { installPduReading, resumeReading } from './pdu-reading';
import { ReconnectSchedule, type ReconnectDelays } from './reconnect-schedule';
import { describeTlsPeer, type TlsPeer } from './tls-peer';

export interface LifecycleOptions extends ReconnectDelays, KeepAliveOptions {
  url: string;
  systemId: string;
  password: string;
  systemType: string;
  bindType: BindType;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  bindTimeoutMs: number;
  /** Also the wait for unbind_resp when stopping. */
  responseTimeoutMs: number;
  /** Tells refused credentials (a long delay before the next bind) from other bind failures. */
  errorPolicy: ErrorPolicy;
  /**
   * Handles deliver_sm/data_sm from the SMSC; resolves to the command_status of the response,
   * which is sent only once it resolves (so a receipt is stored before the SMSC forgets it).
   */
  onDeliver?: (pdu: PDU) => Promise<number> | number;
}

/** What the session tells its owner (the submit window and flow control) as they happen. */
export interface SessionHooks {
  /** Bound: submits may flow. */
  bound(): void;
  /** The session ended; called before 'closed' is emitted, so submits in flight fail first. */
  ended(reason: CloseReason): void;
  /** A submit_sm_resp or generic_nack. */
  response(pdu: PDU): void;
  /** An enquire_link_resp: the SMSC still answers. */
  linkProven(): void;
  /** The socket's write buffer drained. */
  drained(): void;
}

installPduReading();

/** What follows the answer to a malformed PDU, as its log line says. */
type AfterRefusal = 'the session reads on' | 'dropping the session';

/**
 * The life of one SMPP session, and of the sessions that replace it: connect, bind, keep-alive,
 * close reasons, reconnect and unbind. npm `smpp` 0.5.1 has no connect, bind or response timeouts
 * and no reconnect; this class adds them. The state is changed in setState() alone, which logs
 * and emits 'state'; closeSession() is the one path by which a session ends, and the reason it
 * ended decides what follows (ReconnectSchedule).
 */
export class SessionLifecycle {
  private _state: BindState = 'idle';
  private session: Session | undefined;
  private corked = false;
  private lastFailure = '';
  private stopping: Promise<void> | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private readonly schedule: ReconnectSchedule;
  private readonly keepAlive: KeepAlive;

  constructor(
    private readonly opts: LifecycleOptions,
    private readonly events: EventEmitter<BindEvents>,
    private readonly hooks: SessionHooks,
    private readonly log: Logger,
  ) {
    this.schedule = new ReconnectSchedule(opts);
    this.keepAlive = new KeepAlive(
      opts,
      () => this.session?.send(new PDU('enquire_link', {})),
      () => {
        this.events.emit('enquire-link-timeout');
        if (this.session) this.closeSession(this.session, 'enquire-link-timeout', `no enquire_link_resp within ${opts.enquireLinkTimeoutMs} ms`);
      },
    );
  }

  get state(): BindState {
    return this._state;
  }

  /** Why the last bind attempt or session failed ('' since a good bind). */
  get lastFailureReason(): string {
    return this.lastFailure;
  }

  /** stop() was called: nothing new is taken. */
  get closing(): boolean {
    return this.stopping !== undefined;
  }

  /** The socket buffers what it is given: writers should wait for the hooks' drained(). */
  get congested(): boolean {
    return this.session?.socket.writableNeedDrain ?? true;
  }

  start(): void {
    if (this._state === 'idle') this.connect();
  }

  /**
   * Writes a PDU on the bound session, coalesced with the others of this event-loop turn; false
   * when there is none or its socket is no longer writable (the close handler is about to run).
   */
  send(pdu: PDU): boolean {
    const session = this.session;
    if (this._state !== 'bound' || !session) return false;
    this.corkUntilNextTurn(session);
    return session.send(pdu);
  }

  /** Sends enquire_link now unless one is outstanding; no answer in time ends the session. */
  probe(): void {
    if (this._state === 'bound' && this.session) this.keepAlive.probe();
  }

  /** One enquire_link now (the operator's link check); resolves once its response arrives, rejects if the session ends first. */
  enquireLink(): Promise<void> {
    const session = this.session;
    if (this._state !== 'bound' || !session) return Promise.reject(new Error(`not bound (${this._state})`));
    return new Promise((resolve, reject) => {
      const answered = () => {
        this.events.off('closed', ended);
        resolve();
      };
      const ended = (reason: CloseReason, detail: string) => {
        this.events.off('enquire-link-resp', answered);
        reject(new Error(`${reason}: ${detail}`));
      };
      this.events.once('enquire-link-resp', answered);
      this.events.once('closed', ended);
      this.keepAlive.probe();
    });
  }

  /** The TLS session of the current connection (ssmpp://), for the operator's checks; undefined in clear text or when not connected. */
  tlsPeer(): TlsPeer | undefined {
    const socket = this.session?.socket;
    return socket instanceof TLSSocket ? describeTlsPeer(socket) : undefined;
  }

  /** Final and idempotent: unbinds politely if bound, never reconnects. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  // ---- state ---------------------------------------------------------------------------------

  private setState(next: BindState, reason?: CloseReason, detail?: string, level: 'error' | 'warn' | 'info' = next === 'reconnect-wait' ? 'warn' : 'info'): void {
    const previous = this._state;
    if (previous === next) return;
    this._state = next;
    this.log[level]({ from: previous, to: next, reason, detail }, `SMPP bind ${previous} -> ${next}${reason ? ` (${reason})` : ''}`);
    this.events.emit('state', next, previous, reason);
  }

  private connect(): void {
    this.setState('connecting');
    const options = this.socketOptions();
    const session = connect(options);
    this.session = session;
    // A session we have let go of can still emit 'error'; an unhandled one would crash the process.
    session.on('error', (err: Error) => this.onSessionError(session, err));
    session.on('close', () => this.closeSession(session, 'link-lost', 'connection closed'));
    session.on(options.tls ? 'secureConnect' : 'connect', () => this.onConnected(session));
    session.on('pdu', (pdu: PDU) => this.guard(session, () => this.onPdu(session, pdu)));
    this.stateTimer = setTimeout(() => this.closeSession(session, 'connect-timeout', `no connection within ${this.opts.connectTimeoutMs} ms`), this.opts.connectTimeoutMs);
  }

  private socketOptions(): SessionOptions {
    const url = new URL(this.opts.url);
    const secure = url.protocol === 'ssmpp:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const tls = this.opts.tls;
    return {
      host,
      port: Number(url.port),
      tls: secure,
      // Without it Nagle's algorithm meets the SMSC's delayed ACKs: ~40 ms stalls per window refill.
      noDelay: true,
      ...(secure && tls
        ? {
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: tls.rejectUnauthorized,
            // SNI takes host names only (RFC 6066); an IP address is still checked against the certificate.
            ...(isIP(host) ? {} : { servername: host }),
          }
        : {}),
    };
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
    this.events.emit('bind-response', resp);
    if (resp.command_status !== COMMAND_STATUS.ESME_ROK || resp.command === 'generic_nack') {
      const credentials = this.opts.errorPolicy.classify(resp.command_status) === 'bind-refused';
      this.closeSession(session, 'bind-refused', `${resp.command} ${formatCommandStatus(resp.command_status)}`, credentials);
      return;
    }
    this.schedule.reset();
    this.lastFailure = '';
    this.setState('bound');
    this.keepAlive.start();
    session.socket.on('drain', () => this.hooks.drained());
    this.hooks.bound();
  }

  private onSessionError(session: Session, err: Error): void {
    if (session !== this.session) return;
    if (err instanceof MalformedPdu) this.events.emit('malformed-pdu');
    // SMPP 3.4 §2.8: a request found to contain an error is answered with its own response and an
    // error command_status. The PDU was read whole, so the framing holds: the session stays bound
    // and reads on, and a carrier that redelivers the PDU on every bind gets its answer instead of
    // a flapping bind.
    if (err instanceof InvalidPduBody && !err.isResponse) {
      this.refuse(session, err, 'the session reads on');
      resumeReading(session);
      return;
    }
    // SMPP 3.4 §4.3 keeps generic_nack for a header it cannot use: an invalid command_length is
    // answered before the session is dropped.
    if (err instanceof InvalidCommandLength) this.refuse(session, err, 'dropping the session');
    // 0.5.1 emits PDU decoding errors from inside its read loop (with _busy still set) and then
    // never reads again: such a session is a zombie and must be destroyed. A response whose body
    // cannot be decoded has no answer, and the request it answers fails with the session.
    const decoding = (session as unknown as { _busy?: boolean })._busy === true;
    const reason: CloseReason = decoding ? 'malformed-pdu' : this._state === 'connecting' ? 'connect-failed' : 'link-lost';
    this.closeSession(session, reason, errorSummary(err));
  }

  /**
   * Answers a PDU that could not be decoded and logs its facts. When the session is dropped next
   * the answer is best effort and synchronous: the session is destroyed right after, and a write
   * that does not reach the socket at once is lost with it; nothing here may throw or wait.
   */
  private refuse(session: Session, err: MalformedPdu, next: AfterRefusal): void {
    const answer = err.answer();
    const status = formatCommandStatus(err.commandStatus);
    let sent = false;
    if (answer) {
      try {
        const socket = session.socket;
        // Corked bytes wait in memory until the next turn, and destroy() discards them.
        if (next === 'dropping the session') while (socket.writableCorked > 0) socket.uncork();
        sent = session.send(answer);
      } catch (writeErr) {
        this.log.debug({ err: errorSummary(writeErr) }, `${answer.command} not written`);
      }
    }
    const facts = {
      ...(err.command && { command: err.command }),
      ...(err.header && { commandId: `0x${err.header.commandId.toString(16)}`, sequenceNumber: err.header.sequenceNumber }),
      commandLength: err.commandLength,
      commandStatus: status,
    };
    const outcome = !answer ? 'not answered (it has no response)' : `${sent ? 'answered' : 'could not send'} ${answer.command} ${status}`;
    this.log.warn(facts, `${err.message}; ${outcome}, sequence_number ${err.sequenceNumber}; ${next}`);
  }

  /** The one path by which a session ends: fail in-flight work, then reconnect or stop. */
  private closeSession(session: Session, reason: CloseReason, detail: string, credentialsRefused = false): void {
    if (session !== this.session) return;
    this.session = undefined;
    this.clearTimers();
    session.destroy();
    this.lastFailure = `${reason}: ${detail}`;
    this.hooks.ended(reason);
    this.events.emit('closed', reason, detail);
    if (this.stopping || this._state === 'stopped') return;
    const next = this.schedule.next(reason, detail, credentialsRefused);
    if (!next) return;
    this.setState('reconnect-wait', reason, `${detail}; next attempt in ${next.delayMs} ms`, next.level);
    this.stateTimer = setTimeout(() => this.connect(), next.delayMs);
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
    this.keepAlive.received();
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
        session.send(new PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: COMMAND_STATUS.ESME_RINVCMDID }));
    }
  }

  private onDeliver(session: Session, pdu: PDU): void {
    const handler = this.opts.onDeliver;
    void Promise.resolve(handler ? handler(pdu) : COMMAND_STATUS.ESME_ROK)
      .catch((err: unknown) => {
        this.log.error({ err: errorSummary(err) }, 'deliver_sm handler failed; asking the SMSC to retry');
        return COMMAND_STATUS.ESME_RX_T_APPN; // temporary application error: the SMSC resends
      })
      .then((status) => {
        if (session !== this.session) return;
        // Receipts arrive in bursts and are answered together after one commit: one write for all.
        this.corkUntilNextTurn(session);
        session.send(pdu.response({ command_status: status }));
      })
      .catch((err: unknown) => this.log.warn({ err: errorSummary(err) }, 'deliver_sm_resp not sent'));
  }

  private onResponse(pdu: PDU): void {
    if (pdu.command === 'enquire_link_resp') {
      this.keepAlive.answered();
      this.events.emit('enquire-link-resp');
      this.hooks.linkProven();
      return;
    }
    if (pdu.command === 'submit_sm_resp' || pdu.command === 'generic_nack') this.hooks.response(pdu);
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

  private clearTimers(): void {
    clearTimeout(this.stateTimer);
    this.stateTimer = undefined;
    this.keepAlive.stop();
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const session = this.session;
    if (session && this._state === 'bound') {
      this.setState('unbinding', 'stopped');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.responseTimeoutMs);
        const sent = session.send(new PDU('unbind', {}), () => {
          clearTimeout(timer);
          this.events.emit('unbind-resp');
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
