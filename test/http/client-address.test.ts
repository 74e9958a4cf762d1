import { isIPv6 } from 'node:net';
import { createClientAddress } from '../../src/http/client-address';
import { createAllowlist } from '../../src/http/ip-allowlist';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, type TestGateway, withGateway } from '../support/gateway';
import { hasIpv6Loopback } from '../support/tools';

describe('client address from X-Forwarded-For', () => {
  const viaProxy = createClientAddress(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  const noProxy = createClientAddress([]);

  it.each([
    ['an untrusted peer: XFF ignored', noProxy, '198.51.100.9', '10.1.2.3', '198.51.100.9'],
    ['an untrusted peer with a trusted list: XFF ignored', viaProxy, '198.51.100.9', '203.0.113.5', '198.51.100.9'],
    ['a trusted proxy, no XFF: the proxy itself', viaProxy, '127.0.0.1', undefined, '127.0.0.1'],
    ['a trusted proxy: the address it appended', viaProxy, '127.0.0.1', '203.0.113.5', '203.0.113.5'],
    ['a spoofed entry left of the real one is skipped', viaProxy, '127.0.0.1', '10.9.9.9, 203.0.113.5', '203.0.113.5'],
    ['a client claiming to be a trusted proxy does not become one', viaProxy, '127.0.0.1', '127.0.0.1, 203.0.113.5', '203.0.113.5'],
    ['a chain of trusted proxies is walked from the right', viaProxy, '127.0.0.1', '203.0.113.5, 10.0.0.7, 10.0.0.8', '203.0.113.5'],
    ['only trusted hops: the left-most', viaProxy, '127.0.0.1', '10.0.0.7, 10.0.0.8', '10.0.0.7'],
    ['IPv4 with a port', viaProxy, '127.0.0.1', '203.0.113.5:4711', '203.0.113.5'],
    ['IPv6', viaProxy, '127.0.0.1', '2001:DB8::5', '2001:db8::5'],
    ['bracketed IPv6 with a port', viaProxy, '127.0.0.1', '[2001:db8::5]:443', '2001:db8::5'],
    ['IPv4-mapped in XFF', viaProxy, '127.0.0.1', '::ffff:203.0.113.5', '203.0.113.5'],
    ['an IPv4-mapped trusted peer', viaProxy, '::ffff:127.0.0.1', '203.0.113.5', '203.0.113.5'],
    ['an IPv6 trusted peer', viaProxy, 'fd00::1', '203.0.113.5', '203.0.113.5'],
    ['garbage at the deciding hop: unknown', viaProxy, '127.0.0.1', 'unknown', undefined],
    ['garbage left of the deciding hop is never read', viaProxy, '127.0.0.1', 'garbage, 203.0.113.5', '203.0.113.5'],
    ['an empty hop: unknown', viaProxy, '127.0.0.1', '203.0.113.5, ', undefined],
    ['a mapped peer without XFF is read as IPv4', noProxy, '::ffff:192.0.2.1', undefined, '192.0.2.1'],
  ])('%s', (_name, resolve, peer, xff, expected) => {
    expect(resolve(peer, xff)).toBe(expected);
  });

  it('allowlist matches IPv4, IPv6 and IPv4-mapped addresses against CIDRs, and never garbage', () => {
    const allowed = createAllowlist(['10.0.0.0/8', '2001:db8::/32', '::1']);
    expect(allowed('10.1.2.3')).toBe(true);
    expect(allowed('::ffff:10.1.2.3')).toBe(true);
    expect(allowed('::FFFF:10.1.2.3')).toBe(true);
    expect(allowed('2001:db8:1::9')).toBe(true);
    expect(allowed('::1')).toBe(true);
    expect(allowed('0:0:0:0:0:0:0:1')).toBe(true);
    expect(allowed('11.0.0.1')).toBe(false);
    expect(allowed('::ffff:11.0.0.1')).toBe(false);
    expect(allowed('2001:db9::1')).toBe(false);
    expect(allowed(undefined)).toBe(false);
    expect(allowed('not an address')).toBe(false);
  });
});

// Skipped, and reported as skipped, where the machine has no IPv6 loopback (unless tools are required).
const withIpv6Loopback = hasIpv6Loopback() ? it : it.skip;

describe('caller address over real sockets', () => {
  let smsc: SmscSimulator;
  let smscUrl: string;
  beforeAll(async () => {
    ({ smsc, url: smscUrl } = await startFakeSmsc());
  });
  afterAll(() => smsc.stop());
  beforeEach(() => {
    smsc.submits.length = 0;
  });

  const refused = { IsSuccess: false, ErrorDetails: 'Caller address not allowed' };
  const clientLogged = (gw: TestGateway) => gw.logs.records().filter((r) => r.msg === 'exsign request').pop()?.client;

  it('behind a trusted proxy: the right-most untrusted X-Forwarded-For hop is the caller', async () => {
    await withGateway(smscUrl, { SMSGW_TRUSTED_PROXIES: '127.0.0.1', SMSGW_ALLOWED_IPS: '10.0.0.0/8' }, async (gw) => {
      expect((await gw.post(sms('code 1'), { 'x-forwarded-for': '10.1.2.3' })).json.IsSuccess).toBe(true);
      expect(clientLogged(gw)).toBe('10.1.2.3');
      // The client put an allowed address first; the proxy appended the real one.
      expect((await gw.post(sms('code 2'), { 'x-forwarded-for': '10.1.2.3, 192.0.2.7' })).json).toEqual(refused);
      expect(clientLogged(gw)).toBe('192.0.2.7');
      expect((await gw.post(sms('code 3'))).json).toEqual(refused); // the proxy itself is not in the allowlist
      expect((await gw.post(sms('code 4'), { 'x-forwarded-for': 'unknown' })).json).toEqual(refused);
      expect(smsc.submits).toHaveLength(1);
    });
  });

  it('without a trusted proxy a spoofed X-Forwarded-For changes nothing', async () => {
    await withGateway(smscUrl, { SMSGW_ALLOWED_IPS: '10.0.0.0/8' }, async (gw) => {
      expect((await gw.post(sms('code 1'), { 'x-forwarded-for': '10.1.2.3' })).json).toEqual(refused);
      expect(clientLogged(gw)).toBe('127.0.0.1');
    });
    await withGateway(smscUrl, {}, async (gw) => {
      expect((await gw.post(sms('code 1'), { 'x-forwarded-for': '192.0.2.7' })).json.IsSuccess).toBe(true);
    });
    expect(smsc.submits).toHaveLength(1);
  });

  it('reads IPv4-mapped socket addresses as IPv4 (listening on ::ffff:127.0.0.1)', async () => {
    await withGateway(smscUrl, { SMSGW_HTTP_HOST: '::ffff:127.0.0.1', SMSGW_ALLOWED_IPS: '127.0.0.1' }, async (gw) => {
      expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
      expect(clientLogged(gw)).toBe('127.0.0.1');
    });
    await withGateway(smscUrl, { SMSGW_HTTP_HOST: '::ffff:127.0.0.1', SMSGW_ALLOWED_IPS: '10.0.0.0/8' }, async (gw) => {
      expect((await gw.post(sms('code 1'))).json).toEqual(refused);
    });
  });

  withIpv6Loopback('serves and checks IPv6 callers on ::1, with IPv6 proxies and CIDRs', async () => {
    await withGateway(smscUrl, { SMSGW_HTTP_HOST: '::1', SMSGW_ALLOWED_IPS: '::1' }, async (gw) => {
      expect(gw.url).toMatch(/^http:\/\/\[::1\]:/);
      expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
      expect(isIPv6(String(clientLogged(gw)))).toBe(true);
    });
    await withGateway(smscUrl, { SMSGW_HTTP_HOST: '::1', SMSGW_ALLOWED_IPS: '127.0.0.1' }, async (gw) => {
      expect((await gw.post(sms('code 1'))).json).toEqual(refused);
    });
    await withGateway(smscUrl, { SMSGW_HTTP_HOST: '::1', SMSGW_TRUSTED_PROXIES: '::1', SMSGW_ALLOWED_IPS: '2001:db8::/32,10.0.0.0/8' }, async (gw) => {
      expect((await gw.post(sms('code 1'), { 'x-forwarded-for': '[2001:db8::5]:443' })).json.IsSuccess).toBe(true);
      expect((await gw.post(sms('code 2'), { 'x-forwarded-for': '::ffff:10.1.2.3' })).json.IsSuccess).toBe(true);
      expect(clientLogged(gw)).toBe('10.1.2.3');
      expect((await gw.post(sms('code 3'), { 'x-forwarded-for': '2001:db8::5, 2001:db9::1' })).json).toEqual(refused);
    });
  });
});
