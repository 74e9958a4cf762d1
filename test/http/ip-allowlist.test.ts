import { createAllowlist } from '../../src/http/ip-allowlist';

describe('createAllowlist', () => {
  const allowed = createAllowlist(['127.0.0.1', '::1', '10.20.0.0/16', '2001:db8::/32']);

  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['10.20.255.1', true],
    ['::ffff:10.20.3.4', true],
    ['10.21.0.1', false],
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    ['127.0.0.2', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(allowed(address)).toBe(expected);
  });

  const isAllowed = createAllowlist(['127.0.0.1', '10.1.0.0/16', '2001:db8::/32']);

  it('matches addresses, CIDR blocks and IPv4-mapped IPv6, the same on every call', () => {
    for (let round = 0; round < 3; round++) {
      expect(isAllowed('127.0.0.1')).toBe(true);
      expect(isAllowed('::ffff:10.1.200.7')).toBe(true);
      expect(isAllowed('2001:db8::42')).toBe(true);
      expect(isAllowed('10.2.0.1')).toBe(false);
      expect(isAllowed('::ffff:192.0.2.1')).toBe(false);
      expect(isAllowed(undefined)).toBe(false);
      expect(isAllowed('')).toBe(false);
    }
  });

  it('keeps answering correctly past the size of its verdict cache', () => {
    for (let i = 0; i < 3000; i++) {
      const address = `10.${1 + (i % 2)}.${(i >> 8) & 0xff}.${i & 0xff}`;
      expect(isAllowed(address)).toBe(i % 2 === 0);
    }
    expect(isAllowed('127.0.0.1')).toBe(true);
    expect(isAllowed('192.0.2.1')).toBe(false);
  });
});
