// Interop against an SMSC we did not write: a small script on Debian's Net::SMPP
// (libnet-smpp-perl, installed by .ci/run). Bind, submit (GSM and UCS-2, single and multipart),
// delivery receipts, unbind. Skipped when perl cannot load Net::SMPP (unless tools are required: tools.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sms, startGateway, waitFor, type TestGateway } from '../support/gateway';
import { hasTool } from '../support/tools';

const hasNetSmpp = hasTool('perl', ['-MNet::SMPP', '-MJSON::PP', '-e', '1']);
const describeInterop = hasNetSmpp ? describe : describe.skip;

interface Reported {
  pdu: string;
  [field: string]: unknown;
}

describeInterop('interop with a Net::SMPP (Perl) SMSC', () => {
  let smsc: ChildProcess;
  let reported: Reported[];
  let gw: TestGateway;

  beforeAll(async () => {
    smsc = spawn('perl', [path.join(__dirname, 'net-smpp-smsc.pl')], { stdio: ['ignore', 'pipe', 'inherit'] });
    reported = [];
    const port = await new Promise<number>((resolve, reject) => {
      smsc.once('exit', (code) => reject(new Error(`Net::SMPP SMSC exited early (${code})`)));
      createInterface({ input: smsc.stdout! }).on('line', (line) => {
        const listening = /^LISTENING (\d+)$/.exec(line);
        if (listening) resolve(Number(listening[1]));
        else reported.push(JSON.parse(line) as Reported);
      });
    });
    gw = await startGateway(`smpp://127.0.0.1:${port}`);
    await waitFor(() => gw.gateway.smsc.ready(), 'bound to Net::SMPP');
  });

  afterAll(async () => {
    await gw?.stop();
    if (smsc.exitCode === null) smsc.kill();
  });

  const submits = () => reported.filter((r) => r.pdu === 'submit_sm');
  const bytes = (r: Reported) => Buffer.from(String(r.short_message_hex), 'hex');
  /** Concatenated text from UDH parts (05 00 03 ref total seq), in sequence order. */
  function reassemble(parts: Reported[], decode: (b: Buffer) => string): { ref: number; total: number; text: string } {
    const pieces = parts.map((p) => {
      const b = bytes(p);
      expect(b.subarray(0, 3)).toEqual(Buffer.from([0x05, 0x00, 0x03]));
      return { ref: b[3]!, total: b[4]!, seq: b[5]!, body: b.subarray(6) };
    });
    expect(new Set(pieces.map((p) => p.ref)).size).toBe(1);
    pieces.sort((a, b) => a.seq - b.seq);
    expect(pieces.map((p) => p.seq)).toEqual(pieces.map((_, i) => i + 1));
    return { ref: pieces[0]!.ref, total: pieces[0]!.total, text: pieces.map((p) => decode(p.body)).join('') };
  }

  it('binds as an SMPP 3.4 transceiver with the configured credentials', () => {
    expect(reported[0]).toEqual({ pdu: 'bind_transceiver', system_id: 'smsgw', password: 'secret12', interface_version: 0x34 });
  });

  it('submits a GSM 03.38 message as unpacked septets (data_coding 0)', async () => {
    const before = submits().length;
    expect((await gw.post(sms('Code @£ 42', '+447400123456'))).json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    const [submit] = submits().slice(before);
    expect(submit).toMatchObject({ destination_addr: '447400123456', dest_addr_ton: 1, source_addr: 'ExSign', source_addr_ton: 5, esm_class: 0, data_coding: 0, registered_delivery: 1 });
    expect(submit!.short_message_hex).toBe('436f6465200001203432'); // '@' = 0x00, '£' = 0x01
  });

  it('submits a multipart GSM message with a concatenation UDH', async () => {
    const text = `Your one-time code is 482913. ${'It expires in ten minutes; never share it with anyone. '.repeat(3)}`.trim();
    const before = submits().length;
    expect((await gw.post(sms(text))).json.IsSuccess).toBe(true);
    const parts = submits().slice(before);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part).toMatchObject({ esm_class: 0x40, data_coding: 0 });
    const joined = reassemble(parts, (b) => b.toString('latin1'));
    expect(joined).toMatchObject({ total: 2, text });
  });

  it('submits a multipart UCS-2 message (data_coding 8, UTF-16BE)', async () => {
    const text = 'Ваш код подтверждения: 582046. Никому не сообщайте этот код, даже сотрудникам банка.';
    const before = submits().length;
    expect((await gw.post(sms(text))).json.IsSuccess).toBe(true);
    const parts = submits().slice(before);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part).toMatchObject({ esm_class: 0x40, data_coding: 8 });
    expect(reassemble(parts, (b) => Buffer.from(b).swap16().toString('utf16le'))).toMatchObject({ total: 2, text });
  });

  it('answers every delivery receipt and matches it to the message id Net::SMPP gave', async () => {
    const before = submits().length;
    expect((await gw.post(sms('Your code is 271828. '.repeat(10)))).json.IsSuccess).toBe(true);
    await waitFor(() => submits().length === before + 2, 'both parts at Net::SMPP');
    const ids = submits().slice(before).map((s) => String(s.message_id));
    // Net::SMPP sends a deliver_sm per part and reports its sequence number; each needs its own resp.
    const receipts = () => reported.filter((r) => r.pdu === 'deliver_sm' && ids.includes(String(r.message_id)));
    await waitFor(() => receipts().length === 2, 'a receipt per part');
    const seqs = receipts().map((r) => r.seq);
    const answers = () => reported.filter((r) => r.pdu === 'deliver_sm_resp' && seqs.includes(r.seq));
    await waitFor(() => answers().length === 2, 'a deliver_sm_resp per receipt');
    expect(answers().map((r) => r.status)).toEqual([0, 0]);
    const matched = () => gw.logs.records().filter((r) => r.msg === 'delivery receipt' && ids.includes(String(r.smscMessageId)));
    await waitFor(() => matched().length === 2, 'both receipts in the log');
    expect(matched().map((r) => `${r.smscMessageId} ${r.stat}`).sort()).toEqual(ids.map((id) => `${id} DELIVRD`).sort());
  });

  it('unbinds on stop, and Net::SMPP answers unbind_resp and exits cleanly', async () => {
    const exited = once(smsc, 'exit');
    await gw.stop();
    const [code] = await exited;
    expect(reported.at(-1)).toEqual({ pdu: 'unbind' });
    expect(code).toBe(0);
    expect(gw.logs.records().some((r) => r.to === 'unbinding')).toBe(true);
    expect(gw.logs.records().some((r) => r.msg === 'unknown command_id from SMSC; answered generic_nack')).toBe(false);
  });
});
