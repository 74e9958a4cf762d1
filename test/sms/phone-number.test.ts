import { maskNumber, parseDestination } from '../../src/sms/phone-number';

describe('parseDestination', () => {
  it.each([
    ['+447400123456', '', '447400123456'],
    ['+44 7400 123456', '', '447400123456'],
    ['00447400123456', '', '447400123456'],
    ['07400 123456', 'GB', '447400123456'],
    ['+966501234567', 'GB', '966501234567'],
    ['+1 201-555-0123', '', '12015550123'],
  ])('%s (region %s) → %s', (input, region, digits) => {
    expect(parseDestination(input, region)?.digits).toBe(digits);
  });

  it.each([['07400 123456', ''], ['+447700900123', ''], ['+44 12', ''], ['hello', 'GB'], ['', 'GB'], ['+'.padEnd(40, '1'), '']])(
    'refuses %j (region %j)',
    (input, region) => {
      expect(parseDestination(input, region)).toBeNull();
    },
  );
});

describe('maskNumber', () => {
  it.each([
    ['+447400123789', '+44*******789'],
    ['+12015550123', '+1*******123'],
    ['+252612345678', '+252******678'],
    ['+881631234567', '+881******567'],
    ['+3545112345', '+354****345'],
  ])('%s → %s: the country calling code and the last 3 digits only', (number, masked) => {
    expect(maskNumber(parseDestination(number, '')!)).toBe(masked);
  });
});

describe('countries', () => {
  it.each([
    ['+447400123456', 'GB', '44'],
    ['+447911123456', 'GG', '44'],
    ['+252612345678', 'SO', '252'],
    ['+881631234567', '001', '881'],
    ['+870773111632', '001', '870'],
    ['+80012345678', '001', '800'],
  ])('%s is filed under %s (calling code %s)', (number, country, callingCode) => {
    expect(parseDestination(number, '')).toMatchObject({ country, callingCode });
  });
});
