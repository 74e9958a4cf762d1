import { canonicalId } from '../../src/store/smsc-message-id';

describe('canonicalId', () => {
  it.each([
    [' 00AbC12 ', 'abc12'],
    ['0913121205', '913121205'],
    ['1101C1-ABCD', '1101c1-abcd'],
    ['000', '0'],
    ['0', '0'],
    ['', ''],
  ])('canonicalises %j to %j', (id, expected) => {
    expect(canonicalId(id)).toBe(expected);
  });

  it('makes case-changed and zero-padded ids meet (jasmin#1123, #916)', () => {
    expect(canonicalId('1101C1-7F')).toBe(canonicalId('1101c1-7f'));
    expect(canonicalId('0913121205')).toBe(canonicalId('913121205'));
  });
});
