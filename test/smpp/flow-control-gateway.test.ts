// Flow control and the error policy through a gateway, over loopback sockets against the fake SMSC
// (FlowControl alone: flow-control.test.ts).
import type { PDU, Session } from 'smpp';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import type { SimulatorOptions } from '../../src/sim/smsc-simulator';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { metricValue } from '../support/metrics-text';
import { eventually } from '../support/status-api';

const { ESME_RINVPASWD, ESME_RINVSYSID, ESME_RSYSERR, ESME_RTHROTTLED } = COMMAND_STATUS;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: SimulatorOptions, env: Record<string, string> = {}) {
  const fake = await startFakeSmsc(options);
  const gw = await startGateway(fake.url, env);
  cleanups.push(async () => {
    await gw.stop();
    await fake.smsc.stop();
  });
  await waitFor(() => gw.gateway.smscs.every((client) => client.binds.every((bind) => bind.state === 'bound')), 'all sessions bound');
  return { smsc: fake.smsc, gw };
}

const number = (i: number) => `+44740012${String(i % 10000).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Room past a deadline for a busy machine; a request that waited for the storm to end takes seconds more. */
const LOAD_ROOM_MS = 1000;

describe('throttling', () => {
  // The scenario is 10 s of ESME_RTHROTTLED with the default 1 s pause. Run at half scale
  // (every duration halved, so the same 10 pauses per storm and the same deadline/storm ratio)
  // to keep this part of `npm test` near its time budget on a 2-core machine.
  const STORM_MS = 5000;
  const PAUSE_MS = 500;
  const DEADLINE_MS = 2000;
  const SPACING_MS = 125;

  it('an ESME_RTHROTTLED storm: the bind pauses (no busy loop), every request is answered within its deadline', async () => {
    const { smsc, gw } = await setup(behaviours['throttle-burst'](STORM_MS), {
      SMSGW_REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      SMSGW_SMSC_THROTTLE_PAUSE_MS: String(PAUSE_MS),
    });
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const requests: { sentAt: number; answer: ReturnType<typeof gw.post> }[] = [];
    for (let i = 0; Date.now() - started < STORM_MS + 750; i++) {
      requests.push({ sentAt: Date.now() - started, answer: gw.post(sms(`code ${i}`, number(i))) });
      await sleep(SPACING_MS);
    }
    const stormEnd = smsc.submits[0]!.receivedAt + STORM_MS;
    const cpu = process.cpuUsage(cpuBefore);
    const answers = await Promise.all(requests.map(async (r) => ({ ...r, res: await r.answer })));

    // Deadline measured where it is kept (the handler); the client adds its own connection time.
    // Without a deadline the early requests would wait for the end of the storm, seconds later.
    const latencies = gw.logs.records().filter((r) => r.msg === 'exsign request').map((r) => Number(r.latencyMs));
    expect(latencies).toHaveLength(answers.length);
    for (const ms of latencies) expect(ms).toBeLessThan(DEADLINE_MS + LOAD_ROOM_MS);
    for (const { res } of answers) expect(res.ms).toBeLessThan(DEADLINE_MS + 2 * LOAD_ROOM_MS);
    // Early: the deadline passed inside the storm. Late: the deadline came well after the SMSC
    // accepted its first submit (the probe after the storm), so the message must have gone through.
    const firstAccepted = smsc.submits.find((s) => s.receivedAt >= stormEnd)!.receivedAt;
    const early = answers.filter((a) => started + a.sentAt + DEADLINE_MS < stormEnd - 200);
    const late = answers.filter((a) => started + a.sentAt + DEADLINE_MS > firstAccepted + 500);
    // Both groups are substantial (about 20 and 15 requests at this spacing; fewer when the machine is slow to start).
    expect(early.length).toBeGreaterThanOrEqual(10);
    expect(late.length).toBeGreaterThanOrEqual(5);
    // Sent and throttled, or held back by the pause: either way the answer names the SMSC's status.
    for (const { res } of early) {
      expect(res.json.IsSuccess).toBe(false);
      expect(res.json.ErrorDetails).toMatch(/^SMSC (rejected the message: ESME_RTHROTTLED \(0x58\)$|throttling \(ESME_RTHROTTLED \(0x58\)\): sending paused, message not sent before the request deadline$)/);
    }
    for (const { res } of late) expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });

    // One probe per pause, plus the first window: not one retry storm per message.
    const duringStorm = smsc.submits.filter((s) => s.receivedAt < stormEnd).length;
    expect(duringStorm).toBeLessThanOrEqual(STORM_MS / PAUSE_MS + 10);
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBeGreaterThanOrEqual(STORM_MS / PAUSE_MS - 2);
    // A busy loop would burn a core for the whole storm.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(0.3 * (STORM_MS + 750));
  });

  it('ESME_RMSGQFUL also pauses the whole bind for the configured time, then the message goes through', async () => {
    const { smsc, gw } = await setup(behaviours['queue-full'](3), { SMSGW_SMSC_THROTTLE_PAUSE_MS: '100' });
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(4);
    const gaps = smsc.submits.slice(1).map((s, i) => s.receivedAt - smsc.submits[i]!.receivedAt);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(95);
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBe(3);
    expect(await metricValue(gw, 'smsgw_smpp_submit_sm_total{smsc="default",command_status="ESME_RMSGQFUL"}')).toBe(3);
  });

  it('a pause holds back the other messages of the bind too, then one probe goes before the full window', async () => {
    const { smsc, gw } = await setup(behaviours['fail-first'](1, ESME_RTHROTTLED), { SMSGW_SMSC_THROTTLE_PAUSE_MS: '300' });
    const first = gw.post(sms('code 0', number(0)));
    await waitFor(() => smsc.submits.length === 1, 'first submit');
    await eventually(async () => (await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')) === 1, 'the pause to begin');
    const others = Array.from({ length: 4 }, (_, i) => gw.post(sms(`code ${i + 1}`, number(i + 1))));
    const results = await Promise.all([first, ...others]);
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    const [throttled, probe, ...rest] = smsc.submits;
    expect(probe!.receivedAt - throttled!.receivedAt).toBeGreaterThanOrEqual(290);
    for (const submit of rest) expect(submit.receivedAt).toBeGreaterThanOrEqual(probe!.receivedAt);
  });
});

describe('error policy', () => {
  it('retries a "retry" status (ESME_RSYSERR) with backoff, without pausing the bind', async () => {
    const { smsc, gw } = await setup(behaviours['fail-first'](2, ESME_RSYSERR));
    const res = await gw.post(sms('code 1'));
    expect(res.json).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(smsc.submits).toHaveLength(3);
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBe(0);
  });

  it('takes overrides from SMSGW_SMSC_ERROR_POLICY: a status made permanent, a vendor code made transient', async () => {
    const env = { SMSGW_SMSC_ERROR_POLICY: JSON.stringify({ ESME_RSYSERR: 'fail', '0x0400': 'retry' }) };
    const sysErr = await setup(behaviours['fail-first'](1, ESME_RSYSERR), env);
    expect((await sysErr.gw.post(sms('code 1'))).json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC rejected the message: ESME_RSYSERR (0x08)' });
    expect(sysErr.smsc.submits).toHaveLength(1);
    const vendor = await setup(behaviours['fail-first'](1, 0x400), env);
    expect((await vendor.gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
    expect(vendor.smsc.submits).toHaveLength(2);
  });

  it('refused credentials: growing delays, an error log once per distinct refusal, warnings for the repeats', async () => {
    const { smsc, gw } = await startRefusing();
    await waitFor(() => smsc.bindAttempts.length >= 4, '4 refused binds');
    const refusals = () => gw.logs.records().filter((r) => r.reason === 'bind-refused');
    expect(refusals().filter((r) => r.level === 50)).toHaveLength(1);
    expect(refusals().filter((r) => r.level === 40).length).toBeGreaterThanOrEqual(2);
    smsc.configure({ bindRefuseStatus: ESME_RINVSYSID });
    const seen = smsc.bindAttempts.length;
    await waitFor(() => smsc.bindAttempts.length >= seen + 2, 'two more refused binds');
    const errors = refusals().filter((r) => r.level === 50);
    expect(errors).toHaveLength(2);
    expect(String(errors[1]!.detail)).toMatch(/ESME_RINVSYSID \(0x0F\)/);
    expect(gw.logs.text).not.toContain('secret12');

    async function startRefusing() {
      const fake = await startFakeSmsc(behaviours['refuse-bind'](ESME_RINVPASWD));
      const gw = await startGateway(fake.url, { SMSGW_SMSC_BIND_REFUSED_DELAY_MS: '40', SMSGW_SMSC_BIND_REFUSED_MAX_DELAY_MS: '120' });
      cleanups.push(async () => {
        await gw.stop();
        await fake.smsc.stop();
      });
      return { smsc: fake.smsc, gw };
    }
  });
});

describe('TPS limits', () => {
  it('holds the SMSC account limit within 10% over a 5 s run', async () => {
    const TPS = 50;
    const RUN_MS = 5000;
    const { smsc, gw } = await setup(behaviours.happy(), { SMSGW_SMSC_TPS: String(TPS), SMSGW_REQUEST_DEADLINE_MS: '9000', SMSGW_SMSC_SESSIONS: '2' });
    // More than the limit allows in the run, all at once, so the limit and not the offer sets the pace.
    const answers = Array.from({ length: (TPS * (RUN_MS + 800)) / 1000 }, (_, i) => gw.post(sms(`code ${i}`, number(i))));
    const results = await Promise.all(answers);
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    const first = smsc.submits[0]!.receivedAt;
    const inRun = smsc.submits.filter((s) => s.receivedAt < first + RUN_MS).length;
    expect(inRun).toBeGreaterThanOrEqual(TPS * (RUN_MS / 1000) * 0.9);
    expect(inRun).toBeLessThanOrEqual(TPS * (RUN_MS / 1000) * 1.1);
    for (let second = 0; second < RUN_MS / 1000; second++) {
      const start = first + second * 1000;
      const count = smsc.submits.filter((s) => s.receivedAt >= start && s.receivedAt < start + 1000).length;
      expect(count).toBeLessThanOrEqual(TPS * 1.1 + TPS / 10); // plus the burst of a tenth of a second
    }
    expect(await metricValue(gw, 'smsgw_smpp_tps_limit_hits_total{smsc="default"}')).toBeGreaterThan(0);
  });

  it('answers messages the TPS limit holds past their deadline, naming the limit', async () => {
    const { smsc, gw } = await setup(behaviours.happy(), { SMSGW_SMSC_TPS: '4', SMSGW_REQUEST_DEADLINE_MS: '600' });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => gw.post(sms(`code ${i}`, number(i)))));
    const sent = results.filter((r) => r.json.IsSuccess).length;
    expect(smsc.submits).toHaveLength(sent);
    expect(sent).toBeGreaterThanOrEqual(2); // burst 1, then one token per 250 ms within 600 ms
    expect(sent).toBeLessThanOrEqual(4);
    for (const res of results.filter((r) => !r.json.IsSuccess)) {
      expect(res.json.ErrorDetails).toBe('TPS limit for this SMSC reached: message not sent before the request deadline');
    }
  });

  it('holds the per-session limit on each of several sessions', async () => {
    const SESSION_TPS = 20;
    const RUN_MS = 2000;
    const perSession = new Map<Session, number>();
    const fake = await startFakeSmsc();
    fake.smsc.on('session', (session: Session) => session.on('pdu', (pdu: PDU) => pdu.command === 'submit_sm' && perSession.set(session, (perSession.get(session) ?? 0) + 1)));
    const gw = await startGateway(fake.url, { SMSGW_SMSC_SESSIONS: '2', SMSGW_SMSC_SESSION_TPS: String(SESSION_TPS), SMSGW_REQUEST_DEADLINE_MS: '5000' });
    cleanups.push(async () => {
      await gw.stop();
      await fake.smsc.stop();
    });
    await waitFor(() => gw.gateway.smsc.binds.every((b) => b.state === 'bound'), 'both sessions bound');
    const started = Date.now();
    const total = (2 * SESSION_TPS * RUN_MS) / 1000;
    const results = await Promise.all(Array.from({ length: total }, (_, i) => gw.post(sms(`code ${i}`, number(i)))));
    const elapsed = Date.now() - started;
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect([...perSession.values()]).toHaveLength(2);
    const burst = Math.max(1, Math.floor(SESSION_TPS / 10));
    for (const count of perSession.values()) {
      expect(count).toBeGreaterThanOrEqual(total * 0.3); // both sessions carry traffic
      expect(count).toBeLessThanOrEqual((SESSION_TPS * elapsed * 1.1) / 1000 + burst); // and neither beats its own limit
    }
    // 80 submits at 2 × 20/s take about 2 s less the initial bursts; unlimited they take milliseconds.
    expect(elapsed).toBeGreaterThanOrEqual(RUN_MS * 0.85);
    expect(elapsed).toBeLessThan(RUN_MS + 2 * LOAD_ROOM_MS);
  });
});
