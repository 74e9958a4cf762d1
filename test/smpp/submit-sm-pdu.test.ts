import { PDU } from 'smpp';
import { encodeSubmitSm } from '../../src/smpp/submit-sm-pdu';

describe('encodeSubmitSm', () => {
  const fields = {
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'ExSign',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '447400123456',
    esm_class: 0x40,
    registered_delivery: 1,
    data_coding: 8,
    short_message: Buffer.from('050003aa0201d83dde00', 'hex'),
  };

  it('produces exactly the bytes of the library encoder, sequence number included', () => {
    const ours = encodeSubmitSm(fields)!;
    ours.sequence_number = 0x7fffffff;
    const library = new PDU('submit_sm', { ...fields, sequence_number: 0x7fffffff });
    expect(ours.toBuffer().toString('hex')).toBe(library.toBuffer().toString('hex'));
  });

  it('matches the library with a relative validity_period', () => {
    const withValidity = { ...fields, validity_period: '000000000500000R' };
    const ours = encodeSubmitSm(withValidity)!;
    ours.sequence_number = 9;
    expect(ours.toBuffer().toString('hex')).toBe(new PDU('submit_sm', { ...withValidity, sequence_number: 9 }).toBuffer().toString('hex'));
    expect(ours.toBuffer().includes(Buffer.from('\x00000000000500000R\x00', 'latin1'))).toBe(true);
  });

  it('matches the library for empty and 140-octet messages and a service_type', () => {
    for (const shortMessage of [Buffer.alloc(0), Buffer.alloc(140, 0x41)]) {
      const all = { ...fields, service_type: 'OTP', short_message: shortMessage };
      const ours = encodeSubmitSm(all)!;
      ours.sequence_number = 7;
      expect(ours.toBuffer().equals(new PDU('submit_sm', { ...all, sequence_number: 7 }).toBuffer())).toBe(true);
    }
  });

  it('decodes with the library to the same fields', () => {
    const ours = encodeSubmitSm(fields)!;
    ours.sequence_number = 42;
    const decoded = new PDU(ours.toBuffer());
    expect(decoded).toMatchObject({ command: 'submit_sm', sequence_number: 42, destination_addr: '447400123456', data_coding: 8, esm_class: 0x40 });
  });

  it('leaves fields it does not know to the library', () => {
    expect(encodeSubmitSm({ ...fields, schedule_delivery_time: '000001000000000R' })).toBeUndefined();
    expect(encodeSubmitSm({ ...fields, short_message: 'text' })).toBeUndefined();
  });
});
