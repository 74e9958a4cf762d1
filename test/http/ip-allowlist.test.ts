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
});
