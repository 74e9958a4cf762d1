// Failed binds as operations see them: a gateway against a misbehaving fake SMSC over loopback,
// read through its /metrics endpoint. (Successful binds, link drops and keep-alive failures are
// covered by test/system/observability.test.ts.)
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { PDU } from 'smpp';
import { observeBind } from '../../src/metrics/bind-metrics';
import { createMetrics } from '../../src/metrics/metrics';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { SmppBind } from '../../src/smpp/smpp-bind';
import { bindOptions } from '../support/bind';
import { behaviours, startFakeSmsc, withTruncatedTlv } from '../support/fake-smsc';
import { parseExposition, seriesOf, valueOf } from '../support/exposition';
import { startGateway, type TestGateway } from '../support/gateway';

const SMSC = 'carrier-b';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function scrape(gw: TestGateway) {
  const res = await fetch(`${gw.gateway.metricsUrl()}/metrics`, { signal: AbortSignal.timeout(2000) });
  return parseExposition(await res.text());
}

/** Scrapes until `name{labels}` reaches at least `min`; bounded. */
async function scrapeUntil(gw: TestGateway, name: string, labels: Record<string, string>, min: number, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(gw);
    if (valueOf(samples, name, labels) >= min) return samples;
    if (Date.now() > until) throw new Error(`${name}${JSON.stringify(labels)} stayed below ${min} for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gatewayFor(smscUrl: string) {
  // A generous connect timeout: a loaded machine must not add connect timeouts to the counts.
  const gw = await startGateway(smscUrl, { SMSGW_SMSC_NAME: SMSC, SMSGW_SMSC_CONNECT_TIMEOUT_MS: '5000' });
  cleanups.push(() => gw.stop());
  return gw;
}

test('a refused bind counts as result="refused" and leaves the bind down', async () => {
  const fake = await startFakeSmsc(behaviours['refuse-bind']());
  cleanups.push(() => fake.smsc.stop());
  const gw = await gatewayFor(fake.url);
  const samples = await scrapeUntil(gw, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'refused' }, 1);
  // Refused credentials wait SMSGW_SMSC_BIND_REFUSED_DELAY_MS (60 s by default): one attempt only.
  expect(fake.smsc.bindAttempts).toHaveLength(1);
  expect(seriesOf(samples, 'smsgw_smpp_bind_attempts_total')).toEqual({
    [`smsc=${SMSC},result=success`]: 0,
    [`smsc=${SMSC},result=refused`]: 1,
    [`smsc=${SMSC},result=timeout`]: 0,
    [`smsc=${SMSC},result=connect_failed`]: 0,
    [`smsc=${SMSC},result=dropped`]: 0,
  });
  expect(valueOf(samples, 'smsgw_smpp_bind_up', { smsc: SMSC, session: '0' })).toBe(0);
});

test('an unanswered bind counts as result="timeout" and as a bind_timeout disconnect', async () => {
  const fake = await startFakeSmsc(behaviours['blackhole-bind']());
  cleanups.push(() => fake.smsc.stop());
  const gw = await gatewayFor(fake.url);
  const samples = await scrapeUntil(gw, 'smsgw_smpp_disconnects_total', { smsc: SMSC, reason: 'bind_timeout' }, 1);
  const timeouts = valueOf(samples, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'timeout' });
  expect(timeouts).toBe(valueOf(samples, 'smsgw_smpp_disconnects_total', { smsc: SMSC, reason: 'bind_timeout' }));
  // Each counted timeout was a bind_transceiver the SMSC received (another may be under way).
  expect(fake.smsc.bindAttempts.length).toBeGreaterThanOrEqual(timeouts);
  expect(valueOf(samples, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'success' })).toBe(0);
  expect(valueOf(samples, 'smsgw_smpp_bind_up', { smsc: SMSC, session: '0' })).toBe(0);
});

test('a refused TCP connection counts as result="connect_failed"', async () => {
  const gw = await gatewayFor('smpp://127.0.0.1:1'); // port 1 (tcpmux): nothing serves it here, and npm smpp would take port 0 for its default 2775
  const samples = await scrapeUntil(gw, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'connect_failed' }, 1);
  expect(valueOf(samples, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'success' })).toBe(0);
  expect(valueOf(samples, 'smsgw_smpp_window_size', { smsc: SMSC })).toBe(0); // no bound session, no window
});

test('an SMSC that hangs up on the bind counts as result="dropped", not as a success or nothing', async () => {
  // A TCP peer that accepts, reads the bind_transceiver and closes without answering.
  let binds = 0;
  const peer = createServer((socket) => socket.once('data', () => {
      binds++;
      socket.destroy();
    }),
  );
  peer.listen(0, '127.0.0.1');
  await once(peer, 'listening');
  cleanups.push(() => new Promise((resolve) => peer.close(() => resolve())));
  const gw = await gatewayFor(`smpp://127.0.0.1:${(peer.address() as AddressInfo).port}`);
  const samples = await scrapeUntil(gw, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'dropped' }, 1);
  const dropped = valueOf(samples, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result: 'dropped' });
  expect(binds).toBeGreaterThanOrEqual(dropped);
  for (const result of ['success', 'refused', 'timeout', 'connect_failed']) {
    expect(valueOf(samples, 'smsgw_smpp_bind_attempts_total', { smsc: SMSC, result })).toBe(0);
  }
  // The link was never up, so it is an attempt's failure, and also the session's end.
  expect(valueOf(samples, 'smsgw_smpp_disconnects_total', { smsc: SMSC, reason: 'link_lost' })).toBe(dropped);
});

test('a deliver_sm the library cannot decode counts as a malformed PDU, answered, with no disconnect', async () => {
  const fake = await startFakeSmsc();
  cleanups.push(() => fake.smsc.stop());
  const gw = await gatewayFor(fake.url);
  await scrapeUntil(gw, 'smsgw_smpp_bind_up', { smsc: SMSC, session: '0' }, 1);
  const session = fake.smsc.sessions[0]!;
  const answered = new Promise<PDU>((resolve) => session.on('pdu', (pdu: PDU) => pdu.command === 'deliver_sm_resp' && resolve(pdu)));
  fake.smsc.sendRaw(withTruncatedTlv(new PDU('deliver_sm', { sequence_number: 31, source_addr: '447400123456', destination_addr: 'ExSign', short_message: Buffer.from('hi') })));
  expect(await answered).toMatchObject({ sequence_number: 31, command_status: COMMAND_STATUS.ESME_RINVTLVLEN });
  const samples = await scrapeUntil(gw, 'smsgw_smpp_malformed_pdus_total', { smsc: SMSC }, 1);
  expect(valueOf(samples, 'smsgw_smpp_malformed_pdus_total', { smsc: SMSC })).toBe(1);
  expect(valueOf(samples, 'smsgw_smpp_disconnects_total', { smsc: SMSC, reason: 'malformed_pdu' })).toBe(0);
  expect(valueOf(samples, 'smsgw_smpp_bind_up', { smsc: SMSC, session: '0' })).toBe(1);
  expect(fake.smsc.bindAttempts).toHaveLength(1);
});

test('every session of every SMSC has its bind_up series at 0 from the start, before any bind', async () => {
  const metrics = createMetrics({ smscs: [SMSC], version: 'test' });
  // Binds that are never started: the series exist before any connection.
  for (const session of ['0', '1', '2']) observeBind(new SmppBind(bindOptions('smpp://127.0.0.1:1', { session })), SMSC, session, metrics);
  const text = await metrics.registry.metrics();
  expect(text.split('\n').filter((line) => line.startsWith('smsgw_smpp_bind_up{'))).toEqual(
    ['0', '1', '2'].map((session) => `smsgw_smpp_bind_up{smsc="${SMSC}",session="${session}"} 0`),
  );
});
