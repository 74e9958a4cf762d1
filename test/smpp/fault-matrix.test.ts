// The SMPP fault matrix: what an SMSC or the network does wrong, and what the gateway does about
// it. Every case runs over loopback sockets against the fake SMSC (named behaviours) or, for a
// half-open link, through an in-test TCP proxy that stops forwarding.
import type { Session } from 'smpp';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import type { SimulatorOptions } from '../../src/sim/smsc-simulator';
import { afterNextMalformed, behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor, type TestGateway } from '../support/gateway';
import { metricValue } from '../support/metrics-text';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const { ESME_RINVCMDLEN, ESME_RTHROTTLED } = COMMAND_STATUS;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: SimulatorOptions, env: Record<string, string> = {}, viaProxy = false) {
  const fake = await startFakeSmsc(options);
  let proxy: TcpProxy | undefined;
  if (viaProxy) proxy = await startTcpProxy(fake.url);
  const gw = await startGateway(proxy?.url ?? fake.url, env);
  cleanups.push(async () => {
    await gw.stop();
    await proxy?.close();
    await fake.smsc.stop();
  });
  await waitFor(() => gw.gateway.smsc.ready(), 'bound');
  return { smsc: fake.smsc, gw, proxy: proxy! };
}

/** +44 7400 1234NN: distinct GB mobiles that differ in the last three digits, the part a masked number shows. */
const number = (i: number) => `+44740012${String(3400 + i).padStart(4, '0')}`;
const requestLogs = (gw: TestGateway) => gw.logs.records().filter((r) => r.msg === 'exsign request');

describe('SMPP fault matrix', () => {
  it('link reset with 10 submits in flight: each request answered once, each message at the SMSC at most twice', async () => {
    const { smsc, gw } = await setup(behaviours['no-submit-resp'](), { SMSGW_SMSC_WINDOW: '10' });
    const answers = Array.from({ length: 10 }, (_, i) => gw.post(sms(`code ${i}`, number(i))));
    await waitFor(() => smsc.submits.length === 10, '10 submits in flight');
    smsc.configure({ onSubmit: undefined }); // answers again once the link is back
    smsc.dropConnections();
    const results = await Promise.all(answers);

    expect(results.map((r) => r.json)).toEqual(Array(10).fill({ IsSuccess: true, ErrorDetails: '' }));
    expect(requestLogs(gw)).toHaveLength(10); // one answer per request
    const perDestination = new Map<string, number>();
    for (const submit of smsc.submits) perDestination.set(submit.destinationAddr, (perDestination.get(submit.destinationAddr) ?? 0) + 1);
    expect(perDestination.size).toBe(10);
    for (const copies of perDestination.values()) expect(copies).toBeLessThanOrEqual(2);
    expect(smsc.bindAttempts).toHaveLength(2);
  });

  it('unbind from the SMSC mid-submit: answers unbind_resp, rebinds and resends the unanswered submit once', async () => {
    const { smsc, gw } = await setup(behaviours['unbind-on-submit'](1));
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(2);
    expect(smsc.submits[1]!.text).toBe(smsc.submits[0]!.text);
    expect(smsc.bindAttempts).toHaveLength(2);
    expect(gw.logs.records().some((r) => r.reason === 'peer-unbind')).toBe(true);
    expect(await metricValue(gw, 'smsgw_smpp_disconnects_total{smsc="default",reason="peer_unbind"}')).toBe(1);
  });

  it('generic_nack to a submit: fails at once naming the PDU and status, and stays bound', async () => {
    const { smsc, gw } = await setup(behaviours['generic-nack'](ESME_RINVCMDLEN));
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC rejected the message: generic_nack ESME_RINVCMDLEN (0x02)' });
    expect(smsc.submits).toHaveLength(1);
    expect(gw.gateway.smsc.ready()).toBe(true);
    expect(smsc.bindAttempts).toHaveLength(1);
  });

  it('generic_nack carrying ESME_RTHROTTLED follows the error policy: the bind pauses', async () => {
    const { smsc, gw } = await setup(behaviours['generic-nack'](ESME_RTHROTTLED), { SMSGW_REQUEST_DEADLINE_MS: '600', SMSGW_SMSC_THROTTLE_PAUSE_MS: '250' });
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC rejected the message: generic_nack ESME_RTHROTTLED (0x58)' });
    expect(smsc.submits.length).toBeLessThanOrEqual(3); // 1 + one probe per 250 ms pause within the 600 ms deadline
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBeGreaterThanOrEqual(1);
  });

  it('malformed PDU in answer to a submit: answers generic_nack ESME_RINVCMDLEN, drops the session, rebinds, resends once', async () => {
    const { smsc, gw } = await setup(behaviours['malformed-pdu'](1));
    const exchange = afterNextMalformed(smsc);
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(2);
    // The bad header carried the first submit's sequence_number; the generic_nack names it (SMPP 3.4 §4.3).
    expect(await exchange).toEqual({ kind: 'too-long', heard: [{ command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: smsc.submits[0]!.sequence }] });
    expect(gw.logs.records().some((r) => r.reason === 'malformed-pdu')).toBe(true);
    expect(await metricValue(gw, 'smsgw_smpp_disconnects_total{smsc="default",reason="malformed_pdu"}')).toBe(1);
  });

  it('sequence numbers wrapping past 0x7FFFFFFF keep every response matched to its request', async () => {
    const { smsc, gw } = await setup(behaviours.slow(60), { SMSGW_SMSC_WINDOW: '10' });
    // npm smpp keeps the counter on the session and wraps 0x7FFFFFFF → 1; start just below the edge.
    const session = (gw.gateway.smsc.binds[0] as unknown as { lifecycle: { session: Session } }).lifecycle.session;
    session.sequence = 0x7ffffffd;
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => gw.post(sms(`code ${i}`, number(i)))));
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect(smsc.submits.map((s) => s.sequence).sort((a, b) => a - b)).toEqual([1, 2, 3, 0x7ffffffe, 0x7fffffff]);
    // Each request was answered with the message id the SMSC gave its own submit.
    for (const record of requestLogs(gw)) {
      const submit = smsc.submits.find((s) => s.destinationAddr.endsWith(String(record.to).slice(-3)))!;
      expect(record.smscMessageIds).toEqual([submit.messageId]);
    }
  });

  it('PDUs split across TCP reads: submit_sm_resp and receipts arrive in pieces and still match', async () => {
    const { smsc, gw } = await setup({ splitWrites: true, receiptDelayMs: 0 });
    const text = 'Ваш код подтверждения 123456. Никому его не сообщайте, даже сотрудникам банка.'; // UCS-2, 2 parts
    const res = await gw.post(sms(text));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(2);
    expect(requestLogs(gw)[0]!.smscMessageIds).toEqual(smsc.submits.map((s) => s.messageId));
    await waitFor(() => gw.logs.records().filter((r) => r.msg === 'delivery receipt').length === 2, 'two receipts');
    expect(smsc.bindAttempts).toHaveLength(1);
  });

  it('late submit_sm_resp: logged and counted, the request answered once', async () => {
    const { smsc, gw } = await setup(behaviours.slow(400), { SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '150' });
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC did not answer submit_sm within 150 ms (outcome unknown)' });
    expect(smsc.submits).toHaveLength(2); // the resend, once
    await waitFor(() => gw.logs.records().filter((r) => r.msg === 'late or unknown response (request already answered)').length === 2, 'two late responses');
    expect(await metricValue(gw, 'smsgw_smpp_late_responses_total{smsc="default"}')).toBe(2);
    expect(requestLogs(gw)).toHaveLength(1);
    smsc.configure({ onSubmit: undefined });
    expect((await gw.post(sms('code 2'))).json.IsSuccess).toBe(true);
    expect(smsc.bindAttempts).toHaveLength(1);
  });

  describe('half-open link (a proxy that stops forwarding)', () => {
    const env = {
      SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '300',
      SMSGW_SMSC_ENQUIRE_LINK_MS: '10000',
      SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS: '300',
    };

    it('notices the dead link after an unanswered submit, rebinds on a new connection and resends', async () => {
      const { smsc, gw, proxy } = await setup(behaviours.happy(), env, true);
      proxy.blackhole(); // this connection only: a new one works
      const res = await gw.post(sms('code 1'));
      // Within the 3 s deadline, so through the probe and a rebind: the keep-alive alone would wait 10 s.
      expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
      expect(smsc.submits).toHaveLength(1); // the first copy died in the proxy
      expect(proxy.connections).toBe(2);
      expect(gw.logs.records().some((r) => r.reason === 'enquire-link-timeout')).toBe(true);
    });

    it('answers "outcome unknown" within the deadline when no connection gets through', async () => {
      const { smsc, gw, proxy } = await setup(behaviours.happy(), { ...env, SMSGW_REQUEST_DEADLINE_MS: '1200' }, true);
      proxy.blackhole({ alsoNew: true });
      const res = await gw.post(sms('code 1'));
      expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC did not answer submit_sm within 300 ms (outcome unknown)' });
      // The first attempt's outcome, reported at the deadline: the resend waited for a bind until 200 ms before it.
      expect(res.ms).toBeGreaterThanOrEqual(950);
      expect(smsc.submits).toHaveLength(0);
      proxy.heal();
      await waitFor(() => gw.gateway.smsc.ready(), 'rebind after the network heals', 4000);
      expect((await gw.post(sms('code 2'))).json.IsSuccess).toBe(true);
    });
  });
});
