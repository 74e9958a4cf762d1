import { maskNumber, parseDestination } from '../../src/sms/phone-number';

describe('parseDestination', () => {
  it.each([
    ['+447911123456', '', '447911123456'],
    ['+44 7911 123456', '', '447911123456'],
    ['00447911123456', '', '447911123456'],
    ['07911 123456', 'GB', '447911123456'],
    ['+966501234567', 'GB', '966501234567'],
    ['+1 201-555-0123', '', '12015550123'],
  ])('%s (region %s) → %s', (input, region, digits) => {
    expect(parseDestination(input, region)?.digits).toBe(digits);
  });

  it.each([['07911 123456', ''], ['+447700900123', ''], ['+44 12', ''], ['hello', 'GB'], ['', 'GB'], ['+'.padEnd(40, '1'), '']])(
    'refuses %j (region %j)',
    (input, region) => {
      expect(parseDestination(input, region)).toBeNull();
    },
  );
});

describe('maskNumber', () => {
  it('keeps the country and the last four digits only', () => {
    expect(maskNumber('+447911123456')).toBe('+4479****3456');
    expect(maskNumber('+12015550123')).toBe('+1201****0123');
  });
});
