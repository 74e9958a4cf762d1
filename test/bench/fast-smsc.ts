// Benchmark SMSC: a hand-written SMPP 3.4 responder on net.Server, run in its own process by
// bench.ts (child_process.fork). It answers every submit_sm at once with ESME_ROK and a unique
// message_id and, when receipts are on and the submit asks for one, sends a deliver_sm receipt
// right behind the response. It is written without node-smpp so that it costs little CPU per
// message and leaves the 2 cores to the system under test (as the team's reference harness does with its raw engine); what it
// sends is plain SMPP 3.4 that node-smpp and Kannel decode.
//
// Control over the IPC channel: {id, cmd: 'stats' | 'reset' | 'receipts', on?} → {id, stats}.
// It stops by itself after --max-seconds, or when its parent goes away.
import { createServer, type Socket } from 'node:net';
import { RECEIPT_STATS } from '../../src/dlr/receipt-stat';
import { COMMAND_ID, RESPONSE_BIT as RESP } from '../../src/smpp/command-id';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import type { SmscStats as Stats } from './smsc-control';

type Receipts = 'never' | 'requested';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const port = Number(args.get('port') ?? 0);
const maxSeconds = Number(args.get('max-seconds') ?? 900);
let receipts: Receipts = args.get('receipts') === 'requested' ? 'requested' : 'never';

const { submit_sm: SUBMIT_SM, deliver_sm: DELIVER_SM, unbind: UNBIND, enquire_link: ENQUIRE_LINK, generic_nack: GENERIC_NACK } = COMMAND_ID;
const { ESME_RINVBNDSTS, ESME_RINVCMDID } = COMMAND_STATUS;
const BIND_COMMANDS = new Set<number>([COMMAND_ID.bind_receiver, COMMAND_ID.bind_transmitter, COMMAND_ID.bind_transceiver]);
const UDHI = 0x40;
const MAX_PDU = 65536;

const sockets = new Set<Socket>();
let stats: Stats = fresh();
let messageId = 0;

function fresh(): Stats {
  return { submits: 0, udhParts: 0, firstMs: 0, lastMs: 0, receiptsSent: 0, receiptsAcked: 0, binds: 0, sessions: sockets.size };
}

function header(length: number, command: number, status: number, sequence: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(command >>> 0, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(sequence, 12);
  return b;
}

function response(command: number, status: number, sequence: number, cstring?: string): Buffer {
  const bodyLength = cstring === undefined ? 0 : Buffer.byteLength(cstring, 'latin1') + 1;
  const b = header(16 + bodyLength, (command | RESP) >>> 0, status, sequence);
  if (cstring !== undefined) {
    b.write(cstring, 16, 'latin1');
    b[16 + bodyLength - 1] = 0;
  }
  return b;
}

interface SubmitView {
  sourceTon: number;
  sourceNpi: number;
  source: string;
  destTon: number;
  destNpi: number;
  destination: string;
  esmClass: number;
  registeredDelivery: number;
}

/** The submit_sm fields a receipt needs, read in SMPP 3.4 §4.4.1 order. */
function readSubmit(pdu: Buffer): SubmitView {
  let offset = 16;
  const octet = () => pdu[offset++]!;
  const cstring = () => {
    const end = pdu.indexOf(0, offset);
    if (end < 0) throw new Error('unterminated C-octet string');
    const value = pdu.toString('latin1', offset, end);
    offset = end + 1;
    return value;
  };
  cstring(); // service_type
  const sourceTon = octet();
  const sourceNpi = octet();
  const source = cstring();
  const destTon = octet();
  const destNpi = octet();
  const destination = cstring();
  const esmClass = octet();
  offset += 2; // protocol_id, priority_flag
  cstring(); // schedule_delivery_time
  cstring(); // validity_period
  const registeredDelivery = octet();
  return { sourceTon, sourceNpi, source, destTon, destNpi, destination, esmClass, registeredDelivery };
}

function smppTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/** deliver_sm receipt (esm_class 0x04) with receipted_message_id and message_state TLVs. */
function receipt(submit: SubmitView, id: string, sequence: number): Buffer {
  const now = smppTime(new Date());
  const text = Buffer.from(`id:${id} sub:001 dlvrd:001 submit date:${now} done date:${now} stat:DELIVRD err:000 text:`, 'latin1');
  const src = Buffer.from(`${submit.destination}\0`, 'latin1');
  const dst = Buffer.from(`${submit.source}\0`, 'latin1');
  const idTlv = Buffer.from(`${id}\0`, 'latin1');
  const length = 16 + 1 + 2 + src.length + 2 + dst.length + 3 + 1 + 1 + 4 + 1 + text.length + (4 + idTlv.length) + (4 + 1);
  const b = header(length, DELIVER_SM, 0, sequence);
  let o = 16;
  b[o++] = 0; // service_type ""
  b[o++] = submit.destTon;
  b[o++] = submit.destNpi;
  o += src.copy(b, o);
  b[o++] = submit.sourceTon;
  b[o++] = submit.sourceNpi;
  o += dst.copy(b, o);
  b[o++] = 0x04; // esm_class: SMSC delivery receipt
  b[o++] = 0; // protocol_id
  b[o++] = 0; // priority_flag
  b[o++] = 0; // schedule_delivery_time ""
  b[o++] = 0; // validity_period ""
  b[o++] = 0; // registered_delivery
  b[o++] = 0; // replace_if_present_flag
  b[o++] = 0; // data_coding
  b[o++] = 0; // sm_default_msg_id
  b[o++] = text.length;
  o += text.copy(b, o);
  b.writeUInt16BE(0x001e, o); // receipted_message_id
  b.writeUInt16BE(idTlv.length, o + 2);
  o += 4 + idTlv.copy(b, o + 4);
  b.writeUInt16BE(0x0427, o); // message_state
  b.writeUInt16BE(1, o + 2);
  b[o + 4] = RECEIPT_STATS.DELIVRD.messageState;
  return b;
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  let pending: Buffer | undefined;
  let bound = false;
  let sequence = 0;
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    try {
      onData(chunk);
    } catch {
      socket.destroy(); // a malformed PDU from the system under test ends its session
    }
  });
  function onData(chunk: Buffer): void {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let offset = 0;
    while (buf.length - offset >= 16) {
      const length = buf.readUInt32BE(offset);
      if (length < 16 || length > MAX_PDU) {
        socket.destroy();
        return;
      }
      if (buf.length - offset < length) break;
      const pdu = buf.subarray(offset, offset + length);
      offset += length;
      const command = pdu.readUInt32BE(4);
      const seq = pdu.readUInt32BE(12);
      if (command === SUBMIT_SM) {
        if (!bound) {
          out.push(response(command, ESME_RINVBNDSTS, seq));
          continue;
        }
        const now = Date.now();
        if (!stats.firstMs) stats.firstMs = now;
        stats.lastMs = now;
        stats.submits++;
        const id = (++messageId).toString(16);
        out.push(response(command, 0, seq, id));
        const submit = readSubmit(pdu);
        if (submit.esmClass & UDHI) stats.udhParts++;
        if (receipts === 'requested' && submit.registeredDelivery & 0x03) {
          sequence = (sequence % 0x7fffffff) + 1;
          out.push(receipt(submit, id, sequence));
          stats.receiptsSent++;
        }
      } else if (command === (DELIVER_SM | RESP) >>> 0) {
        stats.receiptsAcked++;
      } else if (BIND_COMMANDS.has(command)) {
        bound = true;
        stats.binds++;
        out.push(response(command, 0, seq, 'BENCHSMSC'));
      } else if (command === ENQUIRE_LINK) {
        out.push(response(command, 0, seq));
      } else if (command === UNBIND) {
        out.push(response(command, 0, seq));
        bound = false;
      } else if (!(command & RESP)) {
        out.push(header(16, GENERIC_NACK, ESME_RINVCMDID, seq));
      }
    }
    pending = offset < buf.length ? buf.subarray(offset) : undefined;
    if (out.length) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }
});

process.on('message', (msg: { id: number; cmd: string; on?: boolean }) => {
  if (msg.cmd === 'reset') stats = fresh();
  if (msg.cmd === 'receipts') receipts = msg.on ? 'requested' : 'never';
  process.send?.({ id: msg.id, stats: { ...stats, sessions: sockets.size } });
});
process.on('disconnect', () => stop());
process.on('SIGTERM', () => stop());
process.on('SIGINT', () => stop());
setTimeout(() => stop(), maxSeconds * 1000).unref();

function stop(): void {
  for (const socket of sockets) socket.destroy();
  server.close();
  setTimeout(() => process.exit(0), 50).unref();
}

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ id: 0, listening: typeof address === 'object' && address ? address.port : port });
});
