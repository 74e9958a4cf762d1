// The message sender with a scripted submit() in place of the SMSC's sessions: which outcome it
// reports for each sequence of answers, and what it sends.
import { isOutcomeUnknown, linkLost, notBound, responseTimeout, type GatewayError } from '../../src/errors';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { createErrorPolicy } from '../../src/smpp/error-policy';
import { acceptedIds, createMessageSender, type SenderOptions } from '../../src/smpp/message-sender';
import type { SubmitResponse } from '../../src/smpp/submit-window';
import { encodeMessage } from '../../src/sms/segment';
import { exsignText } from '../support/wording';

const { ESME_ROK, ESME_RSYSERR, ESME_RTHROTTLED, ESME_RINVDSTADR, ESME_RUNKNOWNERR } = COMMAND_STATUS;

type Answer = SubmitResponse | GatewayError;
const ok = (messageId: string): SubmitResponse => ({ commandStatus: ESME_ROK, messageId, nack: false });
const status = (commandStatus: number, nack = false): SubmitResponse => ({ commandStatus, messageId: '', nack });

/** A sender whose submits get `answers` in turn; records each submit's fields and deadline. */
function sender(answers: Answer[], overrides: Partial<SenderOptions> = {}) {
  const submits: { fields: Record<string, unknown>; deadline: number }[] = [];
  const outcomes: { commandStatus?: number; error?: string }[] = [];
  const resends: string[] = [];
  const sendParts = createMessageSender({
    submit: async (fields, deadline) => {
      submits.push({ fields, deadline });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no answer scripted');
      if (answer instanceof Error) throw answer;
      return answer;
    },
    source: { addr: 'ExSign', ton: 5, npi: 0 },
    destTon: 1,
    destNpi: 1,
    registeredDelivery: 1,
    validityPeriod: '000000001000000R',
    retryBaseDelayMs: 1,
    errorPolicy: createErrorPolicy(),
    onSubmitOutcome: ({ commandStatus, error }) => outcomes.push(commandStatus !== undefined ? { commandStatus } : { error: error!.code }),
    onResend: (error) => resends.push(error.kind),
    ...overrides,
  }).send;
  // Most tests read a message's outcome as the SMS service does: every part's id, or the first failure.
  const send = (...args: Parameters<typeof sendParts>) => sendParts(...args).then(acceptedIds);
  return { send, sendParts, submits, outcomes, resends };
}

const single = encodeMessage('Your code is 123456', { gsmDataCoding: 0, reference: 7 });
const threeParts = encodeMessage('x'.repeat(400), { gsmDataCoding: 0, reference: 7 });
const inMs = (ms: number) => Date.now() + ms;

describe('message sender', () => {
  it('sends one submit_sm per part with the configured addressing and returns the ids in part order', async () => {
    const { send, submits } = sender([ok('a'), ok('b'), ok('c')]);
    expect(await send('447400123456', threeParts, inMs(5000))).toEqual(['a', 'b', 'c']);
    expect(submits).toHaveLength(3);
    expect(submits[0]!.fields).toMatchObject({
      source_addr: 'ExSign',
      source_addr_ton: 5,
      destination_addr: '447400123456',
      dest_addr_ton: 1,
      esm_class: 0x40, // UDHI: each part carries its header
      registered_delivery: 1,
      validity_period: '000000001000000R',
      data_coding: 0,
    });
    expect(submits.map((s) => s.fields.short_message)).toEqual(threeParts.parts);
  });

  it('fails at once on a permanent status, naming it', async () => {
    const { send, submits } = sender([status(ESME_RINVDSTADR)]);
    const error = await send('447400123456', single, inMs(5000)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'smsc-rejected' });
    expect(error).toMatchObject({ code: 'SMSC_REJECTED', transient: false, facts: { commandStatus: ESME_RINVDSTADR, commandStatusName: 'ESME_RINVDSTADR', nack: false } });
    expect(exsignText(error)).toBe('SMSC rejected the message: ESME_RINVDSTADR (0x0B)');
    expect(submits).toHaveLength(1);
  });

  it('resubmits a "retry" status after a delay until accepted', async () => {
    const { send, outcomes } = sender([status(ESME_RSYSERR), status(ESME_RSYSERR), ok('m1')]);
    expect(await send('447400123456', single, inMs(5000))).toEqual(['m1']);
    expect(outcomes).toEqual([{ commandStatus: ESME_RSYSERR }, { commandStatus: ESME_RSYSERR }, { commandStatus: ESME_ROK }]);
  });

  it('gives up on a "retry" status when the next delay would pass the deadline, naming the status as transient', async () => {
    const { send, submits } = sender([status(ESME_RSYSERR)], { retryBaseDelayMs: 10_000 });
    const error = await send('447400123456', single, inMs(2000)).catch((err: Error) => err);
    expect(error).toMatchObject({ transient: true, facts: { commandStatus: ESME_RSYSERR } });
    expect(submits).toHaveLength(1);
  });

  it('resubmits a throttled message at once: the bind, not the message, waits out the pause', async () => {
    const { send, submits } = sender([status(ESME_RTHROTTLED), ok('m1')], { retryBaseDelayMs: 60_000 });
    expect(await send('447400123456', single, inMs(5000))).toEqual(['m1']);
    expect(submits).toHaveLength(2);
  });

  it('treats generic_nack as a refusal, ESME_RUNKNOWNERR when it carries no status', async () => {
    const { send } = sender([status(ESME_ROK, true)]);
    const error = await send('447400123456', single, inMs(5000)).catch((err: Error) => err);
    expect(error).toMatchObject({ facts: { commandStatus: ESME_RUNKNOWNERR, nack: true } });
    expect(exsignText(error)).toBe('SMSC rejected the message: generic_nack ESME_RUNKNOWNERR (0xFF)');
  });

  it('resends a submit whose outcome is unknown once, leaving 200 ms of the deadline for its answer', async () => {
    const lost = linkLost('link-lost');
    const deadline = inMs(5000);
    const { send, submits, resends } = sender([lost, ok('m1')]);
    expect(await send('447400123456', single, deadline)).toEqual(['m1']);
    expect(submits.map((s) => s.deadline)).toEqual([deadline, deadline - 200]);
    expect(resends).toEqual(['link-lost']);
  });

  it('resends at most once: a second unknown outcome is the answer', async () => {
    const { send, submits } = sender([linkLost('link-lost'), responseTimeout(300)]);
    const error = await send('447400123456', single, inMs(5000)).catch((err: Error) => err);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'response-timeout', facts: { waitedMs: 300 } });
    expect(submits).toHaveLength(2);
  });

  it('does not resend when less than 200 ms of the deadline is left', async () => {
    const { send, submits } = sender([responseTimeout(100)]);
    await expect(send('447400123456', single, inMs(150))).rejects.toMatchObject({ kind: 'response-timeout' });
    expect(submits).toHaveLength(1);
  });

  it('reports the more telling outcome when the resend is never sent: "outcome unknown" above "not bound"', async () => {
    const lost = linkLost('link-lost');
    const { send } = sender([lost, notBound(['bind-timeout: no bind response within 500 ms'])]);
    await expect(send('447400123456', single, inMs(5000))).rejects.toBe(lost);
  });

  it('reports an SMSC status above "not bound" for a retry that never went out', async () => {
    const { send } = sender([status(ESME_RSYSERR), notBound()]);
    await expect(send('447400123456', single, inMs(5000))).rejects.toMatchObject({ kind: 'smsc-rejected', facts: { commandStatus: ESME_RSYSERR } });
  });

  it('reports a failure that is not a GatewayError as an internal error, without resending', async () => {
    const { send, submits } = sender([new TypeError('a bug') as unknown as GatewayError]);
    await expect(send('447400123456', single, inMs(5000))).rejects.toMatchObject({ code: 'INTERNAL_ERROR', facts: { step: 'submit' } });
    expect(submits).toHaveLength(1);
  });

  it('settles every part before failing, so the ids of the accepted parts are known', async () => {
    const { sendParts } = sender([ok('a'), status(ESME_RINVDSTADR), ok('c')]);
    const parts = await sendParts('447400123456', threeParts, inMs(5000));
    expect(parts.map((outcome) => ('error' in outcome ? outcome.error.code : outcome.smscMessageId))).toEqual(['a', 'SMSC_REJECTED', 'c']);
    expect(() => acceptedIds(parts)).toThrow(expect.objectContaining({ facts: expect.objectContaining({ commandStatus: ESME_RINVDSTADR }) }));
  });
});
