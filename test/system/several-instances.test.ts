// Two gateway processes on one SMSC account, sharing a real redis-server (with AOF, as the
// README recommends), as two hosts behind one load balancer would run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import nodemailer from 'nodemailer';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, tokenHeader, TEST_TOKEN } from '../support/gateway';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';
import { eventually } from '../support/status-api';

interface Answer {
  json: { IsSuccess: boolean; ErrorDetails: string };
  messageId: string;
}

async function post(gw: GatewayProcess, body: unknown): Promise<Answer> {
  const res = await fetch(`${gw.httpUrl}/exsign/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: tokenHeader() },
    body: JSON.stringify(body),
  });
  return { json: (await res.json()) as Answer['json'], messageId: res.headers.get('x-message-id')! };
}

async function status(gw: GatewayProcess, id: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${gw.httpUrl}/messages/${id}`, { headers: { authorization: tokenHeader() } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function readyz(gw: GatewayProcess): Promise<{ store: { up: boolean; spooledRecords: number } }> {
  return (await (await fetch(`${gw.httpUrl}/readyz`)).json()) as { store: { up: boolean; spooledRecords: number } };
}

async function metric(gw: GatewayProcess, series: string): Promise<number> {
  const text = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

/** A GB mobile with its own prefix (the number without its last 4 digits), so limits per prefix stay out of the way. */
const mobile = (n: number) => `+4474${String(n).padStart(4, '0')}3456`;
const OK = { IsSuccess: true, ErrorDetails: '' };

(hasRedis() ? describe : describe.skip)('several instances sharing Redis', () => {
  let redis: RedisServer;
  let smsc: SmscSimulator;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const dirs: string[] = [];
  const submitsTo = (number: string) => smsc.submits.filter((s) => s.destinationAddr === number.slice(1)).length;

  const smtpPorts = new Map<GatewayProcess, number>();
  const start = async (name: string, url: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `smsgw-${name}-`));
    dirs.push(dir);
    const gw = await startGatewayProcess({
      NODE_ENV: 'test',
      SMSGW_AUTH_TOKEN: TEST_TOKEN,
      SMSGW_SMSC_URL: url,
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_SOURCE_ADDR: 'ExSign',
      SMSGW_DEFAULT_REGION: 'GB',
      SMSGW_LIMITS_ENABLED: 'true',
      SMSGW_REQUEST_DEADLINE_MS: '3000',
      SMSGW_REDIS_URL: redis.url,
      SMSGW_REDIS_COMMAND_TIMEOUT_MS: '300',
      // Unset: the instances share the key the first of them creates in Redis.
      SMSGW_NUMBER_HASH_KEY: '',
      SMSGW_DATA_DIR: dir,
      SMSGW_LOG_LEVEL: 'info',
      SMSGW_SMTP_PORT: '0',
    });
    smtpPorts.set(gw, Number(new URL(gw.smtpUrl!).port));
    return gw;
  };

  beforeAll(async () => {
    redis = await startRedis({ aof: true });
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    a = await start('a', fake.url);
    // B binds second: the simulator hands receipts to the newest bind, as an SMSC may use any bind of the account.
    b = await start('b', fake.url);
  }, 40_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await smsc?.stop();
    await redis?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('counts one number across both: four messages alternating between them, the fourth refused', async () => {
    const number = mobile(1);
    const answers: Answer[] = [];
    for (const [i, gw] of [a, b, a, b].entries()) answers.push(await post(gw, sms(`Your code is ${1000 + i}`, number)));
    expect(answers.slice(0, 3).map((x) => x.json)).toEqual([OK, OK, OK]);
    expect(answers[3]!.json.IsSuccess).toBe(false);
    expect(answers[3]!.json.ErrorDetails).toMatch(/^Too many messages to this number: at most 3 per 10 min/);
    expect(submitsTo(number)).toBe(3);
  });

  it('sends exactly three of 20 concurrent requests to one number, whichever instance takes them', async () => {
    const number = mobile(2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? a : b, sms(`Your code is ${2000 + i}`, number))));
    expect(answers.filter((x) => x.json.IsSuccess)).toHaveLength(3);
    expect(answers.filter((x) => /^Too many messages to this number/.test(x.json.ErrorDetails))).toHaveLength(17);
    expect(submitsTo(number)).toBe(3);
  });

  it('deduplicates a repeat that reaches the other instance: one SMS, the first id, known on both', async () => {
    const number = mobile(3);
    const first = await post(a, sms('Your code is 3333', number));
    const repeat = await post(b, sms('Your code is 3333', number));
    expect([first.json, repeat.json]).toEqual([OK, OK]);
    expect(submitsTo(number)).toBe(1);
    expect(repeat.messageId).toBe(first.messageId);
    for (const gw of [a, b]) expect(await status(gw, repeat.messageId)).toMatchObject({ status: 200, json: { id: first.messageId, status: 'accepted' } });
    await eventually(async () => b.stdout.some((line) => line.includes('"deduplicated":true')), 'the repeat logged as deduplicated');
  });

  it('sends a repeat racing the first on the other instance once, both answered with the first id', async () => {
    const number = mobile(7);
    const [x, y] = await Promise.all([post(a, sms('Your code is 7777', number)), post(b, sms('Your code is 7777', number))]);
    expect([x.json, y.json]).toEqual([OK, OK]);
    expect(submitsTo(number)).toBe(1);
    expect(x.messageId).toBe(y.messageId);
    expect((await status(a, x.messageId)).status).toBe(200);
  });

  it('recognises a mail resent by its relay to the other instance (same Message-ID) and answers with the first id', async () => {
    const mail = { from: 'app@example.net', to: `${mobile(5)}@sms.example.com`, subject: 'otp', messageId: '<resend-across@example.net>' };
    const sendTo = async (gw: GatewayProcess, text: string) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPorts.get(gw)!, secure: false, ignoreTLS: true });
      try {
        return (await transport.sendMail({ ...mail, text })).response;
      } finally {
        transport.close();
      }
    };
    // Another text, so the same-text dedupe cannot be what catches it: only the Message-ID can.
    const first = await sendTo(a, 'Code 5555');
    const again = await sendTo(b, 'Code 5556');
    expect(first).toMatch(/^250 2\.0\.0 sent \S+$/);
    expect(again).toBe(first);
    expect(submitsTo(mobile(5))).toBe(1);
  });

  it('settles a record on both instances from a receipt that arrives on the other instance\'s bind', async () => {
    const number = mobile(4);
    const sent = await post(a, sms('Your code is 4444', number));
    expect(sent.json).toEqual(OK);
    const submit = smsc.submits.find((s) => s.destinationAddr === number.slice(1))!;
    expect(await smsc.sendReceipt(submit)).toBe(0);
    // B's bind took the receipt and matched A's record.
    await eventually(async () => b.stdout.some((line) => line.includes('"msg":"delivery receipt"') && line.includes(`"messageId":"${sent.messageId}"`)), 'B matching the receipt');
    for (const gw of [a, b]) expect((await status(gw, sent.messageId)).json).toMatchObject({ id: sent.messageId, status: 'delivered' });
  });

  it('answers every request while Redis is killed under load and started again; nothing is lost', async () => {
    const total = 60;
    const answers: Promise<Answer>[] = [];
    for (let i = 0; i < total; i++) {
      if (i === 20) await redis.kill();
      if (i === 40) await redis.restart();
      answers.push(post(i % 2 ? a : b, sms(`Your code is ${5000 + i}`, mobile(100 + i))));
      await new Promise((r) => setTimeout(r, 15));
    }
    const settled = await Promise.all(answers);
    expect(settled.map((x) => x.json)).toEqual(Array.from({ length: total }, () => OK));
    expect(smsc.submits.filter((s) => s.text.startsWith('Your code is 5')).length).toBe(total);
    // Records written while Redis was down reach it; then every instance finds every record.
    await eventually(async () => (await Promise.all([readyz(a), readyz(b)])).every((r) => r.store.up && r.store.spooledRecords === 0), 'spooled records flushed', 10_000);
    for (const gw of [a, b]) {
      const found = await Promise.all(settled.map((x) => status(gw, x.messageId)));
      expect(found.filter((f) => f.status === 200)).toHaveLength(total);
    }
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // The outage was loud: an error line, and the work done without Redis counted.
    expect([...a.stdout, ...b.stdout].some((line) => line.includes('Redis unreachable: abuse limits count per instance'))).toBe(true);
    const fallbacks = async (what: string) => (await Promise.all([a, b].map((gw) => metric(gw, `smsgw_redis_fallbacks_total{what="${what}"}`)))).reduce((x, y) => x + y);
    expect(await fallbacks('limits')).toBeGreaterThan(0);
    expect(await fallbacks('record')).toBeGreaterThan(0);
  }, 30_000);

  it('keeps records and counters through a Redis restart (AOF)', async () => {
    const number = mobile(6);
    const first = await post(a, sms('Your code is 6001', number));
    await post(b, sms('Your code is 6002', number));
    await post(a, sms('Your code is 6003', number));
    await redis.kill();
    await redis.restart();
    await eventually(async () => (await readyz(a)).store.up && (await readyz(b)).store.up, 'both reconnected', 10_000);
    expect((await status(b, first.messageId)).json).toMatchObject({ id: first.messageId, status: 'accepted' });
    const fourth = await post(b, sms('Your code is 6004', number));
    expect(fourth.json.ErrorDetails).toMatch(/^Too many messages to this number/);
  }, 20_000);
});
