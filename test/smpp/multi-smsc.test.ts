// Several binds and several SMSCs: sessions per account, transmitter-receiver mode, routing by
// destination prefix with failover, all against fake SMSCs on loopback.
import type { PDU, Session } from 'smpp';
import { SmscSimulator, type SimulatorOptions } from '../../src/sim/smsc-simulator';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor, type TestGateway } from '../support/gateway';
import { metricValue } from '../support/metrics-text';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A fake SMSC that is stopped after the test (also when a test replaced it). */
async function fakeSmsc(options: SimulatorOptions = {}) {
  const fake = await startFakeSmsc(options);
  cleanups.push(() => fake.smsc.stop());
  return fake;
}

/** An SMSC entry as an operator writes it in the config file (short timings for the test). */
const entry = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  url,
  systemId: 'smsgw',
  password: 'secret12',
  reconnectMinDelayMs: 50,
  reconnectMaxDelayMs: 400,
  connectTimeoutMs: 500,
  bindTimeoutMs: 500,
  ...extra,
});

async function gateway(defaultUrl: string, env: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway(defaultUrl, env);
  cleanups.push(() => gw.stop());
  return gw;
}

const allBound = (gw: TestGateway) => gw.gateway.smscs.every((client) => client.binds.every((bind) => bind.state === 'bound'));

describe('failover between SMSCs', () => {
  it('primary down → messages go to the secondary; primary back → traffic returns to it', async () => {
    const primary = await fakeSmsc();
    const backup = await fakeSmsc();
    const gw = await gateway(primary.url, { SMSGW_SMSC_NAME: 'primary', SMSGW_SMSCS: JSON.stringify([entry('backup', backup.url)]) });
    await waitFor(() => allBound(gw), 'both SMSCs bound');

    expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
    expect([primary.smsc.submits.length, backup.smsc.submits.length]).toEqual([1, 0]);

    const port = primary.smsc.port;
    await primary.smsc.stop();
    await waitFor(() => !gw.gateway.smscs[0]!.ready(), 'primary unbound');
    const during = await Promise.all([gw.post(sms('code 2')), gw.post(sms('code 3'))]);
    expect(during.every((r) => r.json.IsSuccess)).toBe(true);
    expect(backup.smsc.submits).toHaveLength(2);
    const log = gw.logs.records().filter((r) => r.msg === 'exsign request');
    expect(log.slice(-2).map((r) => r.smsc)).toEqual(['backup', 'backup']);

    const revived = new SmscSimulator({ port, systemId: 'smsgw', password: 'secret12' });
    await revived.start();
    cleanups.push(() => revived.stop());
    await waitFor(() => gw.gateway.smscs[0]!.ready(), 'primary rebound', 3000);
    expect((await gw.post(sms('code 4'))).json.IsSuccess).toBe(true);
    expect(revived.submits).toHaveLength(1);
    expect(backup.smsc.submits).toHaveLength(2);
  });

  it('never sends one request to two SMSCs: an in-flight submit lost with the primary is not moved to the secondary', async () => {
    const primary = await fakeSmsc(behaviours['no-submit-resp']());
    const backup = await fakeSmsc();
    const gw = await gateway(primary.url, {
      SMSGW_SMSC_NAME: 'primary',
      SMSGW_SMSCS: JSON.stringify([entry('backup', backup.url)]),
      SMSGW_REQUEST_DEADLINE_MS: '1200',
    });
    await waitFor(() => allBound(gw), 'both SMSCs bound');
    const answer = gw.post(sms('code 1'));
    await waitFor(() => primary.smsc.submits.length === 1, 'submit at the primary');
    primary.smsc.configure({ bind: 'ignore' });
    primary.smsc.dropConnections();
    const res = await answer;
    expect(res.json.IsSuccess).toBe(false);
    expect(res.json.ErrorDetails).toMatch(/^SMSC link lost before submit_sm_resp \(link-lost\); outcome unknown/);
    expect(backup.smsc.submits).toHaveLength(0);
    // A new request, with the primary still unbound, goes to the secondary.
    expect((await gw.post(sms('code 2'))).json.IsSuccess).toBe(true);
    expect(backup.smsc.submits).toHaveLength(1);
  });

  it('names every SMSC of the route and its last failure when none binds before the deadline', async () => {
    const a = await fakeSmsc(behaviours['blackhole-bind']());
    const b = await fakeSmsc(behaviours['refuse-bind']());
    const gw = await gateway(a.url, { SMSGW_SMSC_NAME: 'a', SMSGW_SMSCS: JSON.stringify([entry('b', b.url)]), SMSGW_REQUEST_DEADLINE_MS: '700' });
    const res = await gw.post(sms('code 1'));
    // Only the router's deadline answers "SMSC not bound", naming each SMSC's last failure.
    expect(res.json.ErrorDetails).toMatch(/^SMSC not bound: .* \(last failure: a: bind-timeout: .*; b: bind-refused: .*ESME_RINVPASWD \(0x0E\)/);
  });
});

describe('routing by destination prefix', () => {
  it('sends each number to its route, with that SMSC\'s sender and data_coding', async () => {
    const home = await fakeSmsc();
    const uk = await fakeSmsc();
    const gw = await gateway(home.url, {
      SMSGW_SMSC_NAME: 'home',
      SMSGW_SMSCS: JSON.stringify([entry('uk', uk.url, { sourceAddr: 'UKBANK', dataCoding: 3, window: 5 })]),
      SMSGW_ROUTES: JSON.stringify([
        { prefix: '+44', smscs: ['uk', 'home'] },
        { prefix: '33', smscs: ['home'] },
      ]),
    });
    await waitFor(() => allBound(gw), 'both SMSCs bound');
    const results = await Promise.all([
      gw.post(sms('Code 111', '+44 7400 123456')),
      gw.post(sms('Code 222', '+33 6 12 34 56 78')),
      gw.post(sms('Code 333', '+49 1512 3456789')), // no route: every SMSC in config order, home first
    ]);
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect(uk.smsc.submits.map((s) => [s.destinationAddr, s.sourceAddr, s.sourceTon, s.dataCoding])).toEqual([['447400123456', 'UKBANK', 5, 3]]);
    expect(home.smsc.submits.map((s) => [s.destinationAddr, s.sourceAddr, s.dataCoding]).sort()).toEqual([
      ['33612345678', 'ExSign', 0],
      ['4915123456789', 'ExSign', 0],
    ]);
  });

  it('labels metrics with each SMSC\'s name and its own session count', async () => {
    const home = await fakeSmsc();
    const uk = await fakeSmsc();
    const gw = await gateway(home.url, { SMSGW_SMSC_NAME: 'home', SMSGW_SMSCS: JSON.stringify([entry('uk', uk.url, { sessions: 2 })]) });
    await waitFor(() => allBound(gw), 'all sessions bound');
    expect(await metricValue(gw, 'smsgw_smpp_bind_up{smsc="home",session="0"}')).toBe(1);
    expect(await metricValue(gw, 'smsgw_smpp_bind_up{smsc="uk",session="1"}')).toBe(1);
    await expect(metricValue(gw, 'smsgw_smpp_bind_up{smsc="home",session="1"}')).rejects.toThrow(/no sample/);
    expect(await metricValue(gw, 'smsgw_smpp_window_size{smsc="uk"}')).toBe(20);
  });
});

describe('several binds to one SMSC', () => {
  it('opens `sessions` transceivers and spreads submits over them', async () => {
    const bySession = new Map<Session, number>();
    const { smsc, url } = await fakeSmsc(behaviours.slow(80));
    smsc.on('session', (session: Session) => session.on('pdu', (pdu: PDU) => pdu.command === 'submit_sm' && bySession.set(session, (bySession.get(session) ?? 0) + 1)));
    const gw = await gateway(url, { SMSGW_SMSC_SESSIONS: '3', SMSGW_SMSC_WINDOW: '2' });
    await waitFor(() => allBound(gw), 'three sessions bound');
    expect(smsc.bindAttempts.map((b) => b.command)).toEqual(['bind_transceiver', 'bind_transceiver', 'bind_transceiver']);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => gw.post(sms(`code ${i}`, `+44740012${String(3400 + i)}`))));
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect([...bySession.values()].sort()).toEqual([4, 4, 4]);
  });

  it('transmitter-receiver mode: submits on transmitters, receipts on a receiver', async () => {
    const submitsOn = new Map<string, number>();
    const receiptsAcked: string[] = [];
    const { smsc, url } = await fakeSmsc({ receiptDelayMs: 0 });
    smsc.on('session', (session: Session) => {
      let bind = '';
      session.on('pdu', (pdu: PDU) => {
        if (pdu.command.startsWith('bind_')) bind = pdu.command;
        if (pdu.command === 'submit_sm') submitsOn.set(bind, (submitsOn.get(bind) ?? 0) + 1);
        if (pdu.command === 'deliver_sm_resp') receiptsAcked.push(bind);
      });
    });
    const gw = await gateway(url, { SMSGW_SMSC_BIND_MODE: 'transmitter-receiver', SMSGW_SMSC_SESSIONS: '2' });
    await waitFor(() => allBound(gw), 'four sessions bound');
    expect(smsc.bindAttempts.map((b) => b.command).sort()).toEqual(['bind_receiver', 'bind_receiver', 'bind_transmitter', 'bind_transmitter']);
    const results = await Promise.all([gw.post(sms('code 1')), gw.post(sms('code 2')), gw.post(sms('code 3'))]);
    expect(results.every((r) => r.json.IsSuccess)).toBe(true);
    expect(Object.fromEntries(submitsOn)).toEqual({ bind_transmitter: 3 });
    await waitFor(() => receiptsAcked.length === 3, 'three receipts answered');
    expect(new Set(receiptsAcked)).toEqual(new Set(['bind_receiver']));
    expect(await metricValue(gw, 'smsgw_smpp_bind_up{smsc="default",session="3"}')).toBe(1);
    expect(await metricValue(gw, 'smsgw_smpp_window_size{smsc="default"}')).toBe(20); // receivers carry no submits
  });
});
