// The SMS service on its own, with fake SMSCs, route and guard: what it checks before any wait,
// what it returns, and what a failure carries so the record and the log line can still be written.
import { GatewayError, notBound, smscRejected } from '../../src/errors';
import type { Guarded, RequestRef } from '../../src/limits/abuse-guard';
import type { PartOutcome } from '../../src/smpp/message-sender';
import type { EncodedMessage } from '../../src/sms/segment';
import { createSmsService, SendFailure, type SmsServiceOptions, type SmsTarget } from '../../src/sms/sms-service';
import { exsignText } from '../support/wording';

const NUMBER = '+447400123456';
const self: RequestRef = { messageId: 'request-1', recorded: Promise.resolve() };
const inAMinute = () => Date.now() + 60_000;

/** An SMSC that accepts every part (ids "<name>-<n>"), or answers each part as `answer` says. */
function fakeTarget(name: string, gsmDataCoding: 0 | 1 | 3 = 0, answer?: (part: number) => PartOutcome) {
  const sent: { digits: string; message: EncodedMessage }[] = [];
  const target: SmsTarget = {
    name,
    gsmDataCoding,
    async send(digits, message) {
      sent.push({ digits, message });
      return message.parts.map((_, i) => answer?.(i) ?? { smscMessageId: `${name}-${i}`, at: 1000 + i });
    },
  };
  return { target, sent };
}

function service(overrides: Partial<SmsServiceOptions> & { primary?: SmsTarget; chosen?: () => Promise<SmsTarget> } = {}) {
  const primary = overrides.primary ?? fakeTarget('primary').target;
  const choose = jest.fn(overrides.chosen ?? (async () => primary));
  const routed: string[] = [];
  const sms = createSmsService({
    defaultRegion: '',
    maxSegments: 3,
    route: (digits) => (routed.push(digits), { primary, choose }),
    hashNumber: (e164) => `${'ab'.repeat(8)}${e164.length}`,
    ...overrides,
  });
  return { sms, choose, routed };
}

/** The SendFailure a send rejects with. */
async function failureOf(sending: Promise<unknown>): Promise<SendFailure> {
  const err = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SendFailure)) throw new Error(`expected a SendFailure, got ${String(err)}`);
  return err;
}
const codeOf = (failure: SendFailure) => (failure.cause as GatewayError).code;

describe('SMS service', () => {
  it('sends to the route’s SMSC and returns what it sent: masked number, hash, parts, ids', async () => {
    const { target, sent } = fakeTarget('primary');
    const { sms, routed } = service({ primary: target });
    const result = await sms.send({ mobileNumber: NUMBER, text: 'Your code is 1234', deadline: inAMinute(), self });
    expect(routed).toEqual(['447400123456']);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.digits).toBe('447400123456');
    expect(result).toEqual({
      to: '+44*******456',
      numberHash: 'abababababababab',
      segments: 1,
      encoding: 'gsm7',
      smsc: 'primary',
      parts: [{ smscMessageId: 'primary-0', at: 1000 }],
      smscMessageIds: ['primary-0'],
      duplicateOf: undefined,
    });
  });

  it('numbers the parts of consecutive multipart messages with different references', async () => {
    const { target, sent } = fakeTarget('primary');
    const { sms } = service({ primary: target });
    for (let i = 0; i < 2; i++) await sms.send({ mobileNumber: NUMBER, text: 'x'.repeat(200), deadline: inAMinute(), self });
    const references = sent.map(({ message }) => message.parts[0]![3]); // UDH: 05 00 03 <reference> <total> <part>
    expect(sent.map(({ message }) => message.parts.length)).toEqual([2, 2]);
    expect(references[1]).toBe((references[0]! + 1) & 0xff);
  });

  it.each([
    ['', 'MobileNumber is not a valid phone number in international format (E.164, e.g. +447400123456)'],
    ['GB', 'MobileNumber is not a valid phone number (E.164, or national for GB)'],
  ])('refuses a number nothing can be sent to (default region "%s"), before routing', async (defaultRegion, wording) => {
    const { sms, routed } = service({ defaultRegion });
    const failure = await failureOf(sms.send({ mobileNumber: '12', text: 'x', deadline: inAMinute(), self }));
    expect(codeOf(failure)).toBe('INVALID_NUMBER');
    expect(exsignText(failure.cause)).toBe(wording);
    expect(failure.known).toEqual({ duplicateOf: undefined });
    expect(routed).toEqual([]);
    expect(() => sms.checkNumber('12')).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', facts: { defaultRegion } }));
    expect(() => sms.checkNumber(NUMBER)).not.toThrow();
  });

  it('checks the length against the route’s first SMSC before waiting for one', async () => {
    const { sms, choose } = service({ maxSegments: 1 });
    const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'x'.repeat(200), deadline: inAMinute(), self }));
    expect(codeOf(failure)).toBe('TEXT_TOO_LONG');
    expect(failure.cause).toMatchObject({ kind: 'text-too-long', facts: { segments: 2, limit: 1 } });
    expect(exsignText(failure.cause)).toBe('MessageText needs 2 SMS parts; the limit is 1');
    expect(failure.known).toMatchObject({ to: '+44*******456', numberHash: 'abababababababab', segments: 2 });
    expect(failure.known.parts).toBeUndefined();
    expect(choose).not.toHaveBeenCalled();
  });

  it('counts again for an SMSC of another data_coding, and refuses when the text no longer fits', async () => {
    // 150 characters: one GSM 7-bit part, two Latin-1 ones.
    const latin1 = fakeTarget('latin1', 3);
    const { sms } = service({ maxSegments: 1, chosen: async () => latin1.target });
    const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'x'.repeat(150), deadline: inAMinute(), self }));
    expect(codeOf(failure)).toBe('TEXT_TOO_LONG');
    expect(failure.known).toMatchObject({ segments: 2 });
    expect(failure.known.smsc).toBeUndefined();
    expect(latin1.sent).toHaveLength(0);
  });

  it('when no SMSC is bound in time, fails every part with that error, so the record says so', async () => {
    const error = notBound();
    const { sms } = service({ chosen: async () => Promise.reject(error) });
    const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'x'.repeat(200), deadline: inAMinute(), self }));
    expect(failure.cause).toBe(error);
    expect(failure.known).toMatchObject({ smsc: 'primary', segments: 2 });
    expect(failure.known.parts).toEqual([
      { error, at: expect.any(Number) },
      { error, at: expect.any(Number) },
    ]);
  });

  it('a part refused by the SMSC fails the message with every part’s outcome, the accepted ones included', async () => {
    const rejected = smscRejected(0x08);
    const { target } = fakeTarget('primary', 0, (part) => (part === 1 ? { error: rejected, at: 2000 } : { smscMessageId: `id-${part}`, at: 1000 }));
    const { sms } = service({ primary: target });
    const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'x'.repeat(200), deadline: inAMinute(), self }));
    expect(failure.cause).toBe(rejected);
    expect(failure.known).toMatchObject({ smsc: 'primary', encoding: 'gsm7', segments: 2 });
    expect(failure.known.parts).toEqual([
      { smscMessageId: 'id-0', at: 1000 },
      { error: rejected, at: 2000 },
    ]);
  });

  describe('with the abuse guard', () => {
    it('hands it the full hash and this request; a refusal sends nothing and carries what was known', async () => {
      const { target, sent } = fakeTarget('primary');
      const refusal = new GatewayError('rate-limited', { code: 'NUMBER_RATE_LIMITED', limit: 3, windowMs: 600_000, retryAfterMs: 1000, hiddenDigits: 0 });
      const run = jest.fn(async (): Promise<Guarded> => Promise.reject(refusal));
      const { sms } = service({ primary: target, guard: () => ({ run }) });
      const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'code', deadline: 123, self }));
      expect(run).toHaveBeenCalledWith(expect.objectContaining({ e164: NUMBER, hash: 'abababababababab13' }), 'code', self, expect.any(Function), 123);
      expect(failure.cause).toBe(refusal);
      expect(failure.known).toMatchObject({ to: '+44*******456', segments: 1 });
      expect(failure.known.parts).toBeUndefined();
      expect(sent).toHaveLength(0);
    });

    it('a repeat is answered with the first request’s ids and names it; nothing is sent', async () => {
      const { target, sent } = fakeTarget('primary');
      const first: RequestRef = { messageId: 'request-0', recorded: Promise.resolve() };
      const { sms } = service({ primary: target, guard: () => ({ run: async () => ({ result: Promise.resolve(['first-id']), duplicateOf: first }) }) });
      const result = await sms.send({ mobileNumber: NUMBER, text: 'code', deadline: inAMinute(), self });
      expect(result).toMatchObject({ smscMessageIds: ['first-id'], duplicateOf: first, segments: 1 });
      expect(result.parts).toBeUndefined();
      expect(sent).toHaveLength(0);
    });

    it('a repeat of a first that failed fails with its error and still names it', async () => {
      const first: RequestRef = { messageId: 'request-0', recorded: Promise.resolve() };
      const error = notBound();
      const { sms } = service({ guard: () => ({ run: async () => ({ result: Promise.reject(error), duplicateOf: first }) }) });
      const failure = await failureOf(sms.send({ mobileNumber: NUMBER, text: 'code', deadline: inAMinute(), self }));
      expect(failure.cause).toBe(error);
      expect(failure.known.duplicateOf).toBe(first);
    });
  });
});
