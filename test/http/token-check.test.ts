import { request } from 'node:http';
import { connect } from 'node:net';
import { createTokenCheck } from '../../src/http/token-check';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, TEST_TOKEN, tokenHeader, type TestGateway } from '../support/gateway';
import { prng, testSeed } from '../support/prng';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
// The random tokens come from this seed, printed in the tests' names; SMSGW_TOKEN_SEED=<seed> replays them.
const SEED = testSeed('SMSGW_TOKEN_SEED');

/** Near misses and re-encodings of `token`: every one must be refused. */
function wrongHeaders(token: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < token.length; i++) out.push(`token ${b64(token.slice(0, i))}`, `token ${token.slice(0, i)}`); // every shorter prefix
  for (const c of ['a', '=', ' ', '\t', '\u00e9']) out.push(`token ${b64(token + c)}`);
  out.push(
    `token ${b64(token).replace(/=+$/, '')}`, // padding stripped
    `token ${b64(token)}==`,
    `token ${b64url(token)}`,
    `token ${b64(b64(token))}`, // encoded twice
    `token ${Buffer.from(token).toString('hex')}`,
    `token ${b64(token.toUpperCase())}`,
    `token ${b64(Buffer.from(token, 'utf16le'))}`,
    `token ${b64(`${token}\n`)}`, // a token file's newline
    `token ${b64(token)} ${b64(token)}`, // two credentials
    `Bearer ${b64(token)}`,
    `Basic ${b64(`user:${token}`)}`,
    `token${b64(token)}`,
    `${b64(token)}x`,
    'token',
    'token =',
    `token ${'A'.repeat(8000)}`,
  );
  // Random tokens of every length from 1 to 200, raw and base64, printable and Latin-1.
  const random = prng(SEED);
  for (let len = 1; len <= 200; len++) {
    const ascii = random.bytes(len).toString('base64').slice(0, len);
    const latin1 = Buffer.from(Array.from({ length: len }, () => 0x80 + random.int(0x80))).toString('latin1');
    out.push(`token ${ascii}`, `token ${b64(ascii)}`, `token ${latin1}`, `token ${b64(latin1)}`);
  }
  // A re-encoding can equal the real header (no padding to strip, no +/ for base64url to change).
  return out.filter((h) => h !== `token ${b64(token)}`);
}

describe('token check', () => {
  const check = createTokenCheck(TEST_TOKEN);

  it('accepts the base64 token (any scheme case, any spacing) and the raw token', () => {
    for (const header of [tokenHeader(), `TOKEN ${b64(TEST_TOKEN)}`, `  token \t ${b64(TEST_TOKEN)}  `, `token ${TEST_TOKEN}`, b64(TEST_TOKEN)]) {
      expect(check(header)).toBe('ok');
    }
  });

  it('says missing for no header or a blank one', () => {
    expect(check(undefined)).toBe('missing');
    expect(check('')).toBe('missing');
    expect(check('   ')).toBe('missing');
  });

  it(`refuses every near miss and random token of every length and encoding (seed ${SEED})`, () => {
    const headers = wrongHeaders(TEST_TOKEN);
    expect(headers.length).toBeGreaterThan(800);
    expect(wrongHeaders(TEST_TOKEN)).toEqual(headers); // the seed alone decides them, so it replays them
    const accepted = headers.filter((h) => check(h) !== 'invalid');
    expect(accepted).toEqual([]);
  });

  it('accepts the previous token during a rotation and says so; the current one wins when both match', () => {
    const rotating = createTokenCheck('new-token-aaaaaaaaaaaa', 'old-token-bbbbbbbbbbbb');
    expect(rotating(`token ${b64('new-token-aaaaaaaaaaaa')}`)).toBe('ok');
    expect(rotating(`token ${b64('old-token-bbbbbbbbbbbb')}`)).toBe('previous');
    expect(rotating(`token ${b64('other-token-ccccccccc')}`)).toBe('invalid');
    expect(createTokenCheck('same-token-dddddddddd', 'same-token-dddddddddd')(`token ${b64('same-token-dddddddddd')}`)).toBe('ok');
  });

  it('never accepts anything when no token is configured (an empty previous token is not a token)', () => {
    const none = createTokenCheck('', '');
    for (const header of ['token ', 'token', 'token ""', `token ${b64('')}`, 'x']) expect(none(header)).toBe('invalid');
    const noPrevious = createTokenCheck(TEST_TOKEN, '');
    expect(noPrevious('token')).toBe('invalid');
  });
});

describe('token check over HTTP', () => {
  let smsc: SmscSimulator;
  let gw: TestGateway;
  const NEW = 'rotated-token-4b1d9e7c';
  beforeAll(async () => {
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    gw = await startGateway(fake.url, { SMSGW_AUTH_TOKEN: NEW, SMSGW_AUTH_TOKEN_PREVIOUS: TEST_TOKEN });
  });
  afterAll(async () => {
    await gw.stop();
    await smsc.stop();
  });
  beforeEach(() => {
    smsc.submits.length = 0;
  });

  it(`refuses wrong tokens of every length and encoding (Latin-1 bytes included) and sends nothing (seed ${SEED})`, async () => {
    const headers = wrongHeaders(NEW).filter((_, i) => i % 3 === 0); // a third of them: enough over a socket
    for (const authorization of headers) {
      const res = await post(gw, authorization);
      expect({ authorization, res }).toEqual({ authorization, res: { status: 200, json: { IsSuccess: false, ErrorDetails: 'Authorization token not accepted' } } });
    }
    expect(smsc.submits).toHaveLength(0);
  });

  it('answers a header with bytes HTTP forbids in the contract shape', async () => {
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.end(`POST /exsign/sms HTTP/1.1\r\nHost: x\r\nAuthorization: token \u0000\u0001abc\r\nContent-Length: 2\r\n\r\n{}`, 'latin1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    await new Promise((r) => socket.on('close', r));
    expect(data).toMatch(/^HTTP\/1.1 400 /);
    expect(JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4))).toEqual({ IsSuccess: false, ErrorDetails: 'Malformed HTTP request' });
  });

  it('accepts both tokens during a rotation, counts and logs uses of the previous one', async () => {
    expect((await gw.post(sms('code 1'), { authorization: tokenHeader(NEW) })).json.IsSuccess).toBe(true);
    expect((await gw.post(sms('code 2'), { authorization: tokenHeader(TEST_TOKEN) })).json.IsSuccess).toBe(true);
    expect(smsc.submits).toHaveLength(2);
    const lines = gw.logs.records().filter((r) => r.msg === 'exsign request').slice(-2);
    expect(lines.map((l) => l.auth)).toEqual([undefined, 'previous-token']);
    const metrics = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
    expect(metrics).toMatch(/^smsgw_auth_previous_token_requests_total 1$/m);
    expect(gw.logs.records().some((r) => r.level === 40 && String(r.msg).startsWith('SMSGW_AUTH_TOKEN_PREVIOUS is set'))).toBe(true);
    expect(gw.logs.text).not.toContain(NEW);
    expect(gw.logs.text).not.toContain(b64(NEW));
  });
});

function post(gw: TestGateway, authorization: string): Promise<{ status: number; json: unknown }> {
  const { hostname, port } = new URL(gw.url);
  const body = JSON.stringify(sms('Your code is 1234'));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path: gw.config.http.exsignPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
