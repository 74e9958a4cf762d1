// Timer logic alone, on Jest's fake clock: each step is exact, whatever the machine's load.
import { KeepAlive } from '../../src/smpp/keep-alive';

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 300;

function setup() {
  const events: string[] = [];
  const keepAlive = new KeepAlive(
    { enquireLinkIntervalMs: INTERVAL_MS, enquireLinkTimeoutMs: TIMEOUT_MS },
    () => events.push('enquire_link'),
    () => events.push('timeout'),
  );
  return { keepAlive, events };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('KeepAlive', () => {
  it('probes after an interval of receive silence, again after each answered interval', () => {
    const { keepAlive, events } = setup();
    keepAlive.start();
    jest.advanceTimersByTime(INTERVAL_MS - 1);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['enquire_link']);
    keepAlive.received(); // the enquire_link_resp
    keepAlive.answered();
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(events).toEqual(['enquire_link', 'enquire_link']);
    keepAlive.stop();
  });

  it('does not interrupt a busy link: every PDU received pushes the probe back', () => {
    const { keepAlive, events } = setup();
    keepAlive.start();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(INTERVAL_MS / 2);
      keepAlive.received();
    }
    expect(events).toEqual([]);
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(events).toEqual(['enquire_link']);
    keepAlive.stop();
  });

  it('declares the link dead when the answer does not come in time', () => {
    const { keepAlive, events } = setup();
    keepAlive.start();
    keepAlive.probe();
    jest.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(events).toEqual(['enquire_link']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['enquire_link', 'timeout']);
    keepAlive.stop();
  });

  it('keeps one probe outstanding at a time; an answer clears its deadline', () => {
    const { keepAlive, events } = setup();
    keepAlive.start();
    keepAlive.probe();
    keepAlive.probe();
    expect(events).toEqual(['enquire_link']);
    keepAlive.answered();
    jest.advanceTimersByTime(TIMEOUT_MS * 2);
    expect(events).toEqual(['enquire_link']);
    keepAlive.probe();
    expect(events).toEqual(['enquire_link', 'enquire_link']);
    keepAlive.stop();
  });

  it('stop() cancels both the idle check and an outstanding deadline', () => {
    const { keepAlive, events } = setup();
    keepAlive.start();
    keepAlive.probe();
    keepAlive.stop();
    jest.advanceTimersByTime(INTERVAL_MS * 10);
    expect(events).toEqual(['enquire_link']);
    expect(jest.getTimerCount()).toBe(0);
  });
});
