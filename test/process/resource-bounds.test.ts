// What floods and faults can make the production gateway keep, and how it recovers, as a process:
// refused requests leave no counters, receipts for unknown ids are held up to a bound, SMSC ids
// longer than SMPP allows are not kept, a PDU shorter than its header is answered generic_nack and
// drops the session at once, and after a disk-full episode the store and its checkpoint worker
// come back by themselves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { openSqliteStore, STORE_FILE } from '../../src/store/sqlite-store';
import type { MessageRecord } from '../../src/store/message-store';
import { afterNextMalformed, behaviours, startFakeSmsc } from '../support/fake-smsc';
import { exsignBody, getMessage, postExsign, productionEnv, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/gateway';
import { hasTool } from '../support/tools';

const { ESME_ROK, ESME_RINVCMDLEN, ESME_RX_T_APPN } = COMMAND_STATUS;

let work: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'smsgw-bounds-'));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function setup(smscOptions = behaviours.happy(), extra: Record<string, string> = {}) {
  const { smsc, url } = await startFakeSmsc(smscOptions);
  cleanups.push(() => smsc.stop());
  const gw = await startGatewayProcess(productionEnv(url, work, extra));
  cleanups.push(() => gw.stop());
  return { smsc, gw };
}

const post = (gw: GatewayProcess, number: string, text: string) => postExsign(gw, exsignBody(number, text));

async function statusOf(gw: GatewayProcess, id: string) {
  const { status, text } = await getMessage(gw, id);
  return { status, json: JSON.parse(text) as Record<string, unknown> };
}

const logIndex = (gw: GatewayProcess, msg: string | RegExp, from = 0) => gw.logs().findIndex((l, i) => i >= from && (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));

describe('refused requests keep nothing', () => {
  it('2,000 requests refused by the gateway-wide limit, each to a new number, add no rate-limit counter', async () => {
    const { gw, smsc } = await setup(behaviours.happy(), { SMSGW_LIMIT_GLOBAL: '1' });
    expect((await post(gw, '+447400100000', 'Your code is 1')).json.IsSuccess).toBe(true);
    // number, number per day, number range, gateway-wide per minute and per day
    expect(await gw.metric('smsgw_abuse_rate_limit_keys')).toBe(5);
    let next = 1;
    const refusals: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next <= 2000) {
          const i = next++;
          refusals.push((await post(gw, `+447400${100000 + i * 7}`, `Your code is ${i}`)).json.ErrorDetails);
        }
      }),
    );
    expect(refusals).toHaveLength(2000);
    expect(refusals.every((details) => details.startsWith('Gateway-wide rate limit reached'))).toBe(true);
    expect(await gw.metric('smsgw_abuse_refusals_total{reason="global_rate_limited"}')).toBe(2000);
    expect(await gw.metric('smsgw_abuse_rate_limit_keys')).toBe(5);
    expect(smsc.submits).toHaveLength(1);
  }, 30_000);
});

describe('receipts and ids from the SMSC are bounded', () => {
  it('holds at most SMSGW_DLR_EARLY_RECEIPT_HOLD_MAX receipts for unknown ids, answers the rest ESME_ROK and counts them dropped', async () => {
    const { gw, smsc } = await setup(behaviours.happy(), { SMSGW_DLR_EARLY_RECEIPT_HOLD_MAX: '50' });
    expect((await post(gw, '+447400123456', 'Your code is 7')).json.IsSuccess).toBe(true);
    const submit = smsc.submits[0]!;
    const answers: number[] = [];
    for (let i = 0; i < 200; i++) answers.push(await smsc.sendReceipt(submit, { id: `UNKNOWN${i}` }));
    expect(answers.every((status) => status === ESME_ROK)).toBe(true);
    expect(await gw.metric('smsgw_dlr_early_receipts_dropped_total{smsc="default"}')).toBe(150);
    await waitFor(() => logIndex(gw, 'early receipt hold full: receipts matching no message are dropped until it drains') >= 0, 'the hold-full warning');
    expect(gw.logs().filter((l) => l.msg === 'early receipt hold full: receipts matching no message are dropped until it drains')).toHaveLength(1);
    // A receipt for a message the gateway knows is still applied.
    expect(await smsc.sendReceipt(submit)).toBe(ESME_ROK);
    await waitFor(() => gw.logs().some((l) => l.msg === 'delivery receipt' && l.correlation === 'matched'), 'the known receipt to be matched');
  });

  it('does not keep a 3,000-character message id: the submit counts as accepted without it, a receipt naming it is refused', async () => {
    const { gw, smsc } = await setup(behaviours['oversized-message-id'](3000));
    const { json, messageId } = await post(gw, '+447400123456', 'Your code is 8');
    expect(json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect((await statusOf(gw, messageId)).json).toMatchObject({ status: 'accepted', segments: [{ smscMessageId: null, status: 'accepted' }] });
    await waitFor(() => logIndex(gw, /^submit_sm_resp message_id longer than SMPP 3\.4 allows/) >= 0, 'the oversized id to be logged');
    expect(gw.logs().find((l) => String(l.msg).startsWith('submit_sm_resp message_id longer than SMPP 3.4 allows'))).toMatchObject({ length: 3000, max: 64 });
    // A receipt naming the id in its receipted_message_id TLV (2-byte length: the text field could not carry it).
    const receipt = { source_addr: '447400123456', destination_addr: 'ExSign', esm_class: 0x04, receipted_message_id: smsc.submits[0]!.messageId, message_state: 2, short_message: Buffer.from('stat:DELIVRD') };
    expect(await smsc.sendDeliver('deliver_sm', receipt)).toBe(ESME_ROK);
    await waitFor(() => gw.logs().some((l) => l.msg === 'delivery receipt could not be parsed'), 'the receipt to be refused');
    expect(await gw.metric('smsgw_dlr_early_receipts_dropped_total{smsc="default"}')).toBe(0);
    expect(Math.max(...gw.stdout.map((line) => line.length))).toBeLessThan(3000);
  });
});

describe('hostile SMSC', () => {
  it('a PDU whose command_length (4) is shorter than its header is answered generic_nack ESME_RINVCMDLEN and drops the session at once; the submit is resent on a new bind', async () => {
    // Keep-alive and response timeouts far beyond the request deadline: only dropping the session at once can save the request.
    const { gw, smsc } = await setup(behaviours['command-length-too-short'](1), {
      SMSGW_SMSC_ENQUIRE_LINK_MS: '60000',
      SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS: '60000',
      SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '60000',
      SMSGW_REQUEST_DEADLINE_MS: '8000',
    });
    const exchange = afterNextMalformed(smsc);
    expect((await post(gw, '+447400123456', 'Your code is 9')).json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(2);
    expect(smsc.bindAttempts).toHaveLength(2);
    // Before the connection closed, the SMSC was told why: 4 octets hold no sequence_number, so 0.
    expect(await exchange).toEqual({ kind: 'too-short', heard: [{ command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: 0 }] });
    expect(await gw.metric('smsgw_smpp_disconnects_total{smsc="default",reason="malformed_pdu"}')).toBe(1);
    await waitFor(() => gw.logs().some((l) => l.reason === 'malformed-pdu'), 'the dropped session to be logged');
    expect(gw.logs().find((l) => l.reason === 'malformed-pdu')).toMatchObject({ detail: expect.stringContaining('command_length 4 is shorter than the 16-byte header') });
    expect(gw.logs().find((l) => String(l.msg).startsWith('PDU command_length 4'))).toMatchObject({
      level: 40,
      commandLength: 4,
      msg: 'PDU command_length 4 is shorter than the 16-byte header; answered generic_nack ESME_RINVCMDLEN (0x02), sequence_number 0; dropping the session',
    });
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
  });
});

describe('store faults', () => {
  // A full disk, made real with RLIMIT_FSIZE on the gateway process: writes past the limit fail with EFBIG.
  (hasTool('prlimit', ['--version']) ? it : it.skip)(
    'after a disk-full episode the checkpoint worker restarts by itself; lost records and receipts are counted',
    async () => {
      const dataDir = mkdtempSync(path.join(work, 'data-'));
      // A store of a few MB, so the pages a new record touches lie far past the WAL's first frames.
      const filler = openSqliteStore(dataDir);
      const now = Date.now();
      const fillerRecord = (i: number): MessageRecord => ({
        id: `0-filler-${String(i).padStart(6, '0')}`,
        smsc: 'default',
        status: 'delivered',
        to: '+44*******000',
        numberHash: 'f'.repeat(64),
        segments: [{ smscMessageId: `0${i}`, status: 'delivered', error: null, acceptedAt: now }],
        submittedAt: now,
        updatedAt: now,
      });
      await Promise.all(Array.from({ length: 5000 }, (_, i) => filler.create(fillerRecord(i))));
      await filler.close();
      const storeBytes = statSync(path.join(dataDir, STORE_FILE)).size;
      expect(storeBytes).toBeGreaterThan(1_000_000);

      const { gw, smsc } = await setup(behaviours.happy(), { SMSGW_STORE: 'sqlite', SMSGW_DATA_DIR: dataDir, SMSGW_LIMITS_ENABLED: 'false' });
      const fileSizeLimit = (limit: string) => execFileSync('prlimit', ['--pid', String(gw.child.pid), `--fsize=${limit}:`]);
      const before = await post(gw, '+447400123456', 'Your code is 10');
      expect((await statusOf(gw, before.messageId)).status).toBe(200);

      // 1. Files may not grow past half the store: the WAL's first frames still fit, the checkpoint's writes do not.
      fileSizeLimit(String(Math.floor(storeBytes / 2)));
      const duringCheckpointFault = await post(gw, '+447400123457', 'Your code is 11');
      expect(duringCheckpointFault.json.IsSuccess).toBe(true);
      await waitFor(() => logIndex(gw, /^checkpoint failed: .*; SQLite checkpoints in the commits again/) >= 0, 'the checkpoint to fail', 5000);

      // 2. Nothing may be written at all: the record of a sent message and a receipt are lost, and counted.
      fileSizeLimit('4096');
      const lost = await post(gw, '+447400123458', 'Your code is 12');
      expect(lost.json).toEqual({ IsSuccess: true, ErrorDetails: '' }); // the SMS went out all the same
      await waitFor(() => logIndex(gw, 'message record not stored; its receipts will go unmatched') >= 0, 'the lost record to be logged');
      expect(await gw.metric('smsgw_store_write_failures_total{write="message_record"}')).toBe(1);
      expect((await statusOf(gw, lost.messageId)).status).toBe(404);
      expect(await smsc.sendReceipt(smsc.submits[0]!)).toBe(ESME_RX_T_APPN); // the SMSC is asked to send it again
      expect(await gw.metric('smsgw_store_write_failures_total{write="receipt"}')).toBe(1);

      // 3. Space again: a new worker takes over by itself, and records are kept again.
      fileSizeLimit('unlimited');
      const lastFailure = () => gw.logs().reduce((last, l, i) => (/SQLite checkpoints in the commits again/.test(String(l.msg)) ? i : last), -1);
      await waitFor(() => logIndex(gw, 'WAL checkpoint worker running again; commits no longer checkpoint', lastFailure() + 1) > lastFailure(), 'the checkpoint worker to run again', 15_000);
      const after = await post(gw, '+447400123459', 'Your code is 13');
      expect((await statusOf(gw, after.messageId)).status).toBe(200);
      expect(await smsc.sendReceipt(smsc.submits[0]!)).toBe(ESME_ROK);
      expect(gw.stderr()).toBe('');
    },
    40_000,
  );
});
