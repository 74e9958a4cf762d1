import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, PDU, type Server, type Session } from 'smpp';

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
  onSubmit?: (submit: ReceivedSubmit, count: number) => SubmitAction | void;
  /** Send a delivery receipt this long after each accepted submit (per part); undefined = none. */
  receiptDelayMs?: number;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

// SMPP 3.4 §5.2.28 message_state for each stat word.
const MESSAGE_STATE: Record<string, number> = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };
const DELIVER_RESPONSE_TIMEOUT_MS = 5000;

const ESME_RINVPASWD = 0x0e;
const ESME_RINVSYSID = 0x0f;
const ESME_RBINDFAIL = 0x0d;

/**
 * A small SMSC: binds, submit_sm → submit_sm_resp with message ids, enquire_link, unbind and
 * delivery receipts. It backs the development profile (no SMS leaves the machine) and the tests,
 * where its hooks give each test a named misbehaviour.
 */
export class SmscSimulator extends EventEmitter {
  readonly submits: ReceivedSubmit[] = [];
  readonly bindAttempts: { systemId: string; command: string; interfaceVersion: number }[] = [];
  /** Sessions that asked for a transceiver or receiver bind, newest last: where sendDeliver goes. */
  private readonly receivers: Session[] = [];
  private readonly server: Server;
  private nextMessageId = 0x1000;
  private readonly receiptTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: SimulatorOptions = {}) {
    super();
    this.server = opts.tls ? createServer({ key: opts.tls.key, cert: opts.tls.cert }, (s) => this.onSession(s)) : createServer((s) => this.onSession(s));
    this.server.on('error', (err) => this.emit('server-error', err));
  }

  /** Listens (port 0 by default) and returns the smpp:// or ssmpp:// URL to bind to. */
  async start(): Promise<string> {
    this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    await once(this.server, 'listening');
    const { address, port } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `${this.opts.tls ? 'ssmpp' : 'smpp'}://${host}:${port}`;
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

  /**
   * Sends a delivery receipt for `submit` to the newest receiving session and resolves with the
   * command_status of the deliver_sm_resp (rejects when none comes in time).
   */
  sendReceipt(submit: ReceivedSubmit, spec: ReceiptSpec = {}): Promise<number> {
    return this.sendDeliver('deliver_sm', this.receiptFields(submit, spec));
  }

  /** Sends any deliver_sm/data_sm (carrier-specific receipts) and resolves with the response status. */
  sendDeliver(command: 'deliver_sm' | 'data_sm', fields: Record<string, unknown>): Promise<number> {
    const session = this.receivers[this.receivers.length - 1];
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
    const state = MESSAGE_STATE[stat];
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
      ...(spec.tlvs === false ? {} : { receipted_message_id: id, ...(state === undefined ? {} : { message_state: state }) }),
    };
  }

  private onSession(session: Session): void {
    session.on('error', () => session.destroy()); // a peer's reset must not crash the simulator
    session.on('pdu', (pdu: PDU) => {
      if (pdu.command === 'bind_transceiver' || pdu.command === 'bind_receiver') this.receivers.push(session);
    });
    session.on('close', () => {
      const i = this.receivers.indexOf(session);
      if (i !== -1) this.receivers.splice(i, 1);
    });
    session.on('pdu', (pdu: PDU) => {
      try {
        this.onPdu(session, pdu);
      } catch (err) {
        this.emit('server-error', err);
      }
    });
    this.emit('session', session);
  }

  private onPdu(session: Session, pdu: PDU): void {
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.onBind(session, pdu);
        return;
      case 'enquire_link':
        if (this.opts.answerEnquireLink !== false) session.send(pdu.response());
        this.emit('enquire_link');
        return;
      case 'unbind':
        session.send(pdu.response(), () => session.close());
        this.emit('unbind');
        return;
      case 'submit_sm':
        this.onSubmit(session, pdu);
        return;
      default:
        session.send(pdu.response());
    }
  }

  private onBind(session: Session, pdu: PDU): void {
    const systemId = String(pdu.system_id);
    this.bindAttempts.push({ systemId, command: pdu.command, interfaceVersion: Number(pdu.interface_version) });
    this.emit('bind', pdu);
    const mode = this.opts.bind ?? 'accept';
    if (mode === 'ignore') return;
    let status = 0;
    if (mode === 'refuse') status = this.opts.bindRefuseStatus ?? ESME_RBINDFAIL;
    else if (this.opts.systemId !== undefined && systemId !== this.opts.systemId) status = ESME_RINVSYSID;
    else if (this.opts.password !== undefined && pdu.password !== this.opts.password) status = ESME_RINVPASWD;
    session.send(pdu.response({ command_status: status, system_id: 'SMSGWSIM' }));
    if (status !== 0) setTimeout(() => session.close(), 10);
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
    this.submits.push(submit);
    this.emit('submit', submit);
    const action = this.opts.onSubmit?.(submit, this.submits.length) ?? {};
    if (action.messageId !== undefined) submit.messageId = action.messageId;
    if (action.ignore) return;
    const status = action.status ?? 0;
    if (status === 0 && action.receiptBeforeResp) {
      (this.receivers[this.receivers.length - 1] ?? session).send(new PDU('deliver_sm', this.receiptFields(submit, {})));
    }
    const respond = () => {
      session.send(pdu.response({ command_status: status, message_id: status === 0 ? submit.messageId : '' }));
      if (status === 0 && !action.receiptBeforeResp && this.opts.receiptDelayMs !== undefined && submit.registeredDelivery & 0x01) this.scheduleReceipt(session, submit);
    };
    if (action.delayMs) setTimeout(respond, action.delayMs);
    else respond();
  }

  private scheduleReceipt(session: Session, submit: ReceivedSubmit): void {
    const timer = setTimeout(() => {
      this.receiptTimers.delete(timer);
      const date = smppDate(new Date(submit.receivedAt));
      const done = smppDate(new Date());
      const receipt = new PDU('deliver_sm', {
        source_addr_ton: submit.destTon,
        source_addr_npi: submit.destNpi,
        source_addr: submit.destinationAddr,
        dest_addr_ton: submit.sourceTon,
        dest_addr_npi: submit.sourceNpi,
        destination_addr: submit.sourceAddr,
        esm_class: 0x04,
        data_coding: 0,
        short_message: Buffer.from(`id:${submit.messageId} sub:001 dlvrd:001 submit date:${date} done date:${done} stat:DELIVRD err:000 text:`, 'latin1'),
        receipted_message_id: submit.messageId,
        message_state: 2, // DELIVERED
      });
      session.send(receipt);
    }, this.opts.receiptDelayMs);
    this.receiptTimers.add(timer);
  }
}

/** YYMMDDhhmm, the receipt date format of SMPP 3.4 Appendix B. */
function smppDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}
