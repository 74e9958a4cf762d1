// The library limit: a bare npm `smpp` 0.5.1 session, no gateway around it, sending the same
// submit_sm the gateway sends (pre-encoded GSM 03.38 Buffer, data_coding 0, the same addresses
// and registered_delivery) with at most --window outstanding, and acking receipts. Run in its own
// process by bench.ts; prints one JSON line. Like the gateway, it is warmed up first (--warmup
// messages, not counted); CPU is this process's own, from the end of the warm-up to the last response.
import { connect, PDU } from 'smpp';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const port = Number(args.get('port'));
const total = Number(args.get('n') ?? 50000);
const window = Number(args.get('window') ?? 100);
const registeredDelivery = Number(args.get('registered-delivery') ?? 0);
const maxSeconds = Number(args.get('max-seconds') ?? 60);
const warmup = Number(args.get('warmup') ?? 0);

const text = Buffer.from('Your code is 123456', 'latin1'); // GSM 03.38 unpacked = ASCII for these characters
let phaseTotal = warmup || total;
let warming = warmup > 0;
let sent = 0;
let answered = 0;
let failed = 0;
let receipts = 0;
let inflight = 0;
let started = 0;
let cpuAtStart = process.cpuUsage();

// Nagle off, as a tuned client would have it: with receipts, acks otherwise wait for delayed ACKs
const session = connect({ host: '127.0.0.1', port, noDelay: true });
session.on('error', (err: Error) => finish(`session error: ${err.message}`));
session.on('pdu', (pdu: PDU) => {
  if (pdu.command === 'deliver_sm') {
    receipts++;
    session.send(pdu.response());
    if (done()) next();
  } else if (pdu.command === 'enquire_link') {
    session.send(pdu.response());
  }
});
session.on('connect', () => {
  session.send(new PDU('bind_transceiver', { system_id: 'bench', password: 'bench', interface_version: 0x34 }), (resp) => {
    if (resp.command_status !== 0) return finish(`bind refused: ${resp.command_status}`);
    started = performance.now();
    cpuAtStart = process.cpuUsage();
    pump();
  });
});
const guard = setTimeout(() => finish(`not done within ${maxSeconds} s`), maxSeconds * 1000);

function pump(): void {
  while (inflight < window && sent < phaseTotal) {
    const i = sent++;
    inflight++;
    const pdu = new PDU('submit_sm', {
      source_addr_ton: 3,
      source_addr_npi: 0,
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: `447400${String(i % 1000000).padStart(6, '0')}`,
      esm_class: 0,
      registered_delivery: registeredDelivery,
      data_coding: 0,
      short_message: text,
    });
    session.send(pdu, (resp) => {
      inflight--;
      answered++;
      if (resp.command_status !== 0) failed++;
      if (done()) next();
      else pump();
    });
  }
}

/** Every response of the phase in, and with receipts requested every receipt acked too. */
function done(): boolean {
  return answered === phaseTotal && (registeredDelivery === 0 || receipts >= phaseTotal);
}

/** From the warm-up to the measured run, or the end. */
function next(): void {
  if (!warming) return finish();
  if (failed) return finish(`${failed} warm-up submits refused`);
  warming = false;
  phaseTotal = total;
  sent = answered = receipts = 0;
  started = performance.now();
  cpuAtStart = process.cpuUsage();
  pump();
}

function finish(error?: string): void {
  clearTimeout(guard);
  const seconds = started ? (performance.now() - started) / 1000 : 0;
  const cpu = process.cpuUsage(cpuAtStart);
  const result = {
    error,
    answered,
    failed,
    receipts,
    seconds,
    msgsPerSecond: seconds > 0 ? answered / seconds : 0,
    cpuUsPerMessage: answered ? (cpu.user + cpu.system) / answered : 0,
    peakRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  session.destroy();
  process.exit(error ? 1 : 0);
}
