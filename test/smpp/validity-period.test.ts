// validity_period: the relative SMPP time format, and the bytes of submit_sm as a fake SMSC reads
// them off the socket, for the first SMSC (SMSGW_SMSC_VALIDITY_S) and a listed one (SMSGW_SMSCS).
import type { Session } from 'smpp';
import { MAX_VALIDITY_S, relativeValidityPeriod } from '../../src/smpp/validity-period';
import { loadConfig } from '../../src/config/load-config';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, waitFor, withGateway } from '../support/gateway';

describe('relativeValidityPeriod', () => {
  it.each([
    [300, '000000000500000R'],
    [7 * 86_400, '000007000000000R'],
    [86_400 + 3600 + 60 + 1, '000001010101000R'],
    [MAX_VALIDITY_S, '000099235959000R'],
    [0, ''],
  ])('%d s → "%s"', (seconds, expected) => {
    expect(relativeValidityPeriod(seconds)).toBe(expected);
  });

  it('refuses what the format cannot carry', () => {
    expect(() => relativeValidityPeriod(MAX_VALIDITY_S + 1)).toThrow(RangeError);
    expect(() => relativeValidityPeriod(1.5)).toThrow(RangeError);
  });
});

describe('SMSGW_SMSC_VALIDITY_S', () => {
  it('defaults to 300 s and refuses values the format cannot carry, naming the variable', () => {
    const env = { NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 't', SMSGW_SMSC_URL: 'smpp://127.0.0.1:1' };
    expect(loadConfig({ env }).smsc.validityS).toBe(300);
    expect(() => loadConfig({ env: { ...env, SMSGW_SMSC_VALIDITY_S: '8640000' } })).toThrow(/smsc\.validityS \(SMSGW_SMSC_VALIDITY_S\): must be whole seconds/);
    expect(() => loadConfig({ env: { ...env, SMSGW_SMSCS: JSON.stringify([{ name: 'b', url: 'smpp://127.0.0.1:2', validityS: -1 }]) } })).toThrow(/smscs\[0\] \("b"\).*validityS/);
  });
});

/** Every submit_sm's validity_period, read from the raw bytes the SMSC received (SMPP 3.4 §4.4.1 field order). */
function recordValidityPeriods(session: Session, into: string[]): void {
  let pending = Buffer.alloc(0);
  session.socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 16 && pending.length >= pending.readUInt32BE(0)) {
      const pdu = pending.subarray(0, pending.readUInt32BE(0));
      pending = pending.subarray(pdu.length);
      if (pdu.readUInt32BE(4) !== 0x00000004) continue;
      let offset = 16;
      const cstring = () => {
        const end = pdu.indexOf(0, offset);
        const value = pdu.toString('ascii', offset, end);
        offset = end + 1;
        return value;
      };
      cstring(); // service_type
      offset += 2; // source_addr_ton, source_addr_npi
      cstring(); // source_addr
      offset += 2; // dest_addr_ton, dest_addr_npi
      cstring(); // destination_addr
      offset += 3; // esm_class, protocol_id, priority_flag
      cstring(); // schedule_delivery_time
      into.push(cstring());
    }
  });
}

describe('validity_period on the wire', () => {
  it('every submit_sm (each part of a long text too) carries the SMSC\'s relative validity; 0 sends none', async () => {
    const first = await startFakeSmsc();
    const second = await startFakeSmsc();
    const seen = { first: [] as string[], second: [] as string[] };
    first.smsc.on('session', (s: Session) => recordValidityPeriods(s, seen.first));
    second.smsc.on('session', (s: Session) => recordValidityPeriods(s, seen.second));
    const entry = { name: 'second', url: second.url, systemId: 'smsgw', password: 'secret12', validityS: 0 };
    try {
      await withGateway(
        first.url,
        { SMSGW_SMSC_VALIDITY_S: '600', SMSGW_SMSCS: JSON.stringify([entry]), SMSGW_ROUTES: JSON.stringify([{ prefix: '33', smscs: ['second'] }]) },
        async (gw) => {
          await waitFor(() => gw.gateway.smscs.every((c) => c.ready()), 'both SMSCs bound');
          expect((await gw.post(sms('Your code is 1234'))).json.IsSuccess).toBe(true);
          expect((await gw.post(sms('x'.repeat(200)))).json.IsSuccess).toBe(true); // two parts
          expect((await gw.post(sms('Votre code est 1234', '+33612345678'))).json.IsSuccess).toBe(true);
          await waitFor(() => seen.first.length === 3 && seen.second.length === 1, 'four submit_sm read off the sockets');
        },
      );
      expect(seen.first).toEqual(['000000001000000R', '000000001000000R', '000000001000000R']);
      expect(seen.second).toEqual(['']);
    } finally {
      await first.smsc.stop();
      await second.smsc.stop();
    }
  });
});
