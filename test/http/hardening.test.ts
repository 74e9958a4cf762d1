import { connect } from 'node:net';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, tokenHeader, type TestGateway } from '../support/gateway';

/**
 * Writes raw bytes (optionally in pieces with pauses, a slow client), returns everything the
 * server sent until it closed, and whether that was after the client had sent every piece.
 */
async function rawExchange(gw: TestGateway, pieces: (string | number)[]): Promise<{ text: string; closedEarly: boolean }> {
  const { port } = new URL(gw.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  let text = '';
  let closed = false;
  socket.on('data', (d) => (text += d.toString('latin1')));
  const done = new Promise<void>((resolve) => socket.on('close', () => ((closed = true), resolve())));
  for (const piece of pieces) {
    if (closed) break;
    if (typeof piece === 'number') await new Promise((r) => setTimeout(r, piece));
    else socket.write(piece, 'latin1');
  }
  const closedEarly = closed;
  await done;
  return { text, closedEarly };
}

const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;

describe('request limits', () => {
  let smsc: SmscSimulator;
  let gw: TestGateway;
  beforeAll(async () => {
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    gw = await startGateway(fake.url, { SMSGW_HTTP_HEADERS_TIMEOUT_MS: '300', SMSGW_REQUEST_DEADLINE_MS: '1000' });
  });
  afterAll(async () => {
    await gw.stop();
    await smsc.stop();
  });
  beforeEach(() => {
    smsc.submits.length = 0;
  });

  it('cuts off a slowloris client that trickles its headers', async () => {
    const trickle = ['POST /exsign/sms HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => [`X-Slow-${i}: a\r\n`, 100]).flat()];
    const { text, closedEarly } = await rawExchange(gw, trickle);
    expect(closedEarly).toBe(true); // cut off before the 4 s of trickle were over
    expect(text).toMatch(/^HTTP\/1.1 408 /);
    expect(bodyOf(text)).toEqual({ IsSuccess: false, ErrorDetails: 'Request not received in time' });
  });

  it('cuts off a client that sends its headers and then trickles the body', async () => {
    const head = `POST /exsign/sms HTTP/1.1\r\nHost: x\r\nAuthorization: ${tokenHeader()}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const trickle = [head, ...Array.from({ length: 60 }, () => ['{', 100]).flat()];
    const { text, closedEarly } = await rawExchange(gw, trickle);
    // Cut off before the 6 s of trickle were over: at deadline + headers timeout (1.3 s) plus Node's check interval.
    expect(closedEarly).toBe(true);
    expect(text).toMatch(/^HTTP\/1.1 408 /);
    expect(bodyOf(text)).toEqual({ IsSuccess: false, ErrorDetails: 'Request not received in time' });
    expect(smsc.submits).toHaveLength(0);
  });

  it('answers oversized headers with 431 and a contract body', async () => {
    const { text } = await rawExchange(gw, [`POST /exsign/sms HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`]);
    expect(text).toMatch(/^HTTP\/1.1 431 /);
    expect(bodyOf(text)).toEqual({ IsSuccess: false, ErrorDetails: 'Request headers too large' });
  });

  it('answers an oversized chunked body (no Content-Length) with the contract body and sends nothing', async () => {
    const chunk = 'x'.repeat(4096);
    const chunks = Array.from({ length: 8 }, () => `${(4096).toString(16)}\r\n${chunk}\r\n`).join('');
    const { text } = await rawExchange(gw, [
      `POST /exsign/sms HTTP/1.1\r\nHost: x\r\nAuthorization: ${tokenHeader()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${chunks}0\r\n\r\n`,
    ]);
    expect(text).toMatch(/^HTTP\/1.1 200 /);
    expect(bodyOf(text)).toEqual({ IsSuccess: false, ErrorDetails: 'Request body larger than 16384 bytes' });
    expect(smsc.submits).toHaveLength(0);
  });

  it('answers malformed HTTP and unknown paths in the contract shape', async () => {
    const malformed = await rawExchange(gw, ['POST /exsign/sms HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n']);
    expect(malformed.text).toMatch(/^HTTP\/1.1 400 /);
    expect(bodyOf(malformed.text)).toEqual({ IsSuccess: false, ErrorDetails: 'Malformed HTTP request' });
    const res = await fetch(`${gw.url}/wp-login.php`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ IsSuccess: false, ErrorDetails: 'No ExSign endpoint at this path' });
  });
});

describe('gateway-level cap on requests in progress', () => {
  it('refuses requests beyond SMSGW_HTTP_MAX_INFLIGHT at once with TOO_MANY_REQUESTS', async () => {
    const { smsc, url } = await startFakeSmsc(behaviours.slow(600));
    const gw = await startGateway(url, { SMSGW_HTTP_MAX_INFLIGHT: '2' });
    try {
      const arrivals: string[] = [];
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => gw.post(sms(`code ${i}`)).then((a) => (arrivals.push(a.json.ErrorDetails), a))));
      const busy = answers.filter((a) => a.json.ErrorDetails === 'Gateway busy: 2 requests already in progress; retry shortly');
      expect(answers.filter((a) => a.json.IsSuccess)).toHaveLength(2);
      expect(busy).toHaveLength(3);
      // Refused without waiting for the SMSC: every refusal came before either answer the SMSC made.
      expect(arrivals.slice(0, 3)).toEqual(busy.map((a) => a.json.ErrorDetails));
      expect(smsc.submits).toHaveLength(2);
      const metrics = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
      expect(metrics).toMatch(/^smsgw_http_requests_total\{outcome="too_many_requests"\} 3$/m);
      expect((await gw.post(sms('after'))).json.IsSuccess).toBe(true); // slots are given back
    } finally {
      await gw.stop();
      await smsc.stop();
    }
  });
});
