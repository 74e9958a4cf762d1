// SmppBind assembled (lifecycle, window, flow control) against the fake SMSC over loopback, no
// gateway: what a submit resolves or rejects with, and how the parts hand over to each other.
import { once } from 'node:events';
import { isOutcomeUnknown } from '../../src/errors';
import type { SimulatorOptions } from '../../src/sim/smsc-simulator';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { SmppBind, type BindOptions } from '../../src/smpp/smpp-bind';
import { TokenBucket } from '../../src/smpp/token-bucket';
import { bindOptions, reaches, recordEvents, submitFields } from '../support/bind';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { startTcpProxy } from '../support/tcp-proxy';
import { exsignText } from '../support/wording';

const { ESME_ROK, ESME_RINVPASWD, ESME_RTHROTTLED } = COMMAND_STATUS;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A fake SMSC and a started bind to it (through `via`, when given: a proxy's URL for the SMSC's). */
async function setup(options: SimulatorOptions = {}, overrides: Partial<BindOptions> = {}, via?: (url: string) => Promise<string>) {
  const { smsc, url } = await startFakeSmsc(options);
  const bind = new SmppBind(bindOptions(via ? await via(url) : url, overrides));
  cleanups.push(async () => {
    await bind.stop();
    await smsc.stop();
  });
  bind.start();
  return { smsc, bind };
}

const inMs = (ms: number) => Date.now() + ms;

describe('SmppBind', () => {
  it('submits once bound and resolves with the SMSC\'s answer', async () => {
    const { smsc, bind } = await setup();
    const answer = await bind.submit(submitFields('447400123456', 'code 1'), inMs(2000));
    expect(answer).toEqual({ commandStatus: ESME_ROK, messageId: smsc.submits[0]!.messageId, nack: false });
    expect(smsc.submits[0]).toMatchObject({ destinationAddr: '447400123456', text: 'code 1', registeredDelivery: 1 });
    expect(bind.load).toBe(0);
  });

  it('keeps at most `window` submits in flight', async () => {
    let outstanding = 0;
    let peak = 0;
    const { smsc, bind } = await setup({
      onSubmit: () => {
        peak = Math.max(peak, ++outstanding);
        return { delayMs: 30 };
      },
    }, { window: 3 });
    await reaches(bind, 'bound');
    smsc.sessions[0]!.on('send', (pdu: { command: string }) => pdu.command === 'submit_sm_resp' && outstanding--);
    const answers = Array.from({ length: 10 }, (_, i) => bind.submit(submitFields(`44740012345${i}`), inMs(5000)));
    expect(bind.inflightCount).toBe(3);
    expect(bind.waitingCount).toBe(7);
    await Promise.all(answers);
    expect(smsc.submits).toHaveLength(10);
    expect(peak).toBe(3);
  });

  it('fails the submits in flight when the link drops ("outcome unknown") and sends the waiting ones on the next session', async () => {
    const { smsc, bind } = await setup(behaviours['no-submit-resp'](), { window: 2 });
    const answers = [1, 2, 3].map((i) => bind.submit(submitFields(`44740012345${i}`), inMs(5000)).catch((err: Error) => err));
    while (smsc.submits.length < 2) await once(smsc, 'submit');
    smsc.configure({ onSubmit: undefined });
    smsc.dropConnections();
    const [first, second, third] = await Promise.all(answers);
    for (const lost of [first, second]) {
      expect(isOutcomeUnknown(lost)).toBe(true);
      expect(lost).toMatchObject({ code: 'SMSC_LINK_LOST', facts: { reason: 'link-lost' } });
      expect(exsignText(lost)).toBe('SMSC link lost before submit_sm_resp (link-lost); outcome unknown');
    }
    expect(third).toMatchObject({ commandStatus: ESME_ROK });
    expect(smsc.bindAttempts).toHaveLength(2);
  });

  it('not bound by the deadline: SMSC_NOT_BOUND naming the last failure', async () => {
    const { bind } = await setup(behaviours['refuse-bind'](ESME_RINVPASWD));
    await once(bind, 'closed');
    const error = await bind.submit(submitFields(), inMs(100)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'not-bound' });
    expect(error).toMatchObject({
      code: 'SMSC_NOT_BOUND',
      facts: { lastFailures: ['bind-refused: bind_transceiver_resp ESME_RINVPASWD (0x0E)'] },
    });
    expect(exsignText(error)).toBe('SMSC not bound: no SMPP session was available before the request deadline (last failure: bind-refused: bind_transceiver_resp ESME_RINVPASWD (0x0E))');
  });

  it('bound, but the window stays full until the deadline: SMSC_TIMEOUT naming the window', async () => {
    const { smsc, bind } = await setup(behaviours['no-submit-resp'](), { window: 1, responseTimeoutMs: 5000 });
    void bind.submit(submitFields(), inMs(5000)).catch(() => undefined);
    await once(smsc, 'submit');
    const error = await bind.submit(submitFields(), inMs(100)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'window-full', code: 'SMSC_TIMEOUT', facts: { window: 1 } });
    expect(exsignText(error)).toBe('SMSC window full until the request deadline (window 1)');
  });

  it('bound, but the TPS limit holds the message until the deadline: SMSC_TIMEOUT naming the limit', async () => {
    const { smsc, bind } = await setup({}, { rateLimits: [new TokenBucket(1, 1)] });
    const events = recordEvents(bind, ['tps-limited']);
    await reaches(bind, 'bound');
    await bind.submit(submitFields(), inMs(2000)); // the burst of one
    const error = await bind.submit(submitFields(), inMs(200)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'tps-limited', code: 'SMSC_TIMEOUT' });
    expect(exsignText(error)).toBe('TPS limit for this SMSC reached: message not sent before the request deadline');
    expect(events).toHaveLength(1);
    expect(smsc.submits).toHaveLength(1);
  });

  it('a throttling answer pauses the bind; what waits past the deadline is answered naming the status', async () => {
    const { smsc, bind } = await setup(behaviours['reject-all'](ESME_RTHROTTLED), { throttlePauseMs: 5000 });
    const events = recordEvents(bind, ['throttle-pause']);
    expect(await bind.submit(submitFields(), inMs(2000))).toMatchObject({ commandStatus: ESME_RTHROTTLED });
    expect(events).toEqual([{ name: 'throttle-pause', args: [ESME_RTHROTTLED] }]);
    expect(bind.accepting).toBe(false);
    expect(bind.state).toBe('bound');
    const error = await bind.submit(submitFields(), inMs(100)).catch((err: Error) => err);
    expect(error).toMatchObject({ kind: 'throttled', code: 'SMSC_REJECTED', transient: true, facts: { commandStatus: ESME_RTHROTTLED, commandStatusName: 'ESME_RTHROTTLED' } });
    expect(exsignText(error)).toBe('SMSC throttling (ESME_RTHROTTLED (0x58)): sending paused, message not sent before the request deadline');
    expect(smsc.submits).toHaveLength(1);
  });

  it('after an unanswered submit, sends nothing more until enquire_link shows the SMSC still answers', async () => {
    const { smsc, bind } = await setup({ onSubmit: (_s, n) => (n === 1 ? { ignore: true } : {}) }, { responseTimeoutMs: 100 });
    const atSmsc: string[] = [];
    smsc.on('submit', (submit: { destinationAddr: string }) => atSmsc.push(`submit ${submit.destinationAddr}`));
    smsc.on('enquire_link', () => atSmsc.push('enquire_link'));
    const held = bind.submit(submitFields('447400000001'), inMs(2000)).catch(async (err: Error) => {
      expect(err).toMatchObject({ kind: 'response-timeout', facts: { waitedMs: 100 } });
      // Submitted while the link is suspect: it waits for the enquire_link_resp.
      expect(bind.accepting).toBe(false);
      return bind.submit(submitFields('447400000002'), inMs(2000));
    });
    expect(await held).toMatchObject({ commandStatus: ESME_ROK });
    expect(atSmsc).toEqual(['submit 447400000001', 'enquire_link', 'submit 447400000002']);
    expect(smsc.bindAttempts).toHaveLength(1);
  });

  it('a half-open link: the unanswered probe ends the session, the bind reconnects and sends again', async () => {
    let proxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined;
    const viaProxy = async (url: string) => {
      proxy = await startTcpProxy(url);
      cleanups.push(() => proxy!.close());
      return proxy.url;
    };
    const { smsc, bind } = await setup({}, { responseTimeoutMs: 100, enquireLinkTimeoutMs: 100 }, viaProxy);
    const closes = recordEvents(bind, ['closed']);
    await reaches(bind, 'bound');
    proxy!.blackhole(); // this connection only
    const lost = await bind.submit(submitFields(), inMs(3000)).catch((err: Error) => err);
    expect(lost).toMatchObject({ code: 'SMSC_TIMEOUT' });
    await reaches(bind, 'reconnect-wait');
    expect(closes.map((c) => c.args[0])).toEqual(['enquire-link-timeout']);
    await reaches(bind, 'bound');
    expect(await bind.submit(submitFields(), inMs(2000))).toMatchObject({ commandStatus: ESME_ROK });
    expect(smsc.submits).toHaveLength(1); // the first copy died in the proxy
    expect(proxy!.connections).toBe(2);
  });

  it('stop() fails what waits, refuses what comes after, and is final', async () => {
    const { bind } = await setup(behaviours['blackhole-bind']());
    const waiting = bind.submit(submitFields(), inMs(5000)).catch((err: Error) => err);
    await bind.stop();
    const shuttingDown = { code: 'SHUTTING_DOWN', kind: 'shutting-down' };
    expect(await waiting).toMatchObject(shuttingDown);
    await expect(bind.submit(submitFields(), inMs(5000))).rejects.toMatchObject(shuttingDown);
    expect(bind.state).toBe('stopped');
  });
});
