// The submit window with a fake link in place of the session, on Jest's fake clock.
import { EventEmitter } from 'node:events';
import { PDU } from 'smpp';
import { isOutcomeUnknown, linkLost, shuttingDown, windowFull } from '../../src/errors';
import { exsignText } from '../support/wording';
import { createLogger } from '../../src/log';
import type { BindEvents } from '../../src/smpp/bind-events';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { createErrorPolicy } from '../../src/smpp/error-policy';
import { FlowControl } from '../../src/smpp/flow-control';
import { SubmitWindow, type SubmitLink, type SubmitResponse } from '../../src/smpp/submit-window';
import { TokenBucket } from '../../src/smpp/token-bucket';

const { ESME_ROK, ESME_RTHROTTLED, ESME_RINVDSTADR } = COMMAND_STATUS;
const RESPONSE_TIMEOUT_MS = 1000;

/** The session as the window sees it: open or not, congested or not, and what was written. */
class FakeLink implements SubmitLink {
  isOpen = true;
  isCongested = false;
  written: { sequence: number; fields: Record<string, unknown> }[] = [];
  suspected = 0;
  private sequence = 0;
  open = () => this.isOpen;
  congested = () => this.isCongested;
  write = (fields: Record<string, unknown>) => {
    this.written.push({ sequence: ++this.sequence, fields });
    return this.sequence;
  };
  suspect = () => void this.suspected++;
  /** The reason the bind gives for a request it could not write before its deadline. */
  readonly notReadyError = windowFull(1);
  notReady = () => this.notReadyError;
}

function setup(options: { window?: number; waitQueueSize?: number; rateLimits?: TokenBucket[] } = {}) {
  const events = new EventEmitter<BindEvents>();
  const seen: string[] = [];
  events.on('tps-limited', () => seen.push('tps-limited'));
  events.on('late-response', (pdu) => seen.push(`late-response ${pdu.sequence_number}`));
  const log = createLogger('silent');
  const flow = new FlowControl({ window: options.window ?? 2, throttlePauseMs: 500, rateLimits: options.rateLimits ?? [], errorPolicy: createErrorPolicy() }, events, log);
  const link = new FakeLink();
  const window = new SubmitWindow({ waitQueueSize: options.waitQueueSize ?? 10, responseTimeoutMs: RESPONSE_TIMEOUT_MS }, flow, link, events, log);
  return { window, link, flow, seen };
}

const resp = (sequence: number, status: number = ESME_ROK, messageId = `id${sequence}`) =>
  new PDU('submit_sm_resp', { sequence_number: sequence, command_status: status, message_id: status === ESME_ROK ? messageId : '' });

/** A promise's outcome once the queued microtasks have run. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: Error; pending?: true }> {
  let result: { value?: T; error?: Error; pending?: true } = { pending: true };
  promise.then(
    (value) => (result = { value }),
    (error: Error) => (result = { error }),
  );
  await Promise.resolve();
  await Promise.resolve();
  return result;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('SubmitWindow', () => {
  it('writes at most the window, then one more for each answer', async () => {
    const { window, link } = setup({ window: 2 });
    const answers = [1, 2, 3].map((i) => window.submit({ n: i }, Date.now() + 5000));
    expect(link.written.map((w) => w.fields.n)).toEqual([1, 2]);
    expect(window.inflightCount).toBe(2);
    expect(window.waitingCount).toBe(1);
    window.answered(resp(1));
    expect(link.written.map((w) => w.fields.n)).toEqual([1, 2, 3]);
    window.answered(resp(3));
    window.answered(resp(2, ESME_RINVDSTADR));
    expect(await Promise.all(answers)).toEqual<SubmitResponse[]>([
      { commandStatus: ESME_ROK, messageId: 'id1', nack: false },
      { commandStatus: ESME_RINVDSTADR, messageId: '', nack: false },
      { commandStatus: ESME_ROK, messageId: 'id3', nack: false },
    ]);
    expect(window.inflightCount + window.waitingCount).toBe(0);
  });

  it('refuses at once when the wait queue is full', async () => {
    const { window } = setup({ window: 1, waitQueueSize: 1 });
    void window.submit({}, Date.now() + 5000); // in flight
    void window.submit({}, Date.now() + 5000); // waiting
    expect((await outcome(window.submit({}, Date.now() + 5000))).error).toMatchObject({ code: 'QUEUE_FULL' });
  });

  it('answers a request that waited until its deadline with the link\'s reason, and never writes it', async () => {
    const { window, link } = setup();
    link.isOpen = false;
    const waiting = window.submit({}, Date.now() + 300);
    jest.advanceTimersByTime(299);
    expect((await outcome(waiting)).pending).toBe(true);
    jest.advanceTimersByTime(1);
    expect((await outcome(waiting)).error).toBe(link.notReadyError);
    link.isOpen = true;
    window.pump();
    expect(link.written).toHaveLength(0);
    expect(window.waitingCount).toBe(0);
  });

  it('does not write a request with less than 50 ms of its deadline left: "not sent" beats "outcome unknown"', async () => {
    const { window, link } = setup();
    link.isOpen = false;
    const late = window.submit({}, Date.now() + 60);
    jest.advanceTimersByTime(20);
    link.isOpen = true;
    window.pump();
    expect(link.written).toHaveLength(0);
    expect((await outcome(late)).error).toBe(link.notReadyError);
  });

  it('a response timeout answers "outcome unknown" and makes the link suspect; a late answer is reported', async () => {
    const { window, link, seen } = setup();
    const answer = window.submit({}, Date.now() + 5000);
    jest.advanceTimersByTime(RESPONSE_TIMEOUT_MS);
    const { error } = await outcome(answer);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SMSC_TIMEOUT', facts: { waitedMs: RESPONSE_TIMEOUT_MS } });
    expect(exsignText(error)).toBe(`SMSC did not answer submit_sm within ${RESPONSE_TIMEOUT_MS} ms (outcome unknown)`);
    expect(link.suspected).toBe(1);
    window.answered(resp(1));
    expect(seen).toEqual(['late-response 1']);
  });

  it('a request whose deadline comes before the response timeout times out at its deadline, without suspecting the link', async () => {
    const { window, link } = setup();
    const answer = window.submit({}, Date.now() + 400);
    jest.advanceTimersByTime(400);
    expect((await outcome(answer)).error).toMatchObject({ kind: 'response-timeout', facts: { waitedMs: 400 } });
    expect(link.suspected).toBe(0);
  });

  it('fails every request in flight when the link drops; the waiting ones stay for the next session', async () => {
    const { window, link } = setup({ window: 2 });
    const answers = [1, 2, 3].map(() => window.submit({}, Date.now() + 5000));
    link.isOpen = false;
    const lost = linkLost('link lost');
    window.failInflight(lost);
    expect((await outcome(answers[0]!)).error).toBe(lost);
    expect((await outcome(answers[1]!)).error).toBe(lost);
    expect((await outcome(answers[2]!)).pending).toBe(true);
    link.isOpen = true;
    window.pump();
    window.answered(resp(3));
    expect((await outcome(answers[2]!)).value).toMatchObject({ commandStatus: ESME_ROK });
  });

  it('fails everything still waiting when the bind stops', async () => {
    const { window, link } = setup();
    link.isOpen = false;
    const waiting = window.submit({}, Date.now() + 5000);
    const stopped = shuttingDown();
    window.failQueued(stopped);
    expect((await outcome(waiting)).error).toBe(stopped);
    expect(window.waitingCount).toBe(0);
  });

  it('waits for the socket to drain', () => {
    const { window, link } = setup();
    link.isCongested = true;
    void window.submit({}, Date.now() + 5000);
    expect(link.written).toHaveLength(0);
    link.isCongested = false;
    window.pump(); // what the session's drain does
    expect(link.written).toHaveLength(1);
  });

  it('holds a request for a TPS token, counted once, and writes it when the token comes', () => {
    const bucket = new TokenBucket(10, 1);
    const { window, link, seen } = setup({ rateLimits: [bucket] });
    void window.submit({ n: 1 }, Date.now() + 5000);
    void window.submit({ n: 2 }, Date.now() + 5000);
    expect(link.written).toHaveLength(1);
    expect(window.waiting).toBe(true);
    expect(seen).toEqual(['tps-limited']);
    jest.advanceTimersByTime(100);
    expect(link.written.map((w) => w.fields.n)).toEqual([1, 2]);
    expect(seen).toEqual(['tps-limited']);
  });

  it('after a throttling answer, writes nothing until the pause ends, then one probe at a time', () => {
    const { window, link } = setup({ window: 4 });
    for (let i = 0; i < 4; i++) void window.submit({ n: i }, Date.now() + 5000);
    jest.advanceTimersByTime(1);
    window.answered(resp(1, ESME_RTHROTTLED));
    expect(link.written).toHaveLength(4);
    void window.submit({ n: 4 }, Date.now() + 5000);
    void window.submit({ n: 5 }, Date.now() + 5000);
    jest.advanceTimersByTime(499);
    for (const sequence of [2, 3, 4]) window.answered(resp(sequence, ESME_RTHROTTLED)); // the same episode
    expect(link.written).toHaveLength(4); // the window is free, the pause is not over
    jest.advanceTimersByTime(1);
    expect(link.written.map((w) => w.fields.n)).toEqual([0, 1, 2, 3, 4]); // one probe
    window.answered(resp(5));
    expect(link.written.map((w) => w.fields.n)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps no message_id longer than SMPP allows', async () => {
    const { window } = setup();
    const answer = window.submit({}, Date.now() + 5000);
    window.answered(resp(1, ESME_ROK, 'X'.repeat(65)));
    expect((await answer).messageId).toBe('');
  });
});
