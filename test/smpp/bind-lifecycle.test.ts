import { once } from 'node:events';
import { PDU } from 'smpp';
import { SmscSimulator } from '../../src/sim/smsc-simulator';
import { COMMAND_ID } from '../../src/smpp/command-id';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { behaviours, freePort, startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { metricValue } from '../support/metrics-text';
import { eventually } from '../support/status-api';

const { ESME_RINVCMDID, ESME_RINVDSTADR, ESME_RINVPASWD, ESME_RTHROTTLED } = COMMAND_STATUS;

/** Starts a fake SMSC and a gateway bound to it; both are stopped after the test. */
async function setup(options: Parameters<typeof startFakeSmsc>[0], env: Record<string, string> = {}) {
  const fake = await startFakeSmsc(options);
  const gw = await startGateway(fake.url, env);
  cleanups.push(async () => {
    await gw.stop();
    await fake.smsc.stop();
  });
  return { smsc: fake.smsc, gw };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('bind lifecycle', () => {
  it('binds as SMPP 3.4 with the configured credentials', async () => {
    const { smsc, gw } = await setup(behaviours.happy());
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    expect(smsc.bindAttempts).toEqual([{ systemId: 'smsgw', command: 'bind_transceiver', interfaceVersion: 0x34 }]);
  });

  it('waits for an SMSC that is down at start and comes up within the deadline', async () => {
    // The one address a test must know before anything listens there.
    const port = await freePort();
    const gw = await startGateway(`smpp://127.0.0.1:${port}`, { SMSGW_REQUEST_DEADLINE_MS: '4000' });
    const smsc = new SmscSimulator({ port });
    cleanups.push(async () => {
      await gw.stop();
      await smsc.stop();
    });
    const answer = gw.post(sms('code 1'));
    await waitFor(() => gw.logs.records().some((r) => r.reason === 'connect-failed'), 'a refused connect while the request waits');
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(503);
    await smsc.start();
    const res = await answer;
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' }); // a success is answered inside the deadline
    expect(smsc.submits).toHaveLength(1);
  });

  it('fails at the deadline when the SMSC never answers the bind, naming the bind timeout', async () => {
    const { gw } = await setup(behaviours['blackhole-bind'](), { SMSGW_REQUEST_DEADLINE_MS: '1200' });
    const res = await gw.post(sms('code 1'));
    // Only the deadline answers "SMSC not bound"; it kept the request through the first bind timeout (500 ms).
    expect(res.json.IsSuccess).toBe(false);
    expect(res.json.ErrorDetails).toMatch(/^SMSC not bound: no SMPP session was available before the request deadline \(last failure: bind-timeout: no bind response within 500 ms\)$/);
    expect(res.ms).toBeGreaterThanOrEqual(1100);
  });

  it('reports a refused bind by its command_status and does not hammer the SMSC', async () => {
    const { smsc, gw } = await setup(behaviours['refuse-bind'](ESME_RINVPASWD), { SMSGW_REQUEST_DEADLINE_MS: '1000' });
    const res = await gw.post(sms('code 1'));
    expect(res.json.IsSuccess).toBe(false);
    expect(res.json.ErrorDetails).toMatch(/SMSC not bound.*bind-refused.*ESME_RINVPASWD \(0x0E\)/);
    expect(smsc.bindAttempts).toHaveLength(1); // next attempt only after SMSGW_SMSC_BIND_REFUSED_DELAY_MS
    const refusal = gw.logs.records().find((r) => r.reason === 'bind-refused');
    expect(refusal).toMatchObject({ level: 50 });
    expect(gw.logs.text).not.toContain('secret12');
  });

  it('answers in-flight requests "outcome unknown" when the link drops and no rebind comes in time', async () => {
    const { smsc, gw } = await setup(behaviours['no-submit-resp'](), { SMSGW_REQUEST_DEADLINE_MS: '1200' });
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const answers = Array.from({ length: 5 }, (_, i) => gw.post(sms(`code ${i}`)));
    await waitFor(() => smsc.submits.length === 5, '5 submits at the SMSC');
    smsc.configure({ onSubmit: undefined, bind: 'ignore' }); // healthy, but binds hang until the deadlines pass
    smsc.dropConnections();
    const results = await Promise.all(answers);
    for (const res of results) {
      expect(res.json.IsSuccess).toBe(false);
      // The first attempt's outcome, reported at the deadline: the resend waited for a bind that never came.
      expect(res.json.ErrorDetails).toMatch(/^SMSC link lost before submit_sm_resp \(link-lost\); outcome unknown/);
    }
    expect(smsc.submits).toHaveLength(5); // the resend waited for a bind that never came, so it was never written
    smsc.configure({ bind: 'accept' });
    await waitFor(() => gw.gateway.smsc.ready(), 'rebind');
    expect((await gw.post(sms('after rebind'))).json.IsSuccess).toBe(true);
  });

  it('declares the link dead when enquire_link_resp does not come, and rebinds', async () => {
    const { smsc, gw } = await setup(behaviours['no-enquire-link-resp'](), {
      SMSGW_SMSC_ENQUIRE_LINK_MS: '150',
      SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS: '150',
    });
    await waitFor(() => smsc.bindAttempts.length >= 2, 'a second bind', 3000);
    expect(gw.logs.records().some((r) => r.reason === 'enquire-link-timeout')).toBe(true);
  });

  it('keeps a healthy idle link alive with enquire_link', async () => {
    const { smsc, gw } = await setup(behaviours.happy(), { SMSGW_SMSC_ENQUIRE_LINK_MS: '100' });
    let probes = 0;
    smsc.on('enquire_link', () => probes++);
    await waitFor(() => probes >= 3, '3 enquire_links');
    expect(smsc.bindAttempts).toHaveLength(1);
    expect(gw.gateway.smsc.ready()).toBe(true);
  });

  it('rebinds after the SMSC sends unbind', async () => {
    const { smsc, gw } = await setup(behaviours.happy());
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const answered = new Promise<PDU>((resolve) => smsc.sessions[0]!.on('pdu', (pdu: PDU) => pdu.command === 'unbind_resp' && resolve(pdu)));
    smsc.sendToAll(new PDU('unbind', {}));
    expect((await answered).command_status).toBe(0);
    await waitFor(() => smsc.bindAttempts.length === 2 && gw.gateway.smsc.ready(), 'rebind');
    expect(gw.logs.records().some((r) => r.reason === 'peer-unbind')).toBe(true);
  });

  it('survives a malformed PDU: destroys the session and rebinds', async () => {
    const { smsc, gw } = await setup(behaviours.happy());
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x00ffffff, 0); // command_length far over the library's 16 KiB limit
    header.writeUInt32BE(COMMAND_ID.submit_sm, 4);
    smsc.sendRaw(header);
    await waitFor(() => smsc.bindAttempts.length === 2 && gw.gateway.smsc.ready(), 'rebind');
    expect(gw.logs.records().some((r) => r.reason === 'malformed-pdu')).toBe(true);
    expect((await gw.post(sms('after malformed'))).json.IsSuccess).toBe(true);
  });

  it('answers an unknown command_id with generic_nack and stays bound', async () => {
    const { smsc, gw } = await setup(behaviours.happy());
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const nack = new Promise<PDU>((resolve) => smsc.sessions[0]!.on('pdu', (pdu: PDU) => pdu.command === 'generic_nack' && resolve(pdu)));
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x00000999, 4);
    unknown.writeUInt32BE(77, 12);
    smsc.sendRaw(unknown);
    const pdu = await nack;
    expect(pdu.command_status).toBe(ESME_RINVCMDID);
    expect(pdu.sequence_number).toBe(77);
    expect((await gw.post(sms('still bound'))).json.IsSuccess).toBe(true);
    expect(smsc.bindAttempts).toHaveLength(1);
  });
});

describe('submit outcomes', () => {
  it('pauses the bind on ESME_RTHROTTLED, then resends and succeeds', async () => {
    const { smsc, gw } = await setup(behaviours['fail-first'](2, ESME_RTHROTTLED), { SMSGW_SMSC_THROTTLE_PAUSE_MS: '150' });
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(3);
    const gaps = smsc.submits.slice(1).map((s, i) => s.receivedAt - smsc.submits[i]!.receivedAt);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(140); // the configured pause, not a tight loop
  });

  it('gives up on a throttling SMSC at the deadline, naming the status', async () => {
    const { smsc, gw } = await setup(behaviours['reject-all'](ESME_RTHROTTLED), { SMSGW_REQUEST_DEADLINE_MS: '1000' });
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC rejected the message: ESME_RTHROTTLED (0x58)' });
    // One submit, then the bind's throttle pause (1 s by default) holds the message past its deadline: no storm.
    expect(smsc.submits).toHaveLength(1);
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBe(1);
    expect(res.ms).toBeGreaterThanOrEqual(950); // kept until the deadline, not failed at once
  });

  it('fails at once on ESME_RINVDSTADR, naming the status and its code', async () => {
    const { smsc, gw } = await setup(behaviours['reject-all'](ESME_RINVDSTADR));
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC rejected the message: ESME_RINVDSTADR (0x0B)' });
    expect(smsc.submits).toHaveLength(1);
  });

  it('resends once a submit whose response never comes, then fails naming the timeout', async () => {
    const { smsc, gw } = await setup(behaviours['no-submit-resp'](), { SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '300' });
    const res = await gw.post(sms('code 1'));
    // Answered on the second response timeout, not at the 3 s request deadline (which words it differently).
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC did not answer submit_sm within 300 ms (outcome unknown)' });
    expect(smsc.submits).toHaveLength(2);
  });

  it('keeps at most SMSGW_SMSC_WINDOW submits outstanding', async () => {
    let outstanding = 0;
    let peak = 0;
    const { smsc, gw } = await setup(
      {
        onSubmit: () => {
          peak = Math.max(peak, ++outstanding);
          return { delayMs: 100 };
        },
      },
      { SMSGW_SMSC_WINDOW: '2' },
    );
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    // Outstanding until the SMSC has written its answer.
    smsc.sessions[0]!.on('send', (pdu: PDU) => pdu.command === 'submit_sm_resp' && outstanding--);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => gw.post(sms(`code ${i}`))));
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect(smsc.submits).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('fails fast when the wait queue is full', async () => {
    const { smsc, gw } = await setup(behaviours['no-submit-resp'](), {
      SMSGW_SMSC_WINDOW: '1',
      SMSGW_SMSC_WAIT_QUEUE_SIZE: '1',
      SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '500',
    });
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const settled: string[] = [];
    const first = gw.post(sms('one')).then((res) => (settled.push('one'), res));
    await waitFor(() => smsc.submits.length === 1, 'first submit');
    const second = gw.post(sms('two')).then((res) => (settled.push('two'), res)); // waits for the window
    await eventually(async () => (await metricValue(gw, 'smsgw_smpp_wait_queue_length{smsc="default"}')) === 1, 'the second request in the wait queue');
    const third = await gw.post(sms('three'));
    settled.push('three');
    expect(third.json).toEqual({ IsSuccess: false, ErrorDetails: 'Gateway busy: too many requests waiting for the SMSC' });
    // Refused at once: before the first request (held by its 500 ms response timeouts) is answered.
    await Promise.all([first, second]);
    expect(settled).toEqual(['three', 'one', 'two']);
  });
});

describe('stop()', () => {
  it('unbinds, is idempotent and never reconnects', async () => {
    const fake = await startFakeSmsc();
    const gw = await startGateway(fake.url);
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const bind = gw.gateway.smsc.binds[0]!;
    const states: string[] = [];
    bind.on('state', (next: string) => states.push(next));
    const unbound = once(fake.smsc, 'unbind');
    const closed = once(fake.smsc.sessions[0]!, 'close');
    await Promise.all([gw.stop(), gw.stop()]);
    await unbound;
    await gw.stop();
    await closed;
    // Whether to reconnect is decided as the session closes, inside stop(); a reconnect would go
    // through reconnect-wait and connecting. 'stopped' is final.
    expect(states).toEqual(['unbinding', 'stopped']);
    expect(fake.smsc.bindAttempts).toHaveLength(1);
    expect(bind.state).toBe('stopped');
    await fake.smsc.stop();
  });
});

describe('transmitter-receiver mode', () => {
  it('binds a transmitter for submits and a receiver that gets the receipts', async () => {
    const { smsc, gw } = await setup({ receiptDelayMs: 50 }, { SMSGW_SMSC_BIND_MODE: 'transmitter-receiver' });
    await waitFor(() => gw.gateway.smsc.binds.every((b) => b.state === 'bound'), 'both binds');
    expect(smsc.bindAttempts.map((b) => b.command).sort()).toEqual(['bind_receiver', 'bind_transmitter']);
    const sent = once(smsc, 'receipt');
    expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
    expect((await sent)[0]).toMatchObject({ bind: 'bind_receiver' });
    await waitFor(() => gw.logs.records().some((r) => r.msg === 'delivery receipt' && r.stat === 'DELIVRD'), 'receipt handled');
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { binds: { state: string }[] };
    expect(ready.binds).toHaveLength(2);
  });
});
