// Delivery receipts end to end: ExSign request → submit_sm → deliver_sm from the fake SMSC →
// deliver_sm_resp and the status API, all over loopback sockets.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReceivedSubmit, SimulatorOptions, SmscSimulator } from '../../src/sim/smsc-simulator';
import { STORE_FILE } from '../../src/store/sqlite-store';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, tokenHeader, waitFor, type TestGateway } from '../support/gateway';
import { eventually, getStatus, metricValue, statusBecomes } from '../support/status-api';

const ESME_ROK = 0;
const ESME_RX_T_APPN = 0x64;
const UNMATCHED = 'smsgw_dlr_unmatched_total{smsc="default"}';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-dlr-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake SMSC and a gateway bound to it (every session bound); both stopped after the test. */
async function setup(options: SimulatorOptions = {}, env: Record<string, string> = {}) {
  const fake = await startFakeSmsc(options);
  cleanups.push(() => fake.smsc.stop());
  const gw = await startGateway(fake.url, env);
  cleanups.push(() => gw.stop());
  await waitFor(() => gw.gateway.smsc.binds.every((bind) => bind.state === 'bound'), 'every session bound');
  return { smsc: fake.smsc, gw };
}

/** Sends one ExSign request that must succeed; returns our id and what the SMSC received. */
async function send(gw: TestGateway, smsc: SmscSimulator, text = 'Your code is 4821'): Promise<{ id: string; submits: ReceivedSubmit[] }> {
  const before = smsc.submits.length;
  const res = await gw.post(sms(text));
  expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
  return { id: res.headers.get('x-message-id')!, submits: smsc.submits.slice(before) };
}

const receiptText = (body: string) => ({ esm_class: 0x04, data_coding: 0, short_message: Buffer.from(body, 'latin1') });

describe('a message and its receipt', () => {
  it('becomes delivered; the status API shows the record and the receipt is counted', async () => {
    const { smsc, gw } = await setup({ receiptDelayMs: 30 });
    const { id, submits } = await send(gw, smsc);
    const answer = await statusBecomes(gw, id, 'delivered');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id,
      status: 'delivered',
      segments: [{ smscMessageId: submits[0]!.messageId, status: 'delivered', error: null }],
      smsc: 'default',
      submittedAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(Date.parse(answer.json.updatedAt as string)).toBeGreaterThanOrEqual(Date.parse(answer.json.submittedAt as string));
    expect(await metricValue(gw, 'smsgw_dlr_received_total{smsc="default",stat="DELIVRD"}')).toBe(1);
    expect(await metricValue(gw, 'smsgw_dlr_latency_seconds_count{smsc="default"}')).toBe(1);
    expect(await metricValue(gw, UNMATCHED)).toBe(0);
  });

  it('is in the status API as accepted as soon as the ExSign answer arrives', async () => {
    const { smsc, gw } = await setup();
    const { id } = await send(gw, smsc);
    const answer = await getStatus(gw, id);
    expect(answer).toMatchObject({ status: 200, json: { id, status: 'accepted', segments: [{ status: 'accepted', error: null }] } });
  });

  it('records a message the SMSC refused as rejected, with the command_status', async () => {
    const { gw } = await setup({ onSubmit: () => ({ status: 0x0b }) });
    const res = await gw.post(sms('code 1'));
    expect(res.json.IsSuccess).toBe(false);
    const answer = await getStatus(gw, res.headers.get('x-message-id')!);
    expect(answer.json).toMatchObject({ status: 'rejected', segments: [{ smscMessageId: null, status: 'rejected', error: 'ESME_RINVDSTADR (0x0B)' }] });
  });

  it('keeps no record of a request refused before sending (bad number): 404', async () => {
    const { gw } = await setup();
    const res = await gw.post(sms('code 1', '+44 12'));
    expect(res.json.IsSuccess).toBe(false);
    expect((await getStatus(gw, res.headers.get('x-message-id')!)).status).toBe(404);
  });
});

describe('carrier receipt variants, over the wire', () => {
  type Variant = [string, (id: string) => ['deliver_sm' | 'data_sm', Record<string, unknown>], string, string | null];
  const appendixB = (id: string, stat = 'DELIVRD') => `id:${id} sub:001 dlvrd:001 submit date:2601051000 done date:2601051001 stat:${stat} err:000 text:Your code is`;
  const variants: Variant[] = [
    ['SMPP 3.4 Appendix B text with a capitalised Text:, no TLVs', (id) => ['deliver_sm', receiptText(appendixB(id).replace('text:', 'Text:'))], 'delivered', null],
    [
      'fields out of order, labels in any case, 12-digit dates, 4-digit err',
      (id) => ['deliver_sm', receiptText(`Stat:UNDELIV ERR:0012 ID:${id} DONE DATE:260105100130 Sub:001 dlvrd:000 SUBMIT DATE:260105100000 text:x`)],
      'undeliverable',
      '0012',
    ],
    ['no sub/dlvrd and 14-digit dates', (id) => ['deliver_sm', receiptText(`id:${id} submit date:20260105100000 done date:20260105100100 stat:EXPIRED err:000`)], 'expired', null],
    [
      'TLVs only, with message_state REJECTED and network_error_code',
      (id) => ['deliver_sm', { esm_class: 0x04, data_coding: 0, short_message: Buffer.alloc(0), receipted_message_id: id, message_state: 8, network_error_code: Buffer.from([0x03, 0x00, 0x0a]) }],
      'rejected',
      '03000a',
    ],
    ['data_sm with TLVs and message_payload (Jasmin)', (id) => ['data_sm', { esm_class: 0x04, data_coding: 0, message_payload: Buffer.from(appendixB(id)), receipted_message_id: id, message_state: 2 }], 'delivered', null],
    ['text in message_payload, sm_length 0', (id) => ['deliver_sm', { esm_class: 0x04, data_coding: 0, short_message: Buffer.alloc(0), message_payload: Buffer.from(appendixB(id)) }], 'delivered', null],
    ['esm_class 0 with receipt-shaped text', (id) => ['deliver_sm', { ...receiptText(appendixB(id)), esm_class: 0 }], 'delivered', null],
    ['esm_class 0x08 (SME acknowledgement bit)', (id) => ['deliver_sm', { ...receiptText(appendixB(id)), esm_class: 0x08 }], 'delivered', null],
    ['ASCII text labelled data_coding 8 (node-smpp#68)', (id) => ['deliver_sm', { ...receiptText(`${appendixB(id)}12`), data_coding: 8 }], 'delivered', null],
    ['the non-standard stat word DELIVERED (somleng)', (id) => ['deliver_sm', receiptText(appendixB(id, 'DELIVERED'))], 'delivered', null],
    ['stat UNKNOWN', (id) => ['deliver_sm', receiptText(appendixB(id, 'UNKNOWN'))], 'unknown', null],
  ];

  let smsc: SmscSimulator;
  let gw: TestGateway;
  beforeAll(async () => {
    const fake = await startFakeSmsc();
    smsc = fake.smsc;
    gw = await startGateway(fake.url);
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
  });
  afterAll(async () => {
    await gw.stop();
    await smsc.stop();
  });

  it.each(variants)('%s', async (_name, build, status, error) => {
    const { id, submits } = await send(gw, smsc);
    const [command, fields] = build(submits[0]!.messageId);
    expect(await smsc.sendDeliver(command, fields)).toBe(ESME_ROK);
    const answer = await getStatus(gw, id);
    expect(answer.json).toMatchObject({ status, segments: [{ status, error }] });
  });

  it('answers a mobile-originated message ESME_ROK and leaves records alone', async () => {
    const { id } = await send(gw, smsc);
    expect(await smsc.sendDeliver('deliver_sm', { esm_class: 0, data_coding: 0, short_message: Buffer.from('STOP') })).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json.status).toBe('accepted');
  });
});

describe('correlation across id formats', () => {
  it.each([
    ['hex resp id, decimal receipt id', '3E9', '1001'],
    ['decimal resp id, hex receipt id', '1001', '3e9'],
    ['zero-padded resp id', '0913121205', '913121205'],
    ['zero-padded receipt id', '913121205', '00913121205'],
    ['upper-case resp id, lower-case receipt id', '1101C1-7F', '1101c1-7f'],
  ])('%s (%s / %s) in auto mode', async (_name, respId, receiptId) => {
    const { smsc, gw } = await setup({ onSubmit: () => ({ messageId: respId }) });
    const { id, submits } = await send(gw, smsc);
    expect(submits[0]!.messageId).toBe(respId);
    expect(await smsc.sendReceipt(submits[0]!, { id: receiptId })).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json).toMatchObject({ status: 'delivered', segments: [{ smscMessageId: respId }] });
  });

  it('with SMSGW_DLR_ID_MATCH=exact does not convert, and counts the receipt unmatched', async () => {
    const { smsc, gw } = await setup(
      { onSubmit: () => ({ messageId: '3E9' }) },
      { SMSGW_DLR_ID_MATCH: 'exact', SMSGW_DLR_EARLY_RECEIPT_HOLD_MS: '100', SMSGW_STORE_PURGE_INTERVAL_MS: '50' },
    );
    const { id, submits } = await send(gw, smsc);
    expect(await smsc.sendReceipt(submits[0]!, { id: '1001' })).toBe(ESME_ROK);
    await eventually(async () => (await metricValue(gw, UNMATCHED)) === 1, 'the receipt to count as unmatched');
    expect((await getStatus(gw, id)).json.status).toBe('accepted');
  });
});

describe('receipt before submit_sm_resp', () => {
  const env = { SMSGW_DLR_EARLY_RECEIPT_HOLD_MS: '400', SMSGW_STORE_PURGE_INTERVAL_MS: '50' };

  it('on a transceiver: the receipt is held and applied when the response lands', async () => {
    const { smsc, gw } = await setup({ onSubmit: () => ({ receiptBeforeResp: true, delayMs: 150 }) }, env);
    const { id, submits } = await send(gw, smsc);
    await statusBecomes(gw, id, 'delivered');
    await waitFor(() => gw.logs.records().some((r) => r.msg === 'early delivery receipt matched its message' && r.messageId === id), 'the early-receipt log line');
    // Released, not left to expire. A receipt for an unknown id, held after it, expires after it
    // would have: once that one is counted, the early receipt would have been counted too.
    expect(await smsc.sendReceipt(submits[0]!, { id: 'LATER-UNKNOWN' })).toBe(ESME_ROK);
    await eventually(async () => (await metricValue(gw, UNMATCHED)) > 0, 'the later receipt to count as unmatched');
    expect(await metricValue(gw, UNMATCHED)).toBe(1);
    const expired = gw.logs.records().filter((r) => String(r.msg).startsWith('delivery receipts matched no message'));
    expect(expired.flatMap((r) => r.smscMessageIds as string[])).toEqual(['LATER-UNKNOWN']);
  });

  it('on a separate receiver bind (SMSGW_SMSC_BIND_MODE=transmitter-receiver)', async () => {
    const { smsc, gw } = await setup({ onSubmit: () => ({ receiptBeforeResp: true, delayMs: 150 }) }, { ...env, SMSGW_SMSC_BIND_MODE: 'transmitter-receiver' });
    expect(gw.gateway.smsc.binds).toHaveLength(2);
    const { id } = await send(gw, smsc);
    await statusBecomes(gw, id, 'delivered');
    await waitFor(() => gw.logs.records().some((r) => r.msg === 'early delivery receipt matched its message' && r.messageId === id), 'the early-receipt log line');
    expect(await metricValue(gw, 'smsgw_dlr_received_total{smsc="default",stat="DELIVRD"}')).toBe(1);
  });
});

describe('receipt sequences', () => {
  it('is idempotent for duplicates and never leaves a final state (out-of-order receipts)', async () => {
    const { smsc, gw } = await setup();
    const { id, submits } = await send(gw, smsc);
    const submit = submits[0]!;
    expect(await smsc.sendReceipt(submit, { stat: 'ENROUTE' })).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json.status).toBe('accepted');
    expect(await smsc.sendReceipt(submit, { stat: 'DELIVRD' })).toBe(ESME_ROK);
    const delivered = await getStatus(gw, id);
    expect(delivered.json).toMatchObject({ status: 'delivered', segments: [{ status: 'delivered', error: null }] });
    for (const spec of [{ stat: 'DELIVRD' }, { stat: 'UNDELIV', err: '001' }, { stat: 'ENROUTE' }, { stat: 'EXPIRED' }]) {
      expect(await smsc.sendReceipt(submit, spec)).toBe(ESME_ROK);
    }
    expect((await getStatus(gw, id)).json).toEqual(delivered.json);
    expect(await metricValue(gw, 'smsgw_dlr_received_total{smsc="default",stat="DELIVRD"}')).toBe(2);
    expect(await metricValue(gw, 'smsgw_dlr_received_total{smsc="default",stat="ENROUTE"}')).toBe(2);
    expect(await metricValue(gw, 'smsgw_dlr_latency_seconds_count{smsc="default"}')).toBe(1);
  });

  it('delivers a 3-part message only when all three parts are delivered', async () => {
    const { smsc, gw } = await setup();
    const { id, submits } = await send(gw, smsc, 'ab€ '.repeat(80));
    expect(submits).toHaveLength(3);
    const byPart = [...submits].sort((a, b) => a.udh![4]! - b.udh![4]!);
    for (const part of [2, 0]) {
      expect(await smsc.sendReceipt(byPart[part]!)).toBe(ESME_ROK);
      expect((await getStatus(gw, id)).json.status).toBe('accepted');
    }
    expect((await getStatus(gw, id)).json.segments).toEqual([
      { smscMessageId: byPart[0]!.messageId, status: 'delivered', error: null },
      { smscMessageId: byPart[1]!.messageId, status: 'accepted', error: null },
      { smscMessageId: byPart[2]!.messageId, status: 'delivered', error: null },
    ]);
    expect(await smsc.sendReceipt(byPart[1]!)).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json.status).toBe('delivered');
  });

  it('fails a 3-part message when one part is undeliverable', async () => {
    const { smsc, gw } = await setup();
    const { id, submits } = await send(gw, smsc, 'ab€ '.repeat(80));
    await smsc.sendReceipt(submits[0]!);
    await smsc.sendReceipt(submits[1]!, { stat: 'UNDELIV', err: '00B' });
    await smsc.sendReceipt(submits[2]!);
    expect((await getStatus(gw, id)).json).toMatchObject({ status: 'undeliverable' });
  });
});

describe('receipts for unknown ids', () => {
  it('are answered ESME_ROK, held briefly, then counted as unmatched', async () => {
    const { smsc, gw } = await setup({}, { SMSGW_DLR_EARLY_RECEIPT_HOLD_MS: '1500', SMSGW_STORE_PURGE_INTERVAL_MS: '50' });
    const { submits } = await send(gw, smsc);
    expect(await smsc.sendReceipt(submits[0]!, { id: 'DEADBEEF42' })).toBe(ESME_ROK);
    expect(await smsc.sendReceipt(submits[0]!, { id: 'no-such-id' })).toBe(ESME_ROK);
    expect(await metricValue(gw, UNMATCHED)).toBe(0); // held, not yet given up
    await eventually(async () => (await metricValue(gw, UNMATCHED)) === 2, 'two unmatched receipts', 5000);
    const warnings = gw.logs.records().filter((r) => typeof r.msg === 'string' && r.msg.startsWith('delivery receipts matched no message'));
    expect(warnings.flatMap((w) => w.smscMessageIds as string[]).sort()).toEqual(['DEADBEEF42', 'no-such-id']);
  });
});

describe('with the SQLite store', () => {
  const sqliteEnv = (dir: string) => ({ SMSGW_STORE: 'sqlite', SMSGW_DATA_DIR: dir });

  it('a receipt after a gateway restart still makes the record delivered', async () => {
    const dir = tempDir();
    const fake = await startFakeSmsc();
    cleanups.push(() => fake.smsc.stop());
    const first = await startGateway(fake.url, sqliteEnv(dir));
    await waitFor(() => first.gateway.smsc.ready(), 'bound');
    const { id, submits } = await send(first, fake.smsc);
    await first.stop();

    const second = await startGateway(fake.url, sqliteEnv(dir));
    cleanups.push(() => second.stop());
    await waitFor(() => second.gateway.smsc.ready(), 'bound again');
    expect((await getStatus(second, id)).json.status).toBe('accepted');
    expect(await fake.smsc.sendReceipt(submits[0]!)).toBe(ESME_ROK);
    expect((await getStatus(second, id)).json).toMatchObject({ id, status: 'delivered', segments: [{ smscMessageId: submits[0]!.messageId, status: 'delivered' }] });
  });

  it('answers ESME_RX_T_APPN while the receipt cannot be stored, and ESME_ROK to the resend', async () => {
    const dir = tempDir();
    const { smsc, gw } = await setup({}, sqliteEnv(dir));
    const { id, submits } = await send(gw, smsc);
    const locker = new Database(path.join(dir, STORE_FILE));
    cleanups.push(() => {
      if (locker.open) locker.close();
    });
    locker.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    expect(await smsc.sendReceipt(submits[0]!)).toBe(ESME_RX_T_APPN);
    expect((await getStatus(gw, id)).json.status).toBe('accepted');
    expect(gw.logs.text).toContain('deliver_sm handler failed; asking the SMSC to retry');
    locker.exec('ROLLBACK');
    expect(await smsc.sendReceipt(submits[0]!)).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json.status).toBe('delivered');
    expect(await metricValue(gw, 'smsgw_dlr_received_total{smsc="default",stat="DELIVRD"}')).toBe(1);
  });

  it('deletes records past the retention', async () => {
    const dir = tempDir();
    // 0.0004 h = 1.44 s
    const { smsc, gw } = await setup({}, { ...sqliteEnv(dir), SMSGW_RETENTION_HOURS: '0.0004', SMSGW_STORE_PURGE_INTERVAL_MS: '100' });
    const { id } = await send(gw, smsc);
    expect((await getStatus(gw, id)).status).toBe(200);
    await eventually(async () => (await getStatus(gw, id)).status === 404, 'the record to be purged', 5000);
    await waitFor(() => gw.logs.records().some((r) => r.msg === 'message records past retention deleted' && r.purged === 1), 'the purge log line');
  });

  it('never writes the message text or the full number to the store files', async () => {
    const dir = tempDir();
    const { smsc, gw } = await setup({}, sqliteEnv(dir));
    const otp = '738261';
    const { id, submits } = await send(gw, smsc, `Your ExSign code is ${otp}. Do not share it.`);
    // SMSCs echo the start of the text in the receipt; held receipts are stored too.
    expect(await smsc.sendReceipt(submits[0]!, { text: `Your ExSign code is ${otp}` })).toBe(ESME_ROK);
    expect(await smsc.sendReceipt(submits[0]!, { id: 'UNKNOWN-1', text: `Your ExSign code is ${otp}` })).toBe(ESME_ROK);
    expect((await getStatus(gw, id)).json.status).toBe('delivered');

    const storeBytes = () => Buffer.concat(readdirSync(dir).map((file) => readFileSync(path.join(dir, file))));
    const forms = (s: string) => [Buffer.from(s, 'latin1'), Buffer.from(s, 'utf16le'), Buffer.from(s, 'utf16le').swap16()];
    expect(readdirSync(dir)).toEqual(expect.arrayContaining([STORE_FILE, `${STORE_FILE}-wal`]));
    const bytes = storeBytes();
    // Positive controls: the masked number and the held receipt's id are there, so these are the right bytes.
    expect(bytes.includes(Buffer.from('+44*******456'))).toBe(true);
    expect(bytes.includes(Buffer.from('UNKNOWN-1'))).toBe(true);
    for (const secret of [otp, 'ExSign code', '447400123456']) {
      for (const form of forms(secret)) expect(bytes.includes(form)).toBe(false);
    }
    await gw.stop(); // checkpoints the WAL into the main file
    const after = storeBytes();
    for (const form of forms(otp)) expect(after.includes(form)).toBe(false);
  });
});

describe('status API', () => {
  it('answers 401 without a valid token, 404 for an unknown id, 403 outside the allowlist', async () => {
    // Callers come through a trusted proxy on 127.0.0.1: the proxy itself is allowed, a forwarded address outside the list is not.
    const { smsc, gw } = await setup({}, { SMSGW_TRUSTED_PROXIES: '127.0.0.1', SMSGW_ALLOWED_IPS: '127.0.0.1' });
    const { id } = await send(gw, smsc);
    const outside = { 'x-forwarded-for': '192.0.2.7' };
    const refused = { status: 403, json: { error: 'Caller address not allowed' } };
    // A known id and a valid token do not help a caller outside the allowlist; the address is checked first.
    expect(await getStatus(gw, id, { authorization: tokenHeader(), ...outside })).toEqual(refused);
    expect(await getStatus(gw, id, outside)).toEqual(refused);
    expect(await getStatus(gw, id, {})).toEqual({ status: 401, json: { error: expect.stringMatching(/Authorization header missing/) } });
    expect((await getStatus(gw, id, { authorization: tokenHeader('wrong-token') })).status).toBe(401);
    expect((await getStatus(gw, id, { authorization: `Bearer ${Buffer.from('exsign-test-token-7f3a9c').toString('base64')}` })).status).toBe(401);
    expect((await getStatus(gw, id)).status).toBe(200);
    expect(await getStatus(gw, 'c0ffee00-0000-4000-8000-000000000000')).toEqual({ status: 404, json: { error: expect.any(String) } });
    expect((await getStatus(gw, 'x'.repeat(500))).status).toBe(404);
  });

  it('refuses callers outside SMSGW_ALLOWED_IPS with 403', async () => {
    const { gw } = await setup({}, { SMSGW_ALLOWED_IPS: '10.0.0.0/8' });
    expect((await getStatus(gw, 'c0ffee00-0000-4000-8000-000000000000')).status).toBe(403);
  });
});
