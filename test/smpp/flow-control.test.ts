// FlowControl alone, on Jest's fake clock (Date and performance.now): each step is exact.
import { EventEmitter } from 'node:events';
import { createLogger } from '../../src/log';
import type { BindEvents } from '../../src/smpp/bind-events';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { createErrorPolicy } from '../../src/smpp/error-policy';
import { FlowControl } from '../../src/smpp/flow-control';
import { TokenBucket } from '../../src/smpp/token-bucket';

const { ESME_ROK, ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR } = COMMAND_STATUS;
const PAUSE_MS = 500;

function setup(rateLimits: TokenBucket[] = []) {
  const events = new EventEmitter<BindEvents>();
  const pauses: number[] = [];
  events.on('throttle-pause', (status) => pauses.push(status));
  const flow = new FlowControl({ window: 8, throttlePauseMs: PAUSE_MS, rateLimits, errorPolicy: createErrorPolicy() }, events, createLogger('silent'));
  return { flow, pauses };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('FlowControl', () => {
  it('sends the full window while the SMSC does not throttle', () => {
    const { flow } = setup();
    expect(flow.sendWindow).toBe(8);
    expect(flow.accepting()).toBe(true);
    expect(flow.pauseLeftMs()).toBe(0);
    flow.answered(ESME_RSYSERR, Date.now()); // a 'retry' status is the message's business, not the bind's
    expect(flow.accepting()).toBe(true);
  });

  it('a throttling answer pauses the bind, then allows one probe until an answer that is not a throttle', () => {
    const { flow, pauses } = setup();
    const sentAt = Date.now();
    jest.advanceTimersByTime(10);
    flow.answered(ESME_RTHROTTLED, sentAt);
    expect(pauses).toEqual([ESME_RTHROTTLED]);
    expect(flow.accepting()).toBe(false);
    expect(flow.pauseLeftMs()).toBe(PAUSE_MS);
    expect(flow.throttleStatus).toBe(ESME_RTHROTTLED);
    jest.advanceTimersByTime(PAUSE_MS);
    expect(flow.accepting()).toBe(true);
    expect(flow.sendWindow).toBe(1); // the probe
    flow.answered(ESME_ROK, Date.now());
    expect(flow.sendWindow).toBe(8);
    expect(flow.throttleStatus).toBe(0);
  });

  it('answers to submits sent before the pause began belong to the same episode: no second pause', () => {
    const { flow, pauses } = setup();
    const windowSentAt = Date.now();
    jest.advanceTimersByTime(5);
    flow.answered(ESME_RTHROTTLED, windowSentAt);
    flow.answered(ESME_RMSGQFUL, windowSentAt);
    flow.answered(ESME_RTHROTTLED, windowSentAt);
    expect(pauses).toEqual([ESME_RTHROTTLED]);
    // The probe sent after the pause is throttled again: a new pause.
    jest.advanceTimersByTime(PAUSE_MS);
    const probeSentAt = Date.now();
    jest.advanceTimersByTime(5);
    flow.answered(ESME_RMSGQFUL, probeSentAt);
    expect(pauses).toEqual([ESME_RTHROTTLED, ESME_RMSGQFUL]);
    expect(flow.pauseLeftMs()).toBe(PAUSE_MS);
  });

  it('holds everything while the link is suspect, until released', () => {
    const { flow } = setup();
    flow.hold();
    expect(flow.held).toBe(true);
    expect(flow.accepting()).toBe(false);
    flow.release();
    expect(flow.accepting()).toBe(true);
  });

  it('waits for a token from every TPS limit, and each submit takes one from each', () => {
    const session = new TokenBucket(10, 1);
    const account = new TokenBucket(4, 1);
    const { flow } = setup([session, account]);
    expect(flow.tokenWaitMs()).toBe(0);
    flow.taken();
    expect(flow.tokenWaitMs()).toBe(250); // the slower limit decides: 4/s
    jest.advanceTimersByTime(100);
    expect(flow.tokenWaitMs()).toBe(150);
    jest.advanceTimersByTime(150);
    expect(flow.tokenWaitMs()).toBe(0);
  });
});
