import { randomBytes } from 'node:crypto';
import { GatewayError, notBound, queueFull, responseTimeout } from '../../src/errors';
import { createAbuseGuard, type AbuseGuardOptions, type Guarded, type RequestRef } from '../../src/limits/abuse-guard';
import { checkDestination, resolveCountries } from '../../src/limits/destination-policy';
import { parseDestination, type HashedDestination } from '../../src/sms/phone-number';
import { createMemoryCounterStore } from '../../src/store/memory-counter-store';
import { exsignText } from '../support/wording';

// The guard keys its counters on the hash the SMS service made; any value distinct per number will do.
const dest = (number: string): HashedDestination => {
  const parsed = parseDestination(number, '');
  if (!parsed) throw new Error(`test number ${number} does not parse`);
  return { ...parsed, hash: `hash-of-${parsed.e164}` };
};

const OFF = { perNumber: 0, perNumberDaily: 0, perPrefix: 0, global: 0, dailyBudget: 0 };
const WINDOWS = { perNumberWindowMs: 600_000, perNumberDailyWindowMs: 86_400_000, perPrefixWindowMs: 3_600_000, globalWindowMs: 60_000, dailyBudgetWindowMs: 86_400_000 };

function guard(overrides: Partial<AbuseGuardOptions> = {}) {
  const refusals: string[] = [];
  let duplicates = 0;
  const g = createAbuseGuard({
    ...OFF,
    ...WINDOWS,
    countries: ['*'],
    defaultRegion: '',
    mobileOnly: true,
    dedupeWindowMs: 0,
    store: createMemoryCounterStore(),
    hashKey: randomBytes(32),
    onRefusal: (code) => refusals.push(code),
    onDuplicate: () => duplicates++,
    ...overrides,
  });
  return { g, refusals, duplicates: () => duplicates };
}

const sent = (ids = ['1']) => jest.fn(async () => ids);
let requests = 0;
/** A request of its own: its id, and a record the test says is stored. */
const request = (): RequestRef & { markRecorded(): void } => {
  let markRecorded!: () => void;
  return { messageId: `request-${++requests}`, recorded: new Promise((resolve) => (markRecorded = resolve)), markRecorded: () => markRecorded() };
};
const idsOf = async (guarded: Promise<Guarded>) => (await guarded).result;
const codeOf = async (guarded: Promise<Guarded>) => idsOf(guarded).then(() => 'SENT', (err: GatewayError) => err.code);

describe('destination policy', () => {
  it.each([
    [['GB'], '', { everyCountry: false, listed: ['GB'] }],
    [[], 'GB', { everyCountry: false, listed: ['GB'] }],
    [['*'], 'GB', { everyCountry: true, listed: [] }],
    [['*', '001'], '', { everyCountry: true, listed: ['001'] }],
    [[], '', { everyCountry: true, listed: [] }],
    [['GB', 'GG', 'JE', 'IM'], 'GB', { everyCountry: false, listed: ['GB', 'GG', 'JE', 'IM'] }],
  ])('countries %j with default region "%s" → %j', (configured, region, expected) => {
    const resolved = resolveCountries(configured, region);
    expect({ everyCountry: resolved.everyCountry, listed: [...resolved.listed] }).toEqual(expected);
  });

  it.each([
    [['*'], '+252612345678', 'Somali mobile', undefined],
    [['*'], '+881631234567', 'Iridium (+8816)', 'COUNTRY_NOT_ALLOWED'],
    [['*'], '+870773111632', 'Inmarsat (+870)', 'COUNTRY_NOT_ALLOWED'],
    [['*', '001'], '+881631234567', 'Iridium, 001 listed', undefined],
    [['GB', '001'], '+881631234567', 'Iridium, GB and 001 listed', undefined],
    [['GB', '001'], '+252612345678', 'Somali mobile, GB and 001 listed', 'COUNTRY_NOT_ALLOWED'],
  ])('countries %j: %s (%s) → %s', (configured, number, _what, code) => {
    expect(checkDestination(dest(number), resolveCountries(configured, ''), true)?.code).toBe(code);
  });

  it.each([
    ['+447400123456', 'GB mobile', undefined],
    ['+447911123456', 'Guernsey mobile (+44 7911)', 'COUNTRY_NOT_ALLOWED'],
    ['+33612345678', 'French mobile', 'COUNTRY_NOT_ALLOWED'],
    ['+883510000000', 'non-geographic (+883)', 'COUNTRY_NOT_ALLOWED'],
    ['+442079460000', 'London fixed line', 'NOT_MOBILE'],
    ['+449012345678', 'UK premium rate', 'NOT_MOBILE'],
    ['+447012345678', 'UK personal number', 'NOT_MOBILE'],
    ['+445612345678', 'UK VoIP', 'NOT_MOBILE'],
  ])('GB only, mobile only: %s (%s) → %s', (number, _what, code) => {
    expect(checkDestination(dest(number), resolveCountries(['GB'], ''), true)?.code).toBe(code);
  });

  it('passes NANP numbers (FIXED_LINE_OR_MOBILE) and fixed lines when mobileOnly is off', () => {
    expect(checkDestination(dest('+12025550123'), resolveCountries(['*'], ''), true)).toBeUndefined();
    expect(checkDestination(dest('+442079460000'), resolveCountries(['*'], ''), false)).toBeUndefined();
  });

  it('says why, without the number', () => {
    expect(exsignText(checkDestination(dest('+33612345678'), resolveCountries(['GB'], ''), true))).toBe('MobileNumber refused: country FR is not allowed (allowed: GB)');
    expect(exsignText(checkDestination(dest('+881631234567'), resolveCountries(['*'], ''), true))).toBe(
      'MobileNumber refused: non-geographic numbers (+881) are not allowed (allowed: every country)',
    );
    expect(exsignText(checkDestination(dest('+449012345678'), resolveCountries(['*'], ''), true))).toBe('MobileNumber refused: it is a premium-rate number; only mobile numbers are accepted');
  });
});

describe('abuse guard', () => {
  it('refuses before sending and counts the refusal', async () => {
    const { g, refusals } = guard({ countries: ['GB'] });
    const send = sent();
    expect(await codeOf(g.run(dest('+33612345678'), 'code 1', request(), send))).toBe('COUNTRY_NOT_ALLOWED');
    expect(send).not.toHaveBeenCalled();
    expect(refusals).toEqual(['COUNTRY_NOT_ALLOWED']);
  });

  it.each([
    ['per number', { perNumber: 3 }, ['+447400123456', '+447400123456', '+447400123456', '+447400123456'], 'NUMBER_RATE_LIMITED'],
    ['per number per day', { perNumberDaily: 3 }, ['+447400123456', '+447400123456', '+447400123456', '+447400123456'], 'NUMBER_DAILY_LIMIT'],
    ['per prefix', { perPrefix: 3 }, ['+447400121111', '+447400122222', '+447400123333', '+447400124444'], 'PREFIX_RATE_LIMITED'],
    ['global', { global: 3 }, ['+447400123456', '+447812345678', '+447300123456', '+447400129999'], 'GLOBAL_RATE_LIMITED'],
    ['daily budget', { dailyBudget: 3 }, ['+447400123456', '+447812345678', '+447300123456', '+447400129999'], 'DAILY_BUDGET_EXCEEDED'],
  ])('%s: the 3rd passes, the 4th is refused with its own code', async (_name, limits, numbers, code) => {
    const { g, refusals } = guard(limits);
    const send = sent();
    const results = [];
    for (const [i, number] of numbers.entries()) results.push(await codeOf(g.run(dest(number), `text ${i}`, request(), send)));
    expect(results).toEqual(['SENT', 'SENT', 'SENT', code]);
    expect(send).toHaveBeenCalledTimes(3);
    expect(refusals).toEqual([code]);
  });

  it('counts a different number in the same prefix only against the prefix', async () => {
    const { g } = guard({ perNumber: 1, perPrefix: 5 });
    expect(await codeOf(g.run(dest('+447400121111'), 'a', request(), sent()))).toBe('SENT');
    expect(await codeOf(g.run(dest('+447400122222'), 'a', request(), sent()))).toBe('SENT');
    expect(await codeOf(g.run(dest('+447400121111'), 'b', request(), sent()))).toBe('NUMBER_RATE_LIMITED');
  });

  it('gives the slot back when the SMSC never got the message, but not when the outcome is unknown', async () => {
    const { g } = guard({ perNumber: 1 });
    const number = dest('+447400123456');
    for (const failure of [notBound(), queueFull()]) {
      expect(await codeOf(g.run(number, 'x', request(), async () => Promise.reject(failure)))).toBe(failure.code);
    }
    expect(await codeOf(g.run(number, 'x', request(), async () => Promise.reject(responseTimeout(100))))).toBe('SMSC_TIMEOUT');
    expect(await codeOf(g.run(number, 'y', request(), sent()))).toBe('NUMBER_RATE_LIMITED');
  });

  it('sends identical text to the same number once inside the window; the repeat gets the first result', async () => {
    const { g, duplicates } = guard({ dedupeWindowMs: 30_000, perNumber: 10 });
    let finish: (ids: string[]) => void = () => undefined;
    const send = jest.fn(() => new Promise<string[]>((resolve) => (finish = resolve)));
    const firstRequest = request();
    const first = g.run(dest('+447400123456'), 'Your code is 1234', firstRequest, send);
    const repeat = g.run(dest('+447400123456'), 'Your code is 1234', request(), send); // while the first is in flight
    await new Promise((r) => setImmediate(r));
    finish(['abc']);
    expect(await idsOf(first)).toEqual(['abc']);
    expect(await idsOf(repeat)).toEqual(['abc']);
    expect(await idsOf(g.run(dest('+447400123456'), 'Your code is 1234', request(), send))).toEqual(['abc']); // after it succeeded
    expect(send).toHaveBeenCalledTimes(1);
    // The repeat is answered for by the first: its id, and its record once the first says it is stored.
    const { duplicateOf } = await repeat;
    expect(duplicateOf?.messageId).toBe(firstRequest.messageId);
    expect((await first).duplicateOf).toBeUndefined();
    let recorded = false;
    void duplicateOf!.recorded.then(() => (recorded = true));
    await new Promise((r) => setImmediate(r));
    expect(recorded).toBe(false);
    firstRequest.markRecorded();
    await new Promise((r) => setImmediate(r));
    expect(recorded).toBe(true);
    expect(duplicates()).toBe(2);
    // Another text, or another number, is a new message: sent again, with its own result.
    const otherText = sent(['def']);
    const otherNumber = sent(['ghi']);
    const other = g.run(dest('+447400123456'), 'Your code is 9999', request(), otherText);
    expect(await idsOf(other)).toEqual(['def']);
    expect(await idsOf(g.run(dest('+447812345678'), 'Your code is 1234', request(), otherNumber))).toEqual(['ghi']);
    expect(otherText).toHaveBeenCalledTimes(1);
    expect(otherNumber).toHaveBeenCalledTimes(1);
    expect((await other).duplicateOf).toBeUndefined();
    expect(duplicates()).toBe(2);
  });

  it('tries again after a failed first instead of repeating the failure', async () => {
    const { g } = guard({ dedupeWindowMs: 30_000 });
    expect(await codeOf(g.run(dest('+447400123456'), 'code 5', request(), async () => Promise.reject(notBound())))).toBe('SMSC_NOT_BOUND');
    expect(await codeOf(g.run(dest('+447400123456'), 'code 5', request(), sent()))).toBe('SENT');
  });

  it('does not count repeats against the limits', async () => {
    const { g } = guard({ dedupeWindowMs: 30_000, perNumber: 2 });
    for (let i = 0; i < 5; i++) expect(await codeOf(g.run(dest('+447400123456'), 'same', request(), sent()))).toBe('SENT');
    expect(await codeOf(g.run(dest('+447400123456'), 'other', request(), sent()))).toBe('SENT');
    expect(await codeOf(g.run(dest('+447400123456'), 'third', request(), sent()))).toBe('NUMBER_RATE_LIMITED');
  });
});
