import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, type TestGateway, withGateway } from '../support/gateway';

/** A GB mobile in its own prefix (the number without its last 4 digits), so tests do not share prefix counts. */
const mobile = (prefix: number) => `+447400${prefix}3456`;
const digitsOf = (number: string) => number.slice(1);

async function metric(gw: TestGateway, series: string): Promise<number> {
  const text = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`${series} not exported`);
  return Number(line.slice(series.length + 1));
}

describe('OTP-abuse limits over HTTP (limits on, GB default region)', () => {
  const WINDOW_MS = 2500;
  let smsc: SmscSimulator;
  let gw: TestGateway;
  const submitsTo = (number: string) => smsc.submits.filter((s) => s.destinationAddr === digitsOf(number)).length;

  beforeAll(async () => {
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    gw = await startGateway(fake.url, {
      SMSGW_LIMITS_ENABLED: 'true',
      SMSGW_DEFAULT_REGION: 'GB',
      SMSGW_LIMIT_PER_NUMBER_WINDOW_MS: String(WINDOW_MS),
    });
  });
  afterAll(async () => {
    await gw.stop();
    await smsc.stop();
  });

  it('per number: the 3rd passes, the 4th is refused and sends nothing, and it passes again after the window', async () => {
    const number = mobile(10);
    const started = Date.now();
    let firstCounted = 0; // the first message was counted before its answer arrived
    for (const code of ['1111', '2222', '3333']) {
      expect((await gw.post(sms(`Your code is ${code}`, number))).json).toEqual({ IsSuccess: true, ErrorDetails: '' });
      firstCounted ||= Date.now();
    }
    const fourth = await gw.post(sms('Your code is 4444', number));
    expect(Date.now() - started).toBeLessThan(WINDOW_MS); // otherwise this run proves nothing about the edge
    expect(fourth.json.IsSuccess).toBe(false);
    expect(fourth.json.ErrorDetails).toMatch(/^Too many messages to this number: at most 3 per 2500 ms; retry in \d+ s$/);
    expect(submitsTo(number)).toBe(3);
    expect(await metric(gw, 'smsgw_abuse_refusals_total{reason="number_rate_limited"}')).toBe(1);
    expect(await metric(gw, 'smsgw_http_requests_total{outcome="number_rate_limited"}')).toBe(1);
    const line = gw.logs.records().filter((r) => r.msg === 'exsign request').pop()!;
    expect(line).toMatchObject({ outcome: 'NUMBER_RATE_LIMITED', to: '+44*******456' });
    expect(line.numberHash).toMatch(/^[0-9a-f]{16}$/);

    await new Promise((r) => setTimeout(r, firstCounted + WINDOW_MS + 50 - Date.now()));
    expect((await gw.post(sms('Your code is 5555', number))).json.IsSuccess).toBe(true);
    expect(submitsTo(number)).toBe(4);
  });

  it('concurrent requests cannot slip past the limit: 20 at once to one number, exactly 3 sent', async () => {
    const number = mobile(11);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => gw.post(sms(`Your code is ${1000 + i}`, number))));
    expect(answers.filter((a) => a.json.IsSuccess)).toHaveLength(3);
    expect(answers.filter((a) => /^Too many messages to this number/.test(a.json.ErrorDetails))).toHaveLength(17);
    expect(submitsTo(number)).toBe(3);
  });

  it('identical text to the same number within the window is sent once; every repeat gets the first answer', async () => {
    const number = mobile(12);
    const before = await metric(gw, 'smsgw_abuse_duplicates_total');
    const answers = await Promise.all(Array.from({ length: 5 }, () => gw.post(sms('Your code is 8080', number))));
    for (const a of answers) expect(a.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect((await gw.post(sms('Your code is 8080', number))).json.IsSuccess).toBe(true);
    expect(submitsTo(number)).toBe(1);
    expect(await metric(gw, 'smsgw_abuse_duplicates_total')).toBe(before + 5);
    const deduplicated = gw.logs.records().filter((r) => r.msg === 'exsign request' && r.deduplicated === true);
    expect(deduplicated.length).toBeGreaterThanOrEqual(5);
    // Repeats do not use up the number's limit: two more distinct texts still pass.
    expect((await gw.post(sms('Your code is 9090', number))).json.IsSuccess).toBe(true);
    expect((await gw.post(sms('Your code is 7070', number))).json.IsSuccess).toBe(true);
  });

  it('country allowlist defaults to SMSGW_DEFAULT_REGION: other countries (Guernsey too, though it shares +44) and non-geographic numbers are refused', async () => {
    const cases: [string, RegExp | null][] = [
      [mobile(13), null],
      ['07400 143456', null],
      ['+33612345678', /^MobileNumber refused: country FR is not allowed \(allowed: GB\)$/],
      ['+447911123456', /country GG is not allowed/], // +44 7911 is Guernsey: add GG to SMSGW_ALLOWED_COUNTRIES to allow it
      ['+883510000000', /non-geographic numbers \(\+883\) are not allowed/],
    ];
    for (const [number, refusal] of cases) {
      const res = await gw.post(sms('Your code is 1357', number));
      if (refusal) expect(res.json.ErrorDetails).toMatch(refusal);
      else expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    }
    expect(smsc.submits.filter((s) => ['33612345678', '447911123456', '883510000000'].includes(s.destinationAddr))).toHaveLength(0);
    expect(await metric(gw, 'smsgw_abuse_refusals_total{reason="country_not_allowed"}')).toBe(3);
  });

  it('mobile numbers only: fixed-line and premium-rate numbers are refused', async () => {
    expect((await gw.post(sms('Your code is 2468', '+442079460000'))).json.ErrorDetails).toBe(
      'MobileNumber refused: it is a fixed-line number; only mobile numbers are accepted',
    );
    expect((await gw.post(sms('Your code is 2468', '+449012345678'))).json.ErrorDetails).toMatch(/premium-rate number/);
    expect(smsc.submits.filter((s) => s.destinationAddr === '442079460000' || s.destinationAddr === '449012345678')).toHaveLength(0);
    expect(await metric(gw, 'smsgw_abuse_refusals_total{reason="not_mobile"}')).toBe(2);
  });
});

describe('abuse limits: settings', () => {
  let smsc: SmscSimulator;
  let smscUrl: string;
  beforeAll(async () => {
    ({ smsc, url: smscUrl } = await startFakeSmsc());
  });
  afterAll(() => smsc.stop());


  it('per prefix, global and budget refusals each have their own ErrorDetails', async () => {
    await withGateway(smscUrl, { SMSGW_LIMITS_ENABLED: 'true', SMSGW_LIMIT_PER_PREFIX: '2', SMSGW_LIMIT_GLOBAL: '4', SMSGW_DAILY_BUDGET: '5' }, async (gw) => {
      const answers = [];
      for (const number of ['+447400201111', '+447400202222', '+447400203333', '+447812345678', '+447300123456', '+447400991111']) {
        answers.push((await gw.post(sms('Your code is 1', number))).json.ErrorDetails);
      }
      expect(answers).toEqual([
        '',
        '',
        expect.stringMatching(/^Too many messages to this number range \(the number without its last 4 digits\): at most 2 per 1 h; retry in \d+ min$/),
        '',
        '',
        expect.stringMatching(/^Gateway-wide rate limit reached: at most 4 messages per 1 min; retry in \d+ s$/),
      ]);
    });
    await withGateway(smscUrl, { SMSGW_LIMITS_ENABLED: 'true', SMSGW_DAILY_BUDGET: '1' }, async (gw) => {
      expect((await gw.post(sms('Your code is 1', '+447400301111'))).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('Your code is 1', '+447400311111'))).json.ErrorDetails).toMatch(/^Message budget exhausted: at most 1 messages per 24 h; retry in \d+ min$/);
    });
  });

  it('SMSGW_ALLOWED_COUNTRIES widens the allowlist; SMSGW_MOBILE_ONLY=false lets fixed lines through', async () => {
    await withGateway(smscUrl, { SMSGW_LIMITS_ENABLED: 'true', SMSGW_DEFAULT_REGION: 'GB', SMSGW_ALLOWED_COUNTRIES: 'gb, fr', SMSGW_MOBILE_ONLY: 'false' }, async (gw) => {
      expect((await gw.post(sms('Your code is 1', '+33612345678'))).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('Your code is 1', '+4915112345678'))).json.ErrorDetails).toMatch(/country DE is not allowed \(allowed: GB, FR\)/);
      expect((await gw.post(sms('Your code is 1', '+442079460000'))).json.IsSuccess).toBe(true);
    });
  });

  it('SMSGW_LIMITS_ENABLED=false switches every check off and warns at start-up', async () => {
    await withGateway(smscUrl, { SMSGW_LIMITS_ENABLED: 'false', SMSGW_DEFAULT_REGION: 'GB', SMSGW_LIMIT_PER_NUMBER: '1' }, async (gw) => {
      const warning = gw.logs.records().find((r) => r.level === 40 && String(r.msg).startsWith('SMSGW_LIMITS_ENABLED=false'));
      expect(warning).toBeDefined();
      for (let i = 0; i < 4; i++) expect((await gw.post(sms('Your code is 1', '+447400401111'))).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('Your code is 1', '+33612345678'))).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('Your code is 1', '+442079460000'))).json.IsSuccess).toBe(true);
    });
  });

  it('refuses a bad country code at start-up, naming the variable', async () => {
    await expect(startGateway(smscUrl, { SMSGW_ALLOWED_COUNTRIES: 'GB,UK1' })).rejects.toThrow(/limits\.countries \(SMSGW_ALLOWED_COUNTRIES\).*"UK1" is not an ISO 3166 alpha-2 code/);
  });
});
