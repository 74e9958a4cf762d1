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
  private readonly server: Server;
  private nextMessageId = 0x1000;
  private readonly receiptTimers = new Set<NodeJS.Timeout>();
  private readonly bindTypes = new WeakMap<Session, string>();

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

  async stop(): Promise<void> {
    for (const timer of this.receiptTimers) clearTimeout(timer);
    this.receiptTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
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
    else this.bindTypes.set(session, pdu.command);
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
    if (action.ignore) return;
    const status = action.status ?? 0;
    const respond = () => {
      session.send(pdu.response({ command_status: status, message_id: status === 0 ? submit.messageId : '' }));
      if (status === 0 && this.opts.receiptDelayMs !== undefined && submit.registeredDelivery & 0x01) this.scheduleReceipt(session, submit);
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
      const target = this.receiptSession(session);
      target?.send(receipt);
      this.emit('receipt', { messageId: submit.messageId, bind: target ? this.bindTypes.get(target) : undefined });
    }, this.opts.receiptDelayMs);
    this.receiptTimers.add(timer);
  }

  /** Receipts go to a session that can receive: the submitting transceiver, else any receiver. */
  private receiptSession(submitter: Session): Session | undefined {
    if (this.bindTypes.get(submitter) === 'bind_transceiver' && !submitter.socket.destroyed) return submitter;
    return this.server.sessions.find((s) => ['bind_receiver', 'bind_transceiver'].includes(this.bindTypes.get(s) ?? ''));
  }
}

/** YYMMDDhhmm, the receipt date format of SMPP 3.4 Appendix B. */
function smppDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;
}
