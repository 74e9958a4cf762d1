import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, PDU, type Server, type Session } from 'smpp';
import { RECEIPT_STATS, type ReceiptStat } from '../dlr/receipt-stat';
import { responseId } from '../smpp/command-id';
import { COMMAND_STATUS } from '../smpp/command-status';
import { listenUrl } from '../listen-url';

/** A submit_sm as the simulator saw it, decoded by the smpp library (an independent decoder). */
export interface ReceivedSubmit {
  sequence: number;
  messageId: string;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  /** User data header, when the UDHI bit was set. */
  udh: Buffer | undefined;
  text: string;
  receivedAt: number;
}

/** What to do with one submit_sm; the default is an immediate ESME_ROK. */
export interface SubmitAction {
  status?: number;
  delayMs?: number;
  /** Never answer (a black hole). */
  ignore?: boolean;
  /** Answer with generic_nack carrying this command_status instead of submit_sm_resp. */
  nack?: number;
  /** Do not answer; send unbind to the client instead. */
  unbind?: boolean;
  /** Do not answer; cut the TCP connection (no unbind), as a crash or a firewall would. */
  drop?: boolean;
  /**
   * Do not answer; write a PDU header whose command_length no client can accept: 'too-long'
   * claims 16 MiB, 'too-short' claims 4 octets, less than the header itself. 'malformed'
   * (session, kind) is emitted just before the write.
   */
  malformed?: 'too-long' | 'too-short';
  /** message_id to answer with instead of the simulator's own (hex, decimal, padded ids). */
  messageId?: string;
  /**
   * Send a delivery receipt (to the newest receiving session) before the submit_sm_resp, as a
   * hasty SMSC or one with a separate receiver bind does; with delayMs, that long before.
   */
  receiptBeforeResp?: boolean;
}

/** A delivery receipt to send; every field is optional. */
export interface ReceiptSpec {
  /** The id the receipt names; default: the message id the submit was answered with. */
  id?: string;
  /** The text's stat word (default DELIVRD); message_state follows it where SMPP defines one. */
  stat?: string;
  err?: string;
  /** Add receipted_message_id and message_state TLVs (default true). */
  tlvs?: boolean;
  /** What follows "text:", as SMSCs echo the start of the message. */
  text?: string;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** When set, binds with other credentials are refused (ESME_RINVSYSID / ESME_RINVPASWD). */
  systemId?: string;
  password?: string;
  /** 'refuse' answers every bind with bindRefuseStatus; 'ignore' never answers. */
  bind?: 'accept' | 'refuse' | 'ignore';
  bindRefuseStatus?: number;
  answerEnquireLink?: boolean;
  /** Accept binds, then answer nothing at all (a hung SMSC). */
  stopAnswering?: boolean;
  /** Write every PDU in three pieces a few milliseconds apart (PDUs split across TCP reads). */
  splitWrites?: boolean;
  /** `count` numbers the submits from 1 since start. */
  onSubmit?: (submit: ReceivedSubmit, count: number) => SubmitAction | void;
  /** Send a delivery receipt this long after each accepted submit (per part); undefined = none. */
  receiptDelayMs?: number;
  /** Serve ssmpp; with `ca` and requestCert, clients must present a certificate signed by it. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
}

const DELIVER_RESPONSE_TIMEOUT_MS = 5000;
const SPLIT_GAP_MS = 5;
/** Submits and bind attempts kept for inspection: a development run goes on for days. */
const KEPT = 1000;
const { ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID } = COMMAND_STATUS;

/** The message_state a stat word stands for, where SMPP defines one. */
const messageStateOf = (stat: string): number | null => (Object.hasOwn(RECEIPT_STATS, stat) ? RECEIPT_STATS[stat as ReceiptStat].messageState : null);

/**
 * A small SMSC: binds, submit_sm → submit_sm_resp with message ids, enquire_link, unbind and
 * delivery receipts. It backs the development profile (no SMS leaves the machine) and the tests,
 * where its hooks give each test a named misbehaviour.
 */
export class SmscSimulator extends EventEmitter {
  /** The latest submits (at most 1,000), oldest first. */
  readonly submits: ReceivedSubmit[] = [];
  /** The latest bind attempts (at most 1,000), oldest first. */
  readonly bindAttempts: { systemId: string; command: string; interfaceVersion: number }[] = [];
  private submitCount = 0;
  private readonly server: Server;
  private nextMessageId = 0x1000;
  private readonly receiptTimers = new Set<NodeJS.Timeout>();
  /** Sessions bound as receiver or transceiver, newest last, with their bind command: where deliver_sm may go. */
  private readonly receivers = new Map<Session, string>();
  /** Per session, the end of the last split write, so pieces of two PDUs never interleave. */
  private readonly writeChains = new WeakMap<Session, Promise<void>>();

  constructor(private readonly opts: SimulatorOptions = {}) {
    super();
    const tls = opts.tls && { ...opts.tls, rejectUnauthorized: opts.tls.requestCert === true };
    this.server = tls ? createServer(tls, (s) => this.onSession(s)) : createServer((s) => this.onSession(s));
    this.server.on('error', (err) => this.emit('server-error', err));
  }

  /** Listens (port 0 by default) and returns the smpp:// or ssmpp:// URL to bind to. */
  async start(): Promise<string> {
    this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    await once(this.server, 'listening');
    return listenUrl(this.opts.tls ? 'ssmpp' : 'smpp', this.server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get sessions(): readonly Session[] {
    return this.server.sessions;
  }

  /** Changes behaviour at run time (tests flip an SMSC from broken to healthy). */
  configure(changes: Partial<SimulatorOptions>): void {
    Object.assign(this.opts, changes);
  }

  /** Cuts every TCP connection without an unbind, as a crashing SMSC or a firewall would. */
  dropConnections(): void {
    for (const session of [...this.server.sessions]) session.destroy();
  }

  /** Writes raw bytes to every session (to send malformed PDUs). */
  sendRaw(bytes: Buffer): void {
    for (const session of this.server.sessions) session.socket.write(bytes);
  }

  sendToAll(pdu: PDU): void {
    for (const session of this.server.sessions) session.send(pdu);
  }

  private newestReceiver(): Session | undefined {
    return [...this.receivers.keys()].pop();
  }

  /**
   * Sends a delivery receipt for `submit` to the newest receiving session and resolves with the
   * command_status of the deliver_sm_resp (rejects when none comes in time).
   */
  sendReceipt(submit: ReceivedSubmit, spec: ReceiptSpec = {}): Promise<number> {
    return this.sendDeliver('deliver_sm', this.receiptFields(submit, spec));
  }

  /** Sends any deliver_sm/data_sm (carrier-specific receipts) and resolves with the response status. */
  sendDeliver(command: 'deliver_sm' | 'data_sm', fields: Record<string, unknown>): Promise<number> {
    const session = this.newestReceiver();
    if (!session) return Promise.reject(new Error('no transceiver or receiver session'));
    const pdu = new PDU(command, fields);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${command}_resp within ${DELIVER_RESPONSE_TIMEOUT_MS} ms`)), DELIVER_RESPONSE_TIMEOUT_MS);
      const sent = session.send(pdu, (resp) => {
        clearTimeout(timer);
        resolve(resp.command_status);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error('session not writable'));
      }
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.receiptTimers) clearTimeout(timer);
    this.receiptTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  /** Appendix B receipt text plus (by default) the TLVs, for sendReceipt and receiptBeforeResp. */
  private receiptFields(submit: ReceivedSubmit, spec: ReceiptSpec): Record<string, unknown> {
    const id = spec.id ?? submit.messageId;
    const stat = spec.stat ?? 'DELIVRD';
    const dates = `submit date:${smppDate(new Date(submit.receivedAt))} done date:${smppDate(new Date())}`;
    const text = `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ${dates} stat:${stat} err:${spec.err ?? '000'} text:${spec.text ?? ''}`;
    const state = messageStateOf(stat);
    return {
      source_addr_ton: submit.destTon,
      source_addr_npi: submit.destNpi,
      source_addr: submit.destinationAddr,
      dest_addr_ton: submit.sourceTon,
      dest_addr_npi: submit.sourceNpi,
      destination_addr: submit.sourceAddr,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      ...(spec.tlvs === false ? {} : { receipted_message_id: id, ...(state === null ? {} : { message_state: state }) }),
    };
  }

  private onSession(session: Session): void {
    session.on('error', () => session.destroy()); // a peer's reset must not crash the simulator
    session.on('pdu', (pdu: PDU) => {
      try {
        this.onPdu(session, pdu);
      } catch (err) {
        this.emit('server-error', err);
      }
    });
    this.emit('session', session);
  }

  /** session.send, or with splitWrites the PDU's bytes in three timed pieces. */
  private send(session: Session, pdu: PDU, afterWrite?: () => void): void {
    if (!this.opts.splitWrites) {
      session.send(pdu, afterWrite);
      return;
    }
    if (!pdu.isResponse() && !pdu.sequence_number) pdu.sequence_number = ++session.sequence;
    const bytes = pdu.toBuffer();
    const cuts = [0, 3, Math.ceil(bytes.length / 2), bytes.length]; // inside the length field, then mid-body
    const previous = this.writeChains.get(session) ?? Promise.resolve();
    const written = previous.then(async () => {
      for (let i = 1; i < cuts.length; i++) {
        if (!session.socket.writable) return;
        session.socket.write(bytes.subarray(cuts[i - 1], cuts[i]));
        await new Promise((resolve) => setTimeout(resolve, SPLIT_GAP_MS));
      }
      afterWrite?.();
    });
    this.writeChains.set(session, written);
  }

  private onPdu(session: Session, pdu: PDU): void {
    if (pdu.isResponse()) return;
    const bind = pdu.command === 'bind_transceiver' || pdu.command === 'bind_transmitter' || pdu.command === 'bind_receiver';
    if (this.opts.stopAnswering && !bind) return;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.onBind(session, pdu);
        return;
      case 'enquire_link':
        if (this.opts.answerEnquireLink !== false) this.send(session, pdu.response());
        this.emit('enquire_link');
        return;
      case 'unbind':
        this.send(session, pdu.response(), () => session.close());
        this.emit('unbind');
        return;
      case 'submit_sm':
        this.onSubmit(session, pdu);
        return;
      default:
        this.send(session, pdu.response());
    }
  }

  private onBind(session: Session, pdu: PDU): void {
    const systemId = String(pdu.system_id);
    keep(this.bindAttempts, { systemId, command: pdu.command, interfaceVersion: Number(pdu.interface_version) });
    this.emit('bind', pdu);
    const mode = this.opts.bind ?? 'accept';
    if (mode === 'ignore') return;
    let status = 0;
    if (mode === 'refuse') status = this.opts.bindRefuseStatus ?? ESME_RBINDFAIL;
    else if (this.opts.systemId !== undefined && systemId !== this.opts.systemId) status = ESME_RINVSYSID;
    else if (this.opts.password !== undefined && pdu.password !== this.opts.password) status = ESME_RINVPASWD;
    this.send(session, pdu.response({ command_status: status, system_id: 'SMSGWSIM' }));
    if (status !== 0) setTimeout(() => session.close(), 10);
    else if (pdu.command !== 'bind_transmitter') {
      this.receivers.set(session, pdu.command);
      session.socket.once('close', () => this.receivers.delete(session));
    }
  }

  private onSubmit(session: Session, pdu: PDU): void {
    const message = pdu.short_message as { message?: string | Buffer; udh?: Buffer[] } | undefined;
    const submit: ReceivedSubmit = {
      sequence: pdu.sequence_number,
      messageId: (this.nextMessageId++).toString(16).toUpperCase(),
      sourceAddr: String(pdu.source_addr),
      sourceTon: Number(pdu.source_addr_ton),
      sourceNpi: Number(pdu.source_addr_npi),
      destinationAddr: String(pdu.destination_addr),
      destTon: Number(pdu.dest_addr_ton),
      destNpi: Number(pdu.dest_addr_npi),
      dataCoding: Number(pdu.data_coding),
      esmClass: Number(pdu.esm_class),
      registeredDelivery: Number(pdu.registered_delivery),
      udh: message?.udh?.[0],
      text: typeof message?.message === 'string' ? message.message : (message?.message?.toString('latin1') ?? ''),
      receivedAt: Date.now(),
    };
    keep(this.submits, submit);
    this.emit('submit', submit);
    const action = this.opts.onSubmit?.(submit, ++this.submitCount) ?? {};
    if (action.messageId !== undefined) submit.messageId = action.messageId;
    if (action.ignore) return;
    if (action.drop) return void session.destroy();
    if (action.unbind) return this.send(session, new PDU('unbind', {}));
    if (action.malformed) {
      this.emit('malformed', session, action.malformed);
      return void session.socket.write(malformedHeader(action.malformed, pdu.sequence_number));
    }
    const status = action.status ?? 0;
    if (status === 0 && action.receiptBeforeResp) {
      this.send(this.newestReceiver() ?? session, new PDU('deliver_sm', this.receiptFields(submit, {})));
    }
    const respond = () => {
      if (action.nack !== undefined) return this.send(session, new PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: action.nack }));
      this.send(session, pdu.response({ command_status: status, message_id: status === 0 ? submit.messageId : '' }));
      if (status === 0 && !action.receiptBeforeResp && this.opts.receiptDelayMs !== undefined && submit.registeredDelivery & 0x01) this.scheduleReceipt(session, submit);
    };
    if (action.delayMs) setTimeout(respond, action.delayMs);
    else respond();
  }

  private scheduleReceipt(session: Session, submit: ReceivedSubmit): void {
    const timer = setTimeout(() => {
      this.receiptTimers.delete(timer);
      const receipt = new PDU('deliver_sm', this.receiptFields(submit, {}));
      // As an SMSC does: on the submitting session if it can receive, else on a receiver bind of the account.
      const target = this.receivers.has(session) ? session : this.receivers.keys().next().value;
      if (target) this.send(target, receipt);
      this.emit('receipt', { messageId: submit.messageId, bind: target ? this.receivers.get(target) : undefined });
    }, this.opts.receiptDelayMs);
    this.receiptTimers.add(timer);
  }
}

/** A submit_sm_resp header, for the submit numbered `sequence`, with an impossible command_length: 16 MiB (over node-smpp's 16 KiB limit), or 4. */
function malformedHeader(kind: NonNullable<SubmitAction['malformed']>, sequence: number): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(kind === 'too-long' ? 0x00ffffff : 4, 0);
  bytes.writeUInt32BE(responseId('submit_sm'), 4);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEPT) list.shift();
}

/** YYMMDDhhmm, the receipt date format of SMPP 3.4 Appendix B. */
function smppDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}
