import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CountryCode } from 'libphonenumber-js/max';

type Library = Pick<typeof import('libphonenumber-js/max'), 'parsePhoneNumberFromString'>;

const INPUTS: [string, CountryCode | undefined][] = [
  ['+447911123456', undefined], // Guernsey on purpose: GG by libphonenumber, shares +44 with GB
  ['+447400123456', undefined],
  ['+442079460000', undefined], // London fixed line
  ['+447700900123', undefined], // drama range: invalid
  ['07911 123456', 'GB'], // the same Guernsey number, national form with GB as the default region
  ['+4915112345678', undefined],
  ['+33612345678', undefined],
  ['+12025550123', undefined],
  ['+79161234567', undefined],
  ['+8613812345678', undefined],
  ['+918123456789', undefined],
  ['+2348031234567', undefined],
  ['+44 12', undefined],
  ['+999123456789', undefined],
  ['call me', undefined],
];

function answers(library: Library) {
  return INPUTS.map(([input, region]) => {
    const parsed = library.parsePhoneNumberFromString(input, region);
    return parsed && { number: parsed.number, country: parsed.country, valid: parsed.isValid(), type: parsed.getType() };
  });
}

const LIBRARY_ROOT = path.dirname(require.resolve('libphonenumber-js/package.json'));
/** The library's module that tests a number against a metadata pattern: what the cache replaces. */
const HELPER = path.join(LIBRARY_ROOT, 'build', 'helpers', 'matchesEntirely.js');
const versionOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
type Helper = { default: (text: string | undefined, pattern: string) => boolean };

describe('cachePhonePatterns', () => {
  it('runs on the one libphonenumber-js release it was measured on: package.json pins it exactly', () => {
    const pinned = (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['libphonenumber-js'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versionOf(path.join(LIBRARY_ROOT, 'package.json'))).toBe(pinned);
  });

  it('patches the library in place and leaves every answer as it was', async () => {
    let before: ReturnType<typeof answers> = [];
    let after: ReturnType<typeof answers> = [];
    await jest.isolateModulesAsync(async () => {
      before = answers(await import('libphonenumber-js/max'));
    });
    await jest.isolateModulesAsync(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- outside the package's exports map
      const helper = require(HELPER) as Helper;
      const original = helper.default;
      const { cachePhonePatterns } = await import('../../src/sms/phone-pattern-cache');
      if (!cachePhonePatterns()) {
        throw new Error(
          `the pattern cache no longer applies to libphonenumber-js ${versionOf(path.join(LIBRARY_ROOT, 'package.json'))} (build/helpers/matchesEntirely.js moved or changed): ` +
            'numbers would still be validated, about 4 times slower (20 against 5 µs for a UK mobile). Adapt src/sms/phone-pattern-cache.ts to the release, or drop it, before moving the pin in package.json',
        );
      }
      const patched = helper.default;
      expect(patched).not.toBe(original);
      expect(cachePhonePatterns()).toBe(true); // idempotent: not wrapped twice
      expect(helper.default).toBe(patched);
      // The library's own validation calls go through the replaced export.
      const calls = jest.spyOn(helper, 'default');
      after = answers(await import('libphonenumber-js/max'));
      expect(calls.mock.calls.length).toBeGreaterThan(INPUTS.length);
      expect(calls.mock.calls.every(([, pattern]) => typeof pattern === 'string')).toBe(true);
    });
    expect(after).toEqual(before);
    expect(before.filter((a) => a?.valid)).toHaveLength(11);
  });
});
