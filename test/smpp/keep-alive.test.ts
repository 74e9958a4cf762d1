// Timer logic alone, on Jest's fake clock: each step is exact, whatever the machine's load.
import { KeepAlive } from '../../src/smpp/keep-alive';

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 300;

let running: KeepAlive | undefined;

/** A keep-alive of a session bound just now. */
function setup() {
  const events: string[] = [];
  const keepAlive = new KeepAlive(
    { enquireLinkIntervalMs: INTERVAL_MS, enquireLinkTimeoutMs: TIMEOUT_MS },
    () => events.push('enquire_link'),
    () => events.push('timeout'),
  );
  keepAlive.start();
  running = keepAlive;
  return { keepAlive, events };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => {
  running?.stop();
  jest.useRealTimers();
});

describe('KeepAlive', () => {
  it('probes after an interval of receive silence, again after each answered interval', () => {
    const { keepAlive, events } = setup();
    jest.advanceTimersByTime(INTERVAL_MS - 1);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['enquire_link']);
    keepAlive.received(); // the enquire_link_resp
    keepAlive.answered();
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(events).toEqual(['enquire_link', 'enquire_link']);
  });

  it('does not interrupt a busy link: every PDU received pushes the probe back', () => {
    const { keepAlive, events } = setup();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(INTERVAL_MS / 2);
      keepAlive.received();
    }
    expect(events).toEqual([]);
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(events).toEqual(['enquire_link']);
  });

  it('declares the link dead when the answer does not come in time', () => {
    const { keepAlive, events } = setup();
    keepAlive.probe();
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(events).toEqual(['enquire_link']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['enquire_link', 'timeout']);
  });

  it('keeps one probe outstanding at a time; an answer clears its deadline', () => {
    const { keepAlive, events } = setup();
    keepAlive.probe();
    keepAlive.probe();
    expect(events).toEqual(['enquire_link']);
    keepAlive.answered();
    jest.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(events).toEqual(['enquire_link']);
    keepAlive.probe();
    expect(events).toEqual(['enquire_link', 'enquire_link']);
  });

  it('stop() cancels both the idle check and an outstanding deadline', () => {
    const { keepAlive, events } = setup();
    keepAlive.probe();
    keepAlive.stop();
    jest.advanceTimersByTime(INTERVAL_MS * 10);
    expect(events).toEqual(['enquire_link']);
    expect(jest.getTimerCount()).toBe(0);
  });
});
