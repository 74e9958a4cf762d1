// The production gateway as a process, from the outside: compressed bodies get the same checks as
// plain ones, /readyz tells strangers only whether it is ready, receipt callbacks never follow a
// redirect nor leak their URL's secrets, and a deduplicated repeat answers with an id the status
// API knows.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { exsignBody, getMessage, postExsign, productionEnv, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/gateway';
import { eventually } from '../support/status-api';

let work: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'smsgw-callers-'));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const production = (smscUrl: string, extra: Record<string, string> = {}) => productionEnv(smscUrl, work, extra);

async function startSmsc(options = behaviours.happy()) {
  const fake = await startFakeSmsc(options);
  cleanups.push(() => fake.smsc.stop());
  return fake;
}

async function start(env: Record<string, string>, until: 'ready' | 'listening' = 'ready'): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(env, { until });
  cleanups.push(() => gw.stop());
  return gw;
}

const post = postExsign;
const body = exsignBody;

/** GET from a chosen loopback source address (all of 127/8 is local on Linux). */
function getFrom(localAddress: string, url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress }, (res: IncomingMessage) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request bodies: one reader for plain and compressed', () => {
  it('inflates gzip and deflate, then applies the UTF-8, byte-order-mark and lone-surrogate checks the same way', async () => {
    const { smsc, url } = await startSmsc();
    const gw = await start(production(url));
    const number = (i: number) => `+4474001234${String(i).padStart(2, '0')}`;
    const latin1 = Buffer.from(body(number(1), 'Café 1'), 'latin1');
    const loneSurrogate = `{"MobileNumber":"${number(2)}","MessageText":"code \\ud800 2"}`;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body(number(3), 'BOM 3'))]);
    const bomb = gzipSync(body(number(4), ' '.repeat(1024 * 1024))); // 1 MiB of text in about 1 KiB

    const notUtf8 = { IsSuccess: false, ErrorDetails: 'Request body is not UTF-8 (JSON must be)' };
    const lone = { IsSuccess: false, ErrorDetails: 'Request body has a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which no SMS can carry' };
    const ok = { IsSuccess: true, ErrorDetails: '' };
    const gzip = { 'content-encoding': 'gzip' };
    expect((await post(gw, latin1)).json).toEqual(notUtf8);
    expect((await post(gw, gzipSync(latin1), gzip)).json).toEqual(notUtf8);
    expect((await post(gw, loneSurrogate)).json).toEqual(lone);
    expect((await post(gw, gzipSync(loneSurrogate), gzip)).json).toEqual(lone);
    expect(bomb.length).toBeLessThan(16384);
    expect((await post(gw, bomb, gzip)).json).toEqual({ IsSuccess: false, ErrorDetails: 'Request body larger than 16384 bytes' });
    expect((await post(gw, Buffer.from('not gzip at all'), gzip)).json).toEqual({ IsSuccess: false, ErrorDetails: 'Request body could not be decompressed (damaged gzip or deflate data)' });
    expect((await post(gw, gzipSync(body(number(5), 'x')), { 'content-encoding': 'br' })).json).toEqual({
      IsSuccess: false,
      ErrorDetails: 'Content-Encoding not supported (send gzip, deflate or none)',
    });
    expect(smsc.submits).toHaveLength(0);

    expect((await post(gw, bom)).json).toEqual(ok);
    expect((await post(gw, gzipSync(Buffer.concat([bom.subarray(0, 3), Buffer.from(body(number(6), 'BOM 6'))])), gzip)).json).toEqual(ok);
    expect((await post(gw, gzipSync(body(number(7), 'Café 7')), gzip)).json).toEqual(ok);
    expect((await post(gw, deflateSync(body(number(8), 'Grüße 8')), { 'content-encoding': 'deflate' })).json).toEqual(ok);
    expect((await post(gw, `{"MobileNumber":"${number(9)}","MessageText":"pair \\ud83d\\udd10 9"}`)).json).toEqual(ok);
    expect(smsc.submits.map((s) => s.text)).toEqual(['BOM 3', 'BOM 6', 'Café 7', 'Grüße 8', 'pair 🔐 9']);
    expect(await gw.stop()).toBe(0);
    expect(gw.stderr()).toBe('');
  });
});

describe('probes', () => {
  it('/readyz gives callers outside SMSGW_ALLOWED_IPS the status only; /healthz stays open', async () => {
    const { url } = await startSmsc();
    // 127.0.0.2 is the portal; the test's own 127.0.0.1 is a stranger.
    const bound = await start(production(url, { SMSGW_ALLOWED_IPS: '127.0.0.2' }));
    const nothingListens = 'smpp://127.0.0.1:1'; // port 1 (tcpmux): nothing serves it here, and npm smpp would take port 0 for its default 2775
    const unbound = await start(production(nothingListens, { SMSGW_ALLOWED_IPS: '127.0.0.2' }), 'listening');

    expect(await getFrom('127.0.0.1', `${bound.httpUrl}/readyz`)).toEqual({ status: 200, json: { status: 'ready' } });
    expect(await getFrom('127.0.0.2', `${bound.httpUrl}/readyz`)).toEqual({
      status: 200,
      json: { status: 'ready', binds: [{ smsc: 'default', session: 0, state: 'bound' }] },
    });
    expect(await getFrom('127.0.0.1', `${unbound.httpUrl}/readyz`)).toEqual({ status: 503, json: { status: 'not ready' } });
    await waitFor(() => unbound.logs().some((l) => l.reason === 'connect-failed'), 'a failed connect');
    const detail = await getFrom('127.0.0.2', `${unbound.httpUrl}/readyz`);
    expect(detail.status).toBe(503);
    // The detail names the SMSC's address; only the allowed caller sees it.
    expect(JSON.stringify(detail.json)).toContain(nothingListens.replace('smpp://', ''));
    expect(await getFrom('127.0.0.1', `${unbound.httpUrl}/healthz`)).toEqual({ status: 200, json: { status: 'ok' } });
  });
});

describe('receipt callbacks', () => {
  it('never follow a redirect (retried, then failed), send URL credentials as Basic, log the origin only, and are counted', async () => {
    const hits: { path: string; method: string; authorization?: string }[] = [];
    let answer = 302;
    const receiver: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push({ path: req.url ?? '', method: req.method ?? '', authorization: req.headers.authorization });
        if (req.url?.startsWith('/elsewhere')) return res.writeHead(200).end();
        res.writeHead(answer, answer === 302 ? { location: '/elsewhere' } : {}).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    const { url } = await startSmsc({ receiptDelayMs: 0 });
    const gw = await start(
      production(url, {
        SMSGW_DLR_CALLBACK_URL: `http://cb-user:cb-pass-4411@${origin.slice(7)}/receipts?key=cb-query-7733`,
        SMSGW_DLR_CALLBACK_ATTEMPTS: '2',
        SMSGW_DLR_CALLBACK_RETRY_DELAY_MS: '20',
      }),
    );
    const first = await post(gw, body('+447400123456', 'Your code is 4242'));
    expect(first.json.IsSuccess).toBe(true);
    await waitFor(() => gw.logs().some((l) => l.msg === 'receipt callback failed; giving up'), 'the callback to give up', 5000);
    const basic = `Basic ${Buffer.from('cb-user:cb-pass-4411').toString('base64')}`;
    expect(hits).toEqual([
      { path: '/receipts?key=cb-query-7733', method: 'POST', authorization: basic },
      { path: '/receipts?key=cb-query-7733', method: 'POST', authorization: basic },
    ]);
    expect(gw.logs().find((l) => l.msg === 'receipt callback failed; giving up')).toMatchObject({
      callback: origin,
      messageId: first.messageId,
      failure: 'HTTP 302 redirect (not followed)',
      attempts: 2,
    });
    expect(await gw.metric('smsgw_dlr_callbacks_total{outcome="failed"}')).toBe(1);

    answer = 204;
    expect((await post(gw, body('+447400123457', 'Your code is 4343'))).json.IsSuccess).toBe(true);
    await eventually(async () => (await gw.metric('smsgw_dlr_callbacks_total{outcome="sent"}')) === 1, 'the second callback to be sent');
    expect(hits).toHaveLength(3);
    expect(await gw.metric('smsgw_dlr_callbacks_total{outcome="dropped"}')).toBe(0);
    expect(await gw.stop()).toBe(0);
    // Neither the password nor the query reached any log line, the start-up configuration included.
    const logs = gw.stdout.join('\n');
    expect(logs).toContain('"callbackUrl":"[redacted]"');
    for (const secret of ['cb-pass-4411', 'cb-query-7733', 'cb-user']) expect(logs).not.toContain(secret);
  });
});

describe('deduplicated repeats', () => {
  it('answer with the first request’s X-Message-Id, which the status API resolves at once, in flight or after', async () => {
    const { smsc, url } = await startSmsc(behaviours.slow(200));
    const gw = await start(production(url, { SMSGW_STORE: 'sqlite' }));
    const request = body('+447400123456', 'Your code is 5151');
    // The repeat goes out once the first is at the SMSC, which answers it 200 ms later.
    const [first, inFlightRepeat] = await Promise.all([post(gw, request), once(smsc, 'submit').then(() => post(gw, request))]);
    const laterRepeat = await post(gw, request);
    expect(smsc.submits).toHaveLength(1);
    for (const answer of [first, inFlightRepeat, laterRepeat]) expect(answer.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(inFlightRepeat.messageId).toBe(first.messageId);
    expect(laterRepeat.messageId).toBe(first.messageId);
    const status = await getMessage(gw, inFlightRepeat.messageId);
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toMatchObject({ id: first.messageId, status: 'accepted', segments: [{ smscMessageId: smsc.submits[0]!.messageId }] });
    await waitFor(() => gw.logs().filter((l) => l.msg === 'exsign request').length === 3, 'three request lines');
    const lines = gw.logs().filter((l) => l.msg === 'exsign request');
    // (The in-flight repeat may finish logging before the first does.)
    expect(lines.map((l) => [l.messageId, l.deduplicated ?? false]).sort()).toEqual([
      [first.messageId, false],
      [first.messageId, true],
      [first.messageId, true],
    ]);
  });
});
