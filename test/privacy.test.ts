// The whole request path at debug level, with every kind of answer, receipts that echo the text
// and a mobile-originated message: no OTP text, token, password or full number may appear in the
// logs, the answers, the metrics or any file the gateway keeps.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDU } from 'smpp';
import { startFakeSmsc } from './support/fake-smsc';
import { sms, startGateway, tokenHeader, waitFor } from './support/gateway';

const TOKEN = 'privacy-token-93be71c4d2';
const PASSWORD = 'secret12'; // what the fake SMSC expects (test/support/fake-smsc.ts)
const NUMBER = '+447400123456';
const OTPS = ['Your OTP is 480913. Do not share it.', 'Your OTP is 772104', 'Your OTP is 319846', 'Your OTP is 665544', 'Your OTP is 902137'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

it('keeps OTP text, token, password and full numbers out of logs, answers, metrics and stored files (debug level)', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'smsgw-privacy-'));
  const dataDir = path.join(work, 'data');
  const tokenFile = path.join(work, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  chmodSync(tokenFile, 0o644); // provokes the start-up warning, which must name the file and not its content
  const { smsc, url } = await startFakeSmsc({ receiptDelayMs: 20, onSubmit: (s) => (s.destinationAddr === '447812345678' ? { status: 0x0b } : {}) });
  const gw = await startGateway(url, {
    SMSGW_AUTH_TOKEN: '',
    SMSGW_AUTH_TOKEN_FILE: tokenFile,
    SMSGW_LIMITS_ENABLED: 'true',
    SMSGW_LIMIT_PER_NUMBER: '2',
    SMSGW_DEFAULT_REGION: 'GB',
    SMSGW_DATA_DIR: dataDir,
    // The real defaults, not the test profile's: a SQLite store and a generated hash key, both checked below.
    SMSGW_STORE: 'sqlite',
    SMSGW_NUMBER_HASH_KEY: '',
    SMSGW_LOG_LEVEL: 'debug',
  });
  const auth = { authorization: tokenHeader(TOKEN) };
  const answers: string[] = [];
  const post = async (body: unknown, headers: Record<string, string> = auth) => {
    const res = await gw.post(body, headers);
    answers.push(JSON.stringify(res.json));
    return res.json;
  };
  try {
    expect(await post(sms(OTPS[0]!, NUMBER))).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect((await post(sms(OTPS[0]!, NUMBER))).IsSuccess).toBe(true); // a repeat, answered from the first
    expect((await post(sms(OTPS[1]!, '07400 123456'))).IsSuccess).toBe(true);
    expect((await post(sms(OTPS[2]!, NUMBER))).ErrorDetails).toMatch(/Too many messages to this number/);
    expect((await post(sms(OTPS[3]!, '+447812345678'))).ErrorDetails).toMatch(/SMSC rejected/);
    expect((await post(sms(OTPS[4]!, '+442079460000'))).ErrorDetails).toMatch(/fixed-line/);
    expect((await post(sms(OTPS[4]!, '+33612345678'))).ErrorDetails).toMatch(/country FR/);
    expect((await post(sms(OTPS[4]!, `${NUMBER}789`))).ErrorDetails).toMatch(/not a valid phone number/);
    expect((await post(sms(OTPS[4]!, NUMBER), { authorization: tokenHeader(`${TOKEN}x`) })).ErrorDetails).toMatch(/token not accepted/);
    expect((await post(sms(OTPS[4]!, NUMBER), { authorization: `token ${TOKEN}` })).ErrorDetails).toMatch(/Too many messages/); // raw token accepted
    expect((await post(`{"MobileNumber":"${NUMBER}","MessageText":"${OTPS[4]}"`)).ErrorDetails).toMatch(/not valid JSON/);
    expect((await post(sms(`${OTPS[4]} `.repeat(1000), NUMBER))).ErrorDetails).toMatch(/larger than/);

    // Receipts echo the start of the text and carry the number; so does a mobile-originated message.
    const accepted = smsc.submits.filter((s) => s.destinationAddr === NUMBER.slice(1));
    expect(accepted).toHaveLength(2);
    smsc.sendToAll(
      new PDU('deliver_sm', {
        source_addr: NUMBER.slice(1),
        destination_addr: 'ExSign',
        esm_class: 0x04,
        short_message: Buffer.from(`id:${accepted[0]!.messageId} sub:001 dlvrd:001 submit date:2601011200 done date:2601011200 stat:DELIVRD err:000 text:${OTPS[0]!.slice(0, 20)}`, 'latin1'),
      }),
    );
    smsc.sendToAll(new PDU('deliver_sm', { source_addr: NUMBER.slice(1), destination_addr: 'ExSign', esm_class: 0, short_message: Buffer.from(`STOP ${OTPS[1]}`) }));
    await waitFor(() => gw.logs.records().filter((r) => r.msg === 'delivery receipt').length >= 3, 'receipts to be handled');
    await waitFor(() => gw.logs.text.includes('mobile-originated message ignored'), 'the MO message to be handled');
    const metrics = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
    await gw.stop();

    const files = filesUnder(dataDir);
    const stored = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    const places: Record<string, string> = { logs: gw.logs.text, answers: answers.join('\n'), metrics, stored };
    const secrets = [
      ...OTPS,
      ...OTPS.map((t) => /\d{6}/.exec(t)![0]),
      OTPS[0]!.slice(0, 20),
      TOKEN,
      Buffer.from(TOKEN).toString('base64'),
      PASSWORD,
      '7400123456', // the national significant number: covers +44…, 0044…, 07400…
      '7400 123456',
      '7812345678',
      '2079460000',
      '612345678',
    ];
    const leaks = Object.entries(places).flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${where}: ${s}`));
    expect(leaks).toEqual([]);

    // The checks above looked at real material: everything logged at debug, masked numbers, the key file.
    expect(gw.config.log.level).toBe('debug');
    expect(gw.logs.records().filter((r) => r.msg === 'exsign request' && r.to === '+44*******456').length).toBeGreaterThanOrEqual(4);
    expect(gw.logs.text).toContain(`SMSGW_AUTH_TOKEN_FILE: ${tokenFile} has mode 0644`);
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['number-hash.key', 'messages.sqlite']));
  } finally {
    await gw.stop();
    await smsc.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
