// The router with small fake SMSC clients: each has one bind whose state the test changes, with
// the 'state' event a real bind emits.
import { EventEmitter } from 'node:events';
import type { BindEvents, BindState } from '../../src/smpp/bind-events';
import { createRouter } from '../../src/smpp/router';
import type { SmscClient } from '../../src/smpp/smsc-client';
import { exsignText } from '../support/wording';

class FakeBind extends EventEmitter<BindEvents> {
  state: BindState = 'connecting';
  lastFailureReason = '';
  become(next: BindState, failure = ''): void {
    const previous = this.state;
    this.state = next;
    if (failure) this.lastFailureReason = failure;
    this.emit('state', next, previous, undefined);
  }
}

function client(name: string): SmscClient & { bind: FakeBind } {
  const bind = new FakeBind();
  return {
    name,
    bind,
    binds: [bind as never],
    errorPolicy: { classify: () => 'fail' },
    start: () => undefined,
    stop: async () => undefined,
    ready: () => bind.state === 'bound',
    lastFailure: () => bind.lastFailureReason,
    submit: () => Promise.reject(new Error('not used')),
  };
}

const inMs = (ms: number) => Date.now() + ms;

describe('router', () => {
  const uk = client('uk');
  const global = client('global');
  const backup = client('backup');
  const router = createRouter([global, uk, backup], [
    { prefix: '+44', smscs: ['uk', 'global'] },
    { prefix: '4474', smscs: ['backup'] },
  ]);

  afterEach(() => {
    for (const c of [uk, global, backup]) c.bind.state = 'connecting';
  });

  it('takes the longest matching prefix; unmatched numbers may use every SMSC in configured order', () => {
    expect(router.candidates('447812345678').map((c) => c.name)).toEqual(['uk', 'global']);
    expect(router.candidates('447400123456').map((c) => c.name)).toEqual(['backup']);
    expect(router.candidates('33612345678').map((c) => c.name)).toEqual(['global', 'uk', 'backup']);
  });

  it('picks the first candidate with a bound session at once', async () => {
    uk.bind.state = 'bound';
    global.bind.state = 'bound';
    expect((await router.pick([uk, global], inMs(1000))).name).toBe('uk');
    uk.bind.state = 'reconnect-wait';
    expect((await router.pick([uk, global], inMs(1000))).name).toBe('global');
  });

  it('with none bound, waits for the first to bind before the deadline', async () => {
    const picked = router.pick([uk, global], inMs(5000));
    global.bind.become('binding');
    global.bind.become('bound');
    expect((await picked).name).toBe('global');
  });

  it('with none bound by the deadline: SMSC_NOT_BOUND naming each candidate\'s last failure', async () => {
    uk.bind.lastFailureReason = 'bind-timeout: no bind response within 500 ms';
    global.bind.lastFailureReason = '';
    const error = await router.pick([uk, global], inMs(50)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'not-bound' });
    expect(error).toMatchObject({ facts: { lastFailures: ['uk: bind-timeout: no bind response within 500 ms'] } });
    expect(exsignText(error)).toBe('SMSC not bound: no SMPP session was available before the request deadline (last failure: uk: bind-timeout: no bind response within 500 ms)');
    // One candidate: its failure alone, without its name.
    await expect(router.pick([uk], inMs(10))).rejects.toMatchObject({ facts: { lastFailures: ['bind-timeout: no bind response within 500 ms'] } });
  });

  it('answers "shutting down" at once when every candidate stops while a request waits', async () => {
    const picked = router.pick([uk, global], inMs(5000));
    uk.bind.become('stopped');
    global.bind.become('stopped');
    await expect(picked).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
