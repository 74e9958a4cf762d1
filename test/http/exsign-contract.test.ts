import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, TEST_TOKEN, tokenHeader, type TestGateway } from '../support/gateway';

describe('ExSign contract over HTTP → SMPP', () => {
  let smsc: SmscSimulator;
  let gw: TestGateway;

  beforeAll(async () => {
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    gw = await startGateway(fake.url, { SMSGW_DEFAULT_REGION: 'GB', SMSGW_MAX_SEGMENTS: '4' });
  });
  afterAll(async () => {
    await gw.stop();
    await smsc.stop();
  });
  beforeEach(() => {
    smsc.submits.length = 0;
  });

  it('sends an OTP and answers IsSuccess:true only after ESME_ROK', async () => {
    const res = await gw.post(sms('Your one-time password (OTP) is 1344.'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(res.headers.get('x-message-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(smsc.submits).toHaveLength(1);
    const [submit] = smsc.submits;
    expect(submit).toMatchObject({
      destinationAddr: '447400123456',
      destTon: 1,
      destNpi: 1,
      sourceAddr: 'ExSign',
      sourceTon: 5,
      sourceNpi: 0,
      dataCoding: 0,
      esmClass: 0,
      registeredDelivery: 1,
      text: 'Your one-time password (OTP) is 1344.',
    });
  });

  it('accepts a national number through SMSGW_DEFAULT_REGION and sends international digits', async () => {
    const res = await gw.post(sms('code 1', '07400 123456'));
    expect(res.json.IsSuccess).toBe(true);
    expect(smsc.submits[0]!.destinationAddr).toBe('447400123456');
  });

  it('sends GSM extension characters as escape pairs with data_coding 0', async () => {
    const text = 'Code {42} [ok] ~^|\\ costs 5€';
    const res = await gw.post(sms(text));
    expect(res.json.IsSuccess).toBe(true);
    const [submit] = smsc.submits;
    expect(submit!.dataCoding).toBe(0);
    expect(submit!.text).toBe(text);
  });

  it.each([
    ['Arabic', 'رمز التحقق الخاص بك هو 4821'],
    ['an emoji', 'Your code 4821 🔐'],
  ])('sends %s as UCS-2 (data_coding 8)', async (_name, text) => {
    const res = await gw.post(sms(text));
    expect(res.json.IsSuccess).toBe(true);
    expect(smsc.submits[0]!.dataCoding).toBe(8);
    expect(smsc.submits[0]!.text).toBe(text);
  });

  it.each([
    ['GSM 160 chars', 'a'.repeat(160), 1],
    ['GSM 161 chars', 'a'.repeat(161), 2],
    ['UCS-2 70 chars', 'ж'.repeat(70), 1],
    ['UCS-2 71 chars', 'ж'.repeat(71), 2],
  ])('%s → %i part(s)', async (_name, text, parts) => {
    const res = await gw.post(sms(text));
    expect(res.json.IsSuccess).toBe(true);
    expect(smsc.submits).toHaveLength(parts);
    const multipart = parts > 1;
    for (const submit of smsc.submits) expect(Boolean(submit.esmClass & 0x40)).toBe(multipart);
  });

  it('splits a 3-part message with a UDH and it reassembles at the SMSC to the original text', async () => {
    const text = 'ab€ '.repeat(80); // 400 septets: 3 parts, escape pairs near the boundaries
    const res = await gw.post(sms(text));
    expect(res.json.IsSuccess).toBe(true);
    expect(smsc.submits).toHaveLength(3);
    const parts = smsc.submits.map((s) => ({ udh: s.udh!, text: s.text }));
    const ref = parts[0]!.udh[2];
    parts.sort((a, b) => a.udh[4]! - b.udh[4]!);
    parts.forEach((part, i) => {
      expect([...part.udh]).toEqual([0x00, 0x03, ref, 3, i + 1]);
    });
    // Decoded by the library at the SMSC: nothing split inside an escape pair.
    expect(parts.map((p) => p.text).join('')).toBe(text);
  });

  it('refuses text over SMSGW_MAX_SEGMENTS and sends nothing', async () => {
    const res = await gw.post(sms('x'.repeat(153 * 4 + 1)));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'MessageText needs 5 SMS parts; the limit is 4' });
    expect(smsc.submits).toHaveLength(0);
  });

  describe('refusals (HTTP 200, IsSuccess:false, nothing sent)', () => {
    const cases: [string, () => Promise<{ status: number; json: { IsSuccess: boolean; ErrorDetails: string } }>, RegExp][] = [
      ['no Authorization header', () => gw.post(sms('1'), { authorization: '' }), /Authorization header missing/],
      ['wrong token', () => gw.post(sms('1'), { authorization: tokenHeader('not-the-token') }), /token not accepted/],
      ['wrong scheme', () => gw.post(sms('1'), { authorization: `Bearer ${Buffer.from(TEST_TOKEN).toString('base64')}` }), /token not accepted/],
      ['malformed JSON', () => gw.post('{"MobileNumber": "+447400123456", "MessageText": '), /not valid JSON/],
      ['a JSON array', () => gw.post('[1,2]'), /must be a JSON object/],
      ['missing MobileNumber', () => gw.post({ MessageText: 'hi' }), /MobileNumber is missing/],
      ['missing MessageText', () => gw.post({ MobileNumber: '+447400123456' }), /MessageText is missing/],
      ['numeric MobileNumber', () => gw.post({ MobileNumber: 447400123456, MessageText: 'hi' }), /MobileNumber must be a string/],
      ['non-string MessageText', () => gw.post({ MobileNumber: '+447400123456', MessageText: ['hi'] }), /MessageText must be a string/],
      ['empty text', () => gw.post(sms('   ')), /MessageText is empty/],
      ['invalid number', () => gw.post(sms('hi', '+44 12')), /not a valid phone number/],
      ['letters as number', () => gw.post(sms('hi', 'call me')), /not a valid phone number/],
      ['UK drama range number', () => gw.post(sms('hi', '+447700900123')), /not a valid phone number/],
    ];
    it.each(cases)('%s', async (_name, send, details) => {
      const res = await send();
      expect(res.status).toBe(200);
      expect(res.json.IsSuccess).toBe(false);
      expect(res.json.ErrorDetails).toMatch(details);
      expect(smsc.submits).toHaveLength(0);
    });

    it('accepts the scheme in any case and the raw (not base64) token', async () => {
      expect((await gw.post(sms('1'), { authorization: tokenHeader().replace('token', 'TOKEN') })).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('1'), { authorization: `Token ${TEST_TOKEN}` })).json.IsSuccess).toBe(true);
    });

    it('never echoes the token or the message text in ErrorDetails', async () => {
      const secretText = 'Your OTP is 99887766';
      const answers = [
        await gw.post({ MobileNumber: 'garbage', MessageText: secretText }),
        await gw.post(sms(secretText), { authorization: `token ${TEST_TOKEN}x` }),
        await gw.post(sms(secretText.repeat(100))),
      ];
      for (const { json } of answers) {
        expect(json.IsSuccess).toBe(false);
        expect(json.ErrorDetails).not.toContain('99887766');
        expect(json.ErrorDetails).not.toContain(TEST_TOKEN);
      }
    });

    it('answers a body over the limit with the contract body, not a reset', async () => {
      const body = JSON.stringify(sms('x'.repeat(20 * 1024)));
      const res = await rawPost(gw.url, gw.config.http.exsignPath, body, { authorization: tokenHeader() });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: false, ErrorDetails: 'Request body larger than 16384 bytes' });
      expect(smsc.submits).toHaveLength(0);
    });

    it('answers other methods on the ExSign path with the contract body', async () => {
      const res = await fetch(`${gw.url}${gw.config.http.exsignPath}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ IsSuccess: false, ErrorDetails: 'Method GET not allowed; use POST' });
    });
  });

  describe('request bodies', () => {
    const auth = () => ({ authorization: tokenHeader() });

    it('reads a chunked body without Content-Type, on the path with a trailing slash and a query', async () => {
      const { hostname, port } = new URL(gw.url);
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: hostname, port, path: `${gw.config.http.exsignPath}/?portal=1`, method: 'POST', headers: auth() }, (r) => {
          let text = '';
          r.on('data', (d) => (text += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        const body = JSON.stringify(sms('chunked 1'));
        req.write(body.slice(0, 10));
        setTimeout(() => req.end(body.slice(10)), 20);
      });
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: true, ErrorDetails: '' });
      expect(smsc.submits.map((s) => s.text)).toEqual(['chunked 1']);
    });

    it('decodes a gzip-compressed body (the same reader as plain bodies)', async () => {
      const res = await rawPost(gw.url, gw.config.http.exsignPath, gzipSync(JSON.stringify(sms('gzipped 2'))), { ...auth(), 'content-encoding': 'gzip' });
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: true, ErrorDetails: '' });
      expect(smsc.submits.map((s) => s.text)).toEqual(['gzipped 2']);
    });

    it('refuses a body that is not UTF-8 instead of sending U+FFFD to a phone', async () => {
      const body = Buffer.from(JSON.stringify(sms('Café 3')), 'latin1');
      const res = await rawPost(gw.url, gw.config.http.exsignPath, body, { ...auth(), 'content-type': 'application/json; charset=ISO-8859-1' });
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: false, ErrorDetails: 'Request body is not UTF-8 (JSON must be)' });
      expect(smsc.submits).toHaveLength(0);
    });

    it('refuses an oversized compressed body by its decoded size', async () => {
      const body = gzipSync(JSON.stringify(sms('x'.repeat(20 * 1024))));
      expect(body.length).toBeLessThan(16384);
      const res = await rawPost(gw.url, gw.config.http.exsignPath, body, { ...auth(), 'content-encoding': 'gzip' });
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: false, ErrorDetails: 'Request body larger than 16384 bytes' });
      expect(smsc.submits).toHaveLength(0);
    });

    it('answers an empty body with what it lacks', async () => {
      const res = await rawPost(gw.url, gw.config.http.exsignPath, '', auth());
      expect(JSON.parse(res.body)).toEqual({ IsSuccess: false, ErrorDetails: 'Request body must be a JSON object with MobileNumber and MessageText' });
    });
  });

  it('logs one line per request with a masked number and never the text, the token or the full number', async () => {
    const text = 'Your OTP is 55443322';
    await gw.post(sms(text));
    const lines = gw.logs.records().filter((r) => r.msg === 'exsign request');
    const last = lines[lines.length - 1]!;
    expect(last).toMatchObject({ to: '+44*******456', segments: 1, encoding: 'gsm7', outcome: 'SUCCESS', smsc: 'default' });
    expect(typeof last.latencyMs).toBe('number');
    expect(gw.logs.text).not.toContain('55443322');
    expect(gw.logs.text).not.toContain('447400123456');
    expect(gw.logs.text).not.toContain(TEST_TOKEN);
    expect(gw.logs.text).not.toContain(Buffer.from(TEST_TOKEN).toString('base64'));
    expect(gw.logs.text).not.toContain('secret12');
  });

  it('serves /healthz and /readyz (200 while bound)', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', binds: [{ state: 'bound' }] });
  });
});

describe('caller allowlist', () => {
  it('refuses a caller outside SMSGW_ALLOWED_IPS and ignores X-Forwarded-For', async () => {
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_ALLOWED_IPS: '10.0.0.0/8,::1' });
    try {
      const res = await gw.post(sms('hi'), { 'x-forwarded-for': '10.1.2.3' });
      expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'Caller address not allowed' });
      expect(smsc.submits).toHaveLength(0);
    } finally {
      await gw.stop();
      await smsc.stop();
    }
  });

  it('allows a caller inside a CIDR block', async () => {
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_ALLOWED_IPS: '127.0.0.0/8' });
    try {
      expect((await gw.post(sms('hi'))).json.IsSuccess).toBe(true);
    } finally {
      await gw.stop();
      await smsc.stop();
    }
  });
});

describe('slow clients', () => {
  it('cuts off a client that never finishes its headers', async () => {
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_HTTP_HEADERS_TIMEOUT_MS: '300' });
    try {
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write('POST /exsign/sms HTTP/1.1\r\nHost: x\r\n');
      socket.on('error', () => undefined);
      const answer = await new Promise<string>((resolve) => {
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('close', () => resolve(data));
      });
      // The server's answer and close: without the headers timeout the socket would stay open.
      expect(answer).toMatch(/^HTTP\/1.1 408/);
    } finally {
      await gw.stop();
      await smsc.stop();
    }
  });
});

function rawPost(base: string, path: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
