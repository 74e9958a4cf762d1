import type { CloseReason } from '../../src/smpp/bind-events';
import { ReconnectSchedule } from '../../src/smpp/reconnect-schedule';

const delays = { reconnectMinDelayMs: 100, reconnectMaxDelayMs: 1000, bindRefusedDelayMs: 60_000, bindRefusedMaxDelayMs: 600_000 };
/** The upper end of each jittered delay, so the steps are exact. */
const schedule = () => new ReconnectSchedule(delays, () => 1);

describe('ReconnectSchedule', () => {
  it('nothing follows a stop', () => {
    expect(schedule().next('stopped', 'stop() called', false)).toBeUndefined();
  });

  it('a lost link or a failed bind reconnects on the doubling backoff, capped, as a warning', () => {
    const s = schedule();
    const steps = ['link-lost', 'connect-failed', 'bind-timeout', 'enquire-link-timeout', 'malformed-pdu'].map((reason) => s.next(reason as CloseReason, 'x', false));
    expect(steps).toEqual([100, 200, 400, 800, 1000].map((delayMs) => ({ delayMs, level: 'warn' })));
  });

  it('a good bind starts the backoff over', () => {
    const s = schedule();
    s.next('link-lost', 'x', false);
    s.next('link-lost', 'x', false);
    s.reset();
    expect(s.next('peer-unbind', 'SMSC sent unbind', false)).toEqual({ delayMs: 100, level: 'warn' });
  });

  it('refused credentials wait the long delay, doubling to its cap; an error once per distinct refusal', () => {
    const s = schedule();
    const refused = (detail: string) => s.next('bind-refused', detail, true);
    expect(refused('ESME_RINVPASWD')).toEqual({ delayMs: 60_000, level: 'error' });
    expect(refused('ESME_RINVPASWD')).toEqual({ delayMs: 120_000, level: 'warn' });
    expect(refused('ESME_RINVSYSID')).toEqual({ delayMs: 240_000, level: 'error' });
    expect(refused('ESME_RINVSYSID')).toEqual({ delayMs: 480_000, level: 'warn' });
    expect(refused('ESME_RINVSYSID')).toEqual({ delayMs: 600_000, level: 'warn' });
    // Another bind failure in between takes the ordinary backoff, counted with the others.
    expect(s.next('bind-refused', 'bind_transceiver_resp ESME_RSYSERR (0x08)', false)).toEqual({ delayMs: 1000, level: 'warn' });
  });

  it('draws each delay between half and all of its step', () => {
    const low = new ReconnectSchedule(delays, () => 0);
    expect(low.next('link-lost', 'x', false)?.delayMs).toBe(50);
    expect(low.next('bind-refused', 'x', true)?.delayMs).toBe(30_000);
  });
});
