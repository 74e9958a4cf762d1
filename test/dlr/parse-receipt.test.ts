import { PDU } from 'smpp';
import {
  parseReceipt,
  parseReceiptText,
  readDeliver,
  receiptTextOf,
  type Receipt,
  type ReceiptPduLike,
} from '../../src/dlr/parse-receipt';

// Every PDU goes through the library's real encoder and decoder, so the tests see what the
// session will hand us, including its decoding quirks.
function wire(command: 'deliver_sm' | 'data_sm' | 'submit_sm', fields: Record<string, unknown>): PDU {
  return new PDU(new PDU(command, fields).toBuffer());
}

function receiptPdu(text: string, fields: Record<string, unknown> = {}): PDU {
  return wire('deliver_sm', {
    esm_class: 0x04,
    data_coding: 0x00,
    short_message: Buffer.from(text, 'latin1'),
    ...fields,
  });
}

function parsed(text: string, fields: Record<string, unknown> = {}): Receipt | null {
  return parseReceipt(receiptPdu(text, fields));
}

const SPEC_EXAMPLE =
  'id:0123456789 sub:001 dlvrd:001 submit date:2107281230 done date:2107281235 stat:DELIVRD err:000 Text:Your PIN is 4821';

describe('parseReceipt: carrier text variants (smpp-gateways.md §5)', () => {
  it('parses the SMPP 3.4 Appendix B example with a capitalised Text:', () => {
    expect(parsed(SPEC_EXAMPLE)).toEqual<Receipt>({
      messageId: '0123456789',
      stat: 'DELIVRD',
      rawStat: 'DELIVRD',
      state: 'delivered',
      err: '000',
      submitted: 1,
      delivered: 1,
      submitDate: '2107281230',
      doneDate: '2107281235',
      source: 'text',
    });
    expect(parseReceiptText(SPEC_EXAMPLE)?.text).toBe('Your PIN is 4821');
  });

  it('accepts a lowercase text: label', () => {
    const text = 'id:88 sub:001 dlvrd:000 submit date:2107281230 done date:2107281235 stat:UNDELIV err:001 text:Your code';
    expect(parsed(text)).toMatchObject({ messageId: '88', stat: 'UNDELIV', state: 'undeliverable', err: '001', delivered: 0 });
    expect(parseReceiptText(text)?.text).toBe('Your code');
  });

  it('accepts fields out of order and labels in any case', () => {
    const text = 'Stat:EXPIRED ERR:000 ID:ab12 DONE DATE:2107290000 Sub:001 dlvrd:000 Submit Date:2107281230 text:x';
    expect(parsed(text)).toMatchObject({
      messageId: 'ab12',
      stat: 'EXPIRED',
      state: 'expired',
      err: '000',
      submitted: 1,
      delivered: 0,
      submitDate: '2107281230',
      doneDate: '2107290000',
    });
  });

  it('accepts a receipt without sub and dlvrd (jsmpp#62)', () => {
    const r = parsed('id:77 submit date:2107281230 done date:2107281235 stat:DELIVRD err:000 text:hi');
    expect(r).toMatchObject({ messageId: '77', stat: 'DELIVRD', submitted: null, delivered: null });
  });

  it('accepts a receipt with no text field at all', () => {
    const text = 'id:77 sub:001 dlvrd:001 submit date:2107281230 done date:2107281235 stat:DELIVRD err:000';
    expect(parsed(text)).toMatchObject({ messageId: '77', stat: 'DELIVRD', err: '000' });
    expect(parseReceiptText(text)?.text).toBeUndefined();
  });

  it('accepts an empty Text:', () => {
    const text = 'id:77 sub:001 dlvrd:001 submit date:2107281230 done date:2107281235 stat:DELIVRD err:000 Text:';
    expect(parsed(text)).toMatchObject({ messageId: '77', err: '000' });
    expect(parseReceiptText(text)?.text).toBe('');
  });

  it('ignores trailing padding spaces and NULs', () => {
    expect(parsed('id:77 stat:DELIVRD err:000      ')).toMatchObject({ messageId: '77', err: '000' });
    expect(parsed('id:77 stat:DELIVRD err:000\0\0\0\0')).toMatchObject({ messageId: '77', err: '000' });
    expect(parseReceiptText('id:77 stat:DELIVRD err:000 text:hi   \0\0')?.text).toBe('hi');
  });

  it.each([
    ['10-digit YYMMDDhhmm', '2107281230'],
    ['12-digit YYMMDDhhmmss', '210728123045'],
    ['14-digit yyyyMMddHHmmss', '20210728123045'],
    ['SMPP absolute time with tenths and quarter-hour offset', '180711070003912+'],
  ])('keeps %s dates raw', (_format, date) => {
    expect(parsed(`id:1 sub:001 dlvrd:001 submit date:${date} done date:${date} stat:DELIVRD err:000 text:`)).toMatchObject({
      submitDate: date,
      doneDate: date,
    });
  });

  it('turns all-zero date placeholders into null', () => {
    expect(parsed('id:1 submit date:0000000000 done date:000000000000 stat:DELIVRD err:000')).toMatchObject({
      submitDate: null,
      doneDate: null,
    });
  });

  it.each([
    ['DELIVERED', 'DELIVRD', 'delivered'],
    ['ACKED', 'ENROUTE', null],
    ['BUFFRED', 'ENROUTE', null],
    ['BUFFERD', 'ENROUTE', null],
    ['delivrd', 'DELIVRD', 'delivered'],
    ['UNDELIVERABLE', 'UNDELIV', 'undeliverable'],
    ['ACCEPTD', 'ACCEPTD', null],
    ['REJECTD', 'REJECTD', 'rejected'],
    ['DELETED', 'DELETED', 'undeliverable'],
    ['UNKNOWN', 'UNKNOWN', 'unknown'],
    ['SCHEDLD', 'SCHEDLD', null],
    ['SKIPPED', 'SKIPPED', 'undeliverable'],
    ['FAILED', 'OTHER', null],
  ])('normalises stat:%s to %s (state %s) and keeps the raw word', (word, stat, state) => {
    expect(parsed(`id:1 stat:${word} err:000`)).toMatchObject({ stat, state, rawStat: word });
  });

  it.each([
    ['1', 'ENROUTE'], ['2', 'DELIVRD'], ['3', 'EXPIRED'], ['4', 'DELETED'], ['5', 'UNDELIV'],
    ['6', 'ACCEPTD'], ['7', 'UNKNOWN'], ['8', 'REJECTD'], ['9', 'SKIPPED'], ['0', 'SCHEDLD'], ['10', 'OTHER'],
  ])('maps a numeric stat:%s to %s', (word, stat) => {
    expect(parsed(`id:1 stat:${word} err:000`)).toMatchObject({ stat, rawStat: word });
  });

  it('keeps a 4-digit err and an err written as "err: 0"', () => {
    expect(parsed('id:1 stat:UNDELIV err:0000 text:')?.err).toBe('0000');
    expect(parsed('id:1 stat:DELIVRD err: 0 text:')?.err).toBe('0');
  });

  it('keeps alphanumeric err values, including nul', () => {
    expect(parsed('id:1 stat:UNDELIV err:0A1 text:')?.err).toBe('0A1');
    expect(parsed('id:1 stat:UNDELIV err:nul text:')?.err).toBe('nul');
  });

  it('accepts a UUID id (jasmin#535)', () => {
    const id = '6f1c8a2e-3b4d-4e5f-9a0b-1c2d3e4f5a6b';
    expect(parsed(`id:${id} sub:001 dlvrd:001 stat:DELIVRD err:000 text:`)?.messageId).toBe(id);
  });

  it('accepts a letter-prefixed id such as S2131… (node-smpp#68)', () => {
    expect(parsed('id:S2131052510455 sub:001 dlvrd:001 stat:DELIVRD err:000 text:')?.messageId).toBe('S2131052510455');
  });

  it('keeps a decimal id above 2^63 as a string (jasmin#586)', () => {
    expect(parsed('id:9380935605053030457 sub:001 dlvrd:001 stat:DELIVRD err:000 text:')?.messageId).toBe(
      '9380935605053030457',
    );
  });

  it('accepts a 64-character id and rejects a longer one', () => {
    expect(parsed(`id:${'a'.repeat(64)} stat:DELIVRD`)?.messageId).toBe('a'.repeat(64));
    expect(parsed(`id:${'a'.repeat(65)} stat:DELIVRD`)).toBeNull();
  });

  it('accepts the submit_date / done_date spelling', () => {
    expect(parsed('id:1 submit_date:2107281230 done_date:2107281235 stat:DELIVRD')).toMatchObject({
      submitDate: '2107281230',
      doneDate: '2107281235',
    });
  });

  it('accepts comma-separated fields', () => {
    expect(parsed('id:42,stat:DELIVRD,err:000')).toMatchObject({ messageId: '42', stat: 'DELIVRD', err: '000' });
  });

  it('does not read labels inside the echoed text once id and stat are known', () => {
    const fields = parseReceiptText('id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Your id: 99 stat: ok');
    expect(fields).toMatchObject({ messageId: '1', rawStat: 'DELIVRD', text: 'Your id: 99 stat: ok' });
  });

  it('still finds the fields when text: comes first', () => {
    expect(parseReceiptText('text:hello id:5 stat:DELIVRD err:000')).toMatchObject({
      messageId: '5',
      rawStat: 'DELIVRD',
      text: 'hello',
    });
  });
});

describe('parseReceipt: where the receipt arrives', () => {
  it('reads a TLV-only receipt with receipted_message_id but no message_state', () => {
    const pdu = wire('deliver_sm', { esm_class: 0x04, data_coding: 0, short_message: Buffer.alloc(0), receipted_message_id: 'abc123' });
    expect(parseReceipt(pdu)).toEqual<Receipt>({
      messageId: 'abc123',
      stat: 'OTHER',
      rawStat: null,
      state: null,
      err: null,
      submitted: null,
      delivered: null,
      submitDate: null,
      doneDate: null,
      source: 'tlv',
    });
  });

  it('reads message_state and network_error_code TLVs', () => {
    const pdu = wire('deliver_sm', {
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.alloc(0),
      receipted_message_id: '3e9',
      message_state: 5,
      network_error_code: Buffer.from([0x03, 0x00, 0x0a]),
    });
    expect(parseReceipt(pdu)).toMatchObject({ messageId: '3e9', stat: 'UNDELIV', rawStat: '5', state: 'undeliverable', err: '03000a', source: 'tlv' });
  });

  it('prefers the TLVs and fills the gaps from the text', () => {
    const r = parsed(SPEC_EXAMPLE.replace('err:000', 'err:012'), { receipted_message_id: '75bcd15', message_state: 5 });
    expect(r).toMatchObject({
      messageId: '75bcd15',
      stat: 'UNDELIV',
      rawStat: '5',
      err: '012',
      submitted: 1,
      submitDate: '2107281230',
      source: 'tlv+text',
    });
  });

  it('reads message_payload when short_message is empty (sm_length 0)', () => {
    const pdu = wire('deliver_sm', {
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.alloc(0),
      message_payload: Buffer.from(SPEC_EXAMPLE, 'latin1'),
    });
    expect(receiptTextOf(pdu)).toBe(SPEC_EXAMPLE);
    expect(parseReceipt(pdu)).toMatchObject({ messageId: '0123456789', stat: 'DELIVRD', source: 'text' });
  });

  it('reads a data_sm receipt (jasmin#139)', () => {
    const pdu = wire('data_sm', {
      esm_class: 0x04,
      data_coding: 0,
      message_payload: Buffer.from(SPEC_EXAMPLE, 'latin1'),
      receipted_message_id: '0123456789',
      message_state: 2,
      network_error_code: Buffer.from([0x01, 0x00, 0x00]),
    });
    expect(readDeliver(pdu).kind).toBe('receipt');
    expect(parseReceipt(pdu)).toMatchObject({
      messageId: '0123456789',
      stat: 'DELIVRD',
      state: 'delivered',
      err: '010000',
      submitted: 1,
      source: 'tlv+text',
    });
  });

  it.each([
    ['0x08 (SME delivery acknowledgement)', 0x08],
    ['0x20 (intermediate delivery notification)', 0x20],
  ])('recognises esm_class %s as a receipt', (_name, esmClass) => {
    const pdu = receiptPdu('id:1 stat:ENROUTE err:000', { esm_class: esmClass });
    expect(readDeliver(pdu).kind).toBe('receipt');
    expect(parseReceipt(pdu)).toMatchObject({ messageId: '1', stat: 'ENROUTE', state: null });
  });

  it('recognises receipt-shaped text when the SMSC leaves esm_class at 0', () => {
    const pdu = receiptPdu(SPEC_EXAMPLE, { esm_class: 0 });
    expect(readDeliver(pdu).kind).toBe('receipt');
    expect(parseReceipt(pdu)?.messageId).toBe('0123456789');
  });

  it('recognises a receipted_message_id TLV when esm_class is 0', () => {
    const pdu = wire('deliver_sm', { esm_class: 0, data_coding: 0, short_message: Buffer.alloc(0), receipted_message_id: 'x1', message_state: 2 });
    expect(parseReceipt(pdu)).toMatchObject({ messageId: 'x1', stat: 'DELIVRD' });
  });

  it('does not take an ordinary MO deliver_sm for a receipt', () => {
    for (const text of ['Hello, see you at 5', 'my id: 12345 please', 'STOP']) {
      const pdu = receiptPdu(text, { esm_class: 0 });
      expect(readDeliver(pdu).kind).toBe('message');
      expect(parseReceipt(pdu)).toBeNull();
    }
  });

  it('ignores commands other than deliver_sm and data_sm', () => {
    const pdu = wire('submit_sm', { esm_class: 0x04, data_coding: 0, short_message: Buffer.from(SPEC_EXAMPLE) });
    expect(readDeliver(pdu).kind).toBe('message');
    expect(parseReceipt(pdu)).toBeNull();
  });

  it('returns null for a flagged receipt without any id', () => {
    expect(readDeliver(receiptPdu('stat:DELIVRD err:000')).kind).toBe('receipt-without-id');
    expect(parsed('stat:DELIVRD err:000')).toBeNull();
    expect(parsed('')).toBeNull();
  });
});

describe('receiptTextOf: undoing the library decoding', () => {
  it('recovers ASCII text sent with data_coding 8 (node-smpp#68)', () => {
    const pdu = receiptPdu(SPEC_EXAMPLE, { data_coding: 0x08 });
    expect((pdu.short_message as { message: unknown }).message).not.toBe(SPEC_EXAMPLE);
    expect(SPEC_EXAMPLE.length % 2).toBe(0);
    expect(receiptTextOf(pdu)).toBe(SPEC_EXAMPLE);
    expect(parseReceipt(pdu)).toMatchObject({ messageId: '0123456789', stat: 'DELIVRD', err: '000' });
  });

  it('loses only the odd last byte the library dropped under data_coding 8', () => {
    const text = 'id:123 stat:DELIVRD err:000 ';
    const odd = text + 'x';
    expect(receiptTextOf(receiptPdu(odd, { data_coding: 0x08 }))).toBe(text);
    expect(parseReceipt(receiptPdu(odd, { data_coding: 0x08 }))).toMatchObject({ messageId: '123', err: '000' });
  });

  it('decodes a receipt that really is UTF-16BE', () => {
    const text = 'id:5 stat:DELIVRD err:000 text:Код 4821';
    const pdu = receiptPdu('', { data_coding: 0x08, short_message: Buffer.from(text, 'utf16le').swap16() });
    expect(receiptTextOf(pdu)).toBe(text);
  });

  it.each([0x00, 0x01])('recovers bytes the GSM table changed under data_coding %i', (dataCoding) => {
    const text = 'id:a_b@c$d-e stat:DELIVRD err:000 text:{x} [y] ~|^\\ 100% `ok`';
    const pdu = receiptPdu(text, { data_coding: dataCoding });
    expect((pdu.short_message as { message: unknown }).message).not.toBe(text);
    expect(receiptTextOf(pdu)).toBe(text);
    expect(parseReceipt(pdu)?.messageId).toBe('a_b@c$d-e');
  });

  it('round-trips every 7-bit byte and every GSM escape pair through the data_coding 0 decoder', () => {
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 128 }, (_, i) => i)),
      Buffer.from([0x1b, 0x0a, 0x1b, 0x14, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x2f, 0x1b, 0x3c, 0x1b, 0x3d, 0x1b, 0x3e, 0x1b, 0x40, 0x1b, 0x65, 0x1b]),
    ]);
    const pdu = receiptPdu('', { data_coding: 0, short_message: bytes });
    expect(receiptTextOf(pdu)).toBe(bytes.toString('latin1'));
  });

  it('reads Latin-1 (data_coding 3) and undecoded data_coding values byte for byte', () => {
    const bytes = Buffer.from('id:1 stat:DELIVRD text:café ÿ', 'latin1');
    for (const dataCoding of [0x03, 0x02, 0x04, 0xf4]) {
      expect(receiptTextOf(receiptPdu('', { data_coding: dataCoding, short_message: bytes }))).toBe(bytes.toString('latin1'));
    }
  });

  it('puts back a UDH the library split off because esm_class had 0x40 set', () => {
    const pdu = receiptPdu(SPEC_EXAMPLE, { esm_class: 0x44 });
    expect((pdu.short_message as { udh?: unknown }).udh).toBeDefined();
    expect(receiptTextOf(pdu)).toBe(SPEC_EXAMPLE);
    expect(parseReceipt(pdu)?.messageId).toBe('0123456789');
  });

  it('takes a hand-built string as the text when there is no data_coding', () => {
    const pdu: ReceiptPduLike = { command: 'deliver_sm', esm_class: 4, short_message: { message: 'id:a_1 stat:DELIVRD' } };
    expect(receiptTextOf(pdu)).toBe('id:a_1 stat:DELIVRD');
    expect(receiptTextOf({ command: 'deliver_sm', short_message: 'id:2 stat:DELIVRD' })).toBe('id:2 stat:DELIVRD');
  });
});

describe('defensive behaviour', () => {
  const garbage: unknown[] = [
    null,
    undefined,
    42,
    'deliver_sm',
    {},
    { command: 'deliver_sm' },
    { command: 'deliver_sm', esm_class: 4, short_message: 42 },
    { command: 'deliver_sm', esm_class: 4, short_message: { message: 42 } },
    { command: 'deliver_sm', esm_class: 4, short_message: { message: 'id:1 stat:x', udh: [1, 2] }, data_coding: 8 },
    { command: 'deliver_sm', esm_class: 'x', receipted_message_id: 5, message_state: 'x', network_error_code: 'abc' },
    { command: 'data_sm', esm_class: 4, receipted_message_id: '\0\0', message_payload: null },
    { command: 'deliver_sm', esm_class: 4, receipted_message_id: 'id1\x04\x27\x00\x01\x02', message_state: 200 },
  ];

  it.each(garbage.map((g) => [g]))('never throws on %j', (input) => {
    const pdu = input as ReceiptPduLike;
    expect(() => readDeliver(pdu)).not.toThrow();
    expect(() => parseReceipt(pdu)).not.toThrow();
    expect(() => receiptTextOf(pdu)).not.toThrow();
  });

  it('cuts a receipted_message_id that ran into the next TLV and maps an unknown message_state to OTHER', () => {
    const pdu = { command: 'deliver_sm', esm_class: 4, receipted_message_id: 'id1\x04\x27\x00\x01\x02', message_state: 200 };
    expect(parseReceipt(pdu)).toMatchObject({ messageId: 'id1', stat: 'OTHER', rawStat: '200', state: null });
  });

  it('never throws on random bytes decoded by the library', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const fragments = ['id:', 'stat:', 'text:', 'err:', ' ', '\0', 'submit date:', 'DELIVRD', '0', 'ff'];
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(Array.from({ length: next() % 200 }, () => next() % 256));
      const text = bytes.toString('latin1') + fragments[next() % fragments.length] + fragments[next() % fragments.length];
      const pdu = wire(i % 2 ? 'deliver_sm' : 'data_sm', {
        esm_class: next() % 256,
        data_coding: next() % 256,
        [i % 2 ? 'short_message' : 'message_payload']: Buffer.from(text, 'latin1'),
      });
      expect(() => parseReceipt(pdu)).not.toThrow();
      expect(() => parseReceiptText(text)).not.toThrow();
    }
  });

  it('scans pathological text in linear time: 8 times the text takes about as long as 8 texts, not 8 times longer', () => {
    // Labels without colons, a label split by a long run of spaces, thousands of empty fields and
    // padding that a trailing /\s+$/ would scan from every position (quadratic): each `scale` times.
    const pathological = (scale: number) =>
      'id  '.repeat(320 * scale) + 'submit' + ' '.repeat(800 * scale) + 'stat :'.repeat(160 * scale) +
      'id:1 stat:DELIVRD text:a' + ' \0'.repeat(800 * scale) + 'b';
    /** The fastest of several runs, the one least disturbed by the collector and the machine. */
    const fastestMs = (texts: string[]) => {
      let fastest = Infinity;
      for (let run = 0; run < 9; run++) {
        const started = process.hrtime.bigint();
        const parsed = texts.map(parseReceiptText);
        fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e6);
        for (const fields of parsed) expect(fields).toMatchObject({ rawStat: 'stat', stat: 'OTHER', text: expect.stringMatching(/^a.*b$/s) });
      }
      return fastest;
    };
    const eightSmall = Array.from({ length: 8 }, () => pathological(1));
    const oneLarge = [pathological(8)];
    fastestMs(eightSmall); // warm-up
    // The same number of characters either way: linear takes about as long, quadratic 8 times as long.
    const ratio = fastestMs(oneLarge) / fastestMs(eightSmall);
    expect(ratio).toBeLessThan(3);
  });
});
