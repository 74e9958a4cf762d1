import { sourceAddress } from '../../src/sms/source-address';

describe('sourceAddress', () => {
  it.each([
    ['ExSign', { addr: 'ExSign', ton: 5, npi: 0 }],
    ['12345', { addr: '12345', ton: 3, npi: 0 }],
    ['+447400123456', { addr: '447400123456', ton: 1, npi: 1 }],
    ['447400123456', { addr: '447400123456', ton: 1, npi: 1 }],
  ])('%s → %j', (sender, expected) => {
    expect(sourceAddress(sender)).toEqual(expected);
  });

  it('lets configured TON/NPI override the derived ones', () => {
    expect(sourceAddress('ExSign', 2, 1)).toEqual({ addr: 'ExSign', ton: 2, npi: 1 });
    expect(sourceAddress('ExSign', -1, 9)).toEqual({ addr: 'ExSign', ton: 5, npi: 9 });
  });
});
