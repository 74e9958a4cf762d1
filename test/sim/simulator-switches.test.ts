// The development simulator's failure switches (SMSGW_SIMULATOR_*), driven as a telecom engineer
// would: a gateway with the built-in simulator, one switch at a time, requests over HTTP.
import { loadConfig } from '../../src/config/load-config';
import { sms, startGateway, type TestGateway } from '../support/gateway';
import { metricValue } from '../support/metrics-text';

const gateways: TestGateway[] = [];
afterEach(async () => {
  while (gateways.length) await gateways.pop()!.stop();
});

async function simulated(switches: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway('', { SMSGW_SIMULATOR: 'true', ...switches });
  gateways.push(gw);
  return gw;
}

describe('simulator switches', () => {
  it('are read from the development profile and its environment', () => {
    const config = loadConfig({
      env: { NODE_ENV: 'development', SMSGW_SIMULATOR_THROTTLE_EVERY: '5', SMSGW_SIMULATOR_DROP_LINK_EVERY: '7', SMSGW_SIMULATOR_STOP_ANSWERING: 'true' },
    });
    expect(config.simulator).toMatchObject({ enabled: true, throttleEvery: 5, dropLinkEvery: 7, stopAnswering: true, refuseBinds: false, delayMs: 0 });
  });

  it('SMSGW_SIMULATOR_DELAY_MS delays every submit_sm_resp', async () => {
    const gw = await simulated({ SMSGW_SIMULATOR_DELAY_MS: '300' });
    const res = await gw.post(sms('code 1'));
    expect(res.json.IsSuccess).toBe(true);
    expect(res.ms).toBeGreaterThanOrEqual(290);
  });

  it('SMSGW_SIMULATOR_THROTTLE_EVERY throttles every Nth submit; the gateway pauses and resends', async () => {
    const gw = await simulated({ SMSGW_SIMULATOR_THROTTLE_EVERY: '2', SMSGW_SMSC_THROTTLE_PAUSE_MS: '100' });
    expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
    expect((await gw.post(sms('code 2'))).json.IsSuccess).toBe(true);
    expect(gw.gateway.simulator!.submits).toHaveLength(3);
    expect(await metricValue(gw, 'smsgw_smpp_submit_sm_total{smsc="default",command_status="ESME_RTHROTTLED"}')).toBe(1);
    expect(await metricValue(gw, 'smsgw_smpp_throttle_pauses_total{smsc="default"}')).toBe(1);
  });

  it('SMSGW_SIMULATOR_DROP_LINK_EVERY cuts the link on every Nth submit; the gateway rebinds and resends', async () => {
    const gw = await simulated({ SMSGW_SIMULATOR_DROP_LINK_EVERY: '2' });
    expect((await gw.post(sms('code 1'))).json.IsSuccess).toBe(true);
    expect((await gw.post(sms('code 2'))).json.IsSuccess).toBe(true);
    expect(gw.gateway.simulator!.submits).toHaveLength(3);
    expect(gw.gateway.simulator!.bindAttempts).toHaveLength(2);
    expect(await metricValue(gw, 'smsgw_smpp_disconnects_total{smsc="default",reason="link_lost"}')).toBe(1);
  });

  it('SMSGW_SIMULATOR_REFUSE_BINDS refuses binds with ESME_RBINDFAIL', async () => {
    const gw = await simulated({ SMSGW_SIMULATOR_REFUSE_BINDS: 'true', SMSGW_REQUEST_DEADLINE_MS: '500' });
    const res = await gw.post(sms('code 1'));
    expect(res.json.ErrorDetails).toMatch(/^SMSC not bound: .*bind-refused: bind_transceiver_resp ESME_RBINDFAIL \(0x0D\)/);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(503);
  });

  it('SMSGW_SIMULATOR_STOP_ANSWERING: bound, then silence; the request is answered "outcome unknown" within its deadline', async () => {
    const gw = await simulated({
      SMSGW_SIMULATOR_STOP_ANSWERING: 'true',
      SMSGW_SMSC_RESPONSE_TIMEOUT_MS: '200',
      SMSGW_SMSC_ENQUIRE_LINK_TIMEOUT_MS: '200',
      SMSGW_REQUEST_DEADLINE_MS: '1000',
    });
    const res = await gw.post(sms('code 1'));
    // The response timeout's answer, not the request deadline's.
    expect(res.json).toEqual({ IsSuccess: false, ErrorDetails: 'SMSC did not answer submit_sm within 200 ms (outcome unknown)' });
    expect(gw.logs.records().some((r) => r.reason === 'enquire-link-timeout')).toBe(true);
    gw.gateway.simulator!.configure({ stopAnswering: false }); // so stop() gets its unbind_resp instead of waiting it out
  });
});
