import { spawnSync } from 'node:child_process';
import { HTTP_OUTCOMES } from '../../src/metrics/http-metrics';
import { createMetrics } from '../../src/metrics/metrics';
import { commandStatusLabel } from '../../src/metrics/smpp-metrics';
import { withPromtool } from '../support/prometheus';

function metricsFor(smscs: string[]) {
  return createMetrics({ smscs, version: '1.2.3-test' });
}

function sampleLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('createMetrics', () => {
  test('exports every known label set at 0 before any traffic', async () => {
    const lines = new Set(sampleLines(await metricsFor(['alpha', 'beta']).registry.metrics()));
    const expected = [
      ...HTTP_OUTCOMES.map((o) => `smsgw_http_requests_total{outcome="${o}"} 0`),
      'smsgw_http_request_duration_seconds_count 0',
      'smsgw_message_segments_bucket{le="10"} 0',
      'smsgw_smpp_submit_sm_total{smsc="alpha",command_status="ESME_ROK"} 0',
      'smsgw_smpp_submit_sm_total{smsc="beta",command_status="ESME_RTHROTTLED"} 0',
      'smsgw_smpp_submit_sm_total{smsc="beta",command_status="ESME_RMSGQFUL"} 0',
      'smsgw_smpp_submit_sm_total{smsc="alpha",command_status="TIMEOUT"} 0',
      'smsgw_smpp_submit_sm_total{smsc="alpha",command_status="LOCAL_ERROR"} 0',
      'smsgw_smpp_submit_sm_duration_seconds_bucket{le="+Inf",smsc="beta"} 0',
      'smsgw_smpp_bind_attempts_total{smsc="alpha",result="connect_failed"} 0',
      'smsgw_smpp_disconnects_total{smsc="beta",reason="enquire_link_timeout"} 0',
      'smsgw_smpp_enquire_link_failures_total{smsc="alpha"} 0',
      'smsgw_smpp_inflight_requests{smsc="alpha"} 0',
      'smsgw_smpp_window_size{smsc="alpha"} 0',
      'smsgw_smpp_wait_queue_length{smsc="alpha"} 0',
      'smsgw_smpp_tps_limit_hits_total{smsc="beta"} 0',
      'smsgw_smpp_throttle_pauses_total{smsc="beta"} 0',
      'smsgw_smpp_late_responses_total{smsc="beta"} 0',
      'smsgw_smpp_malformed_pdus_total{smsc="alpha"} 0',
      'smsgw_dlr_received_total{smsc="alpha",stat="DELIVRD"} 0',
      'smsgw_dlr_received_total{smsc="beta",stat="OTHER"} 0',
      'smsgw_dlr_received_total{smsc="alpha",stat="SCHEDLD"} 0',
      'smsgw_dlr_received_total{smsc="alpha",stat="SKIPPED"} 0',
      'smsgw_dlr_latency_seconds_count{smsc="alpha"} 0',
      'smsgw_dlr_unmatched_total{smsc="beta"} 0',
      `smsgw_build_info{version="1.2.3-test",nodejs_version="${process.version}"} 1`,
    ];
    for (const line of expected) expect(lines).toContain(line);
    // One per session, made as each bind is observed (bind-metrics.test.ts).
    expect([...lines].filter((l) => l.startsWith('smsgw_smpp_bind_up{'))).toHaveLength(0);
    expect([...lines].filter((l) => l.startsWith('smsgw_dlr_received_total{'))).toHaveLength(22);
    // A 0 timestamp would claim the last success happened in 1970.
    expect([...lines].some((l) => l.startsWith('smsgw_smpp_last_submit_success_timestamp_seconds'))).toBe(false);
  });

  test('includes the prom-client default process and Node.js metrics', async () => {
    const text = await metricsFor(['alpha']).registry.metrics();
    expect(text).toContain('\nprocess_cpu_seconds_total ');
    expect(text).toContain('\nnodejs_eventloop_lag_p99_seconds ');
  });

  test('handles record what the caller passes', async () => {
    const m = metricsFor(['alpha']);
    m.httpRequests.inc({ outcome: 'success' });
    m.submitSm.inc({ smsc: 'alpha', command_status: commandStatusLabel(0x0b) });
    m.bindUp.set({ smsc: 'alpha', session: '0' }, 1);
    m.lastSubmitSuccess.set({ smsc: 'alpha' }, 1700000000);
    m.dlrLatency.observe({ smsc: 'alpha' }, 4);
    const lines = new Set(sampleLines(await m.registry.metrics()));
    expect(lines).toContain('smsgw_http_requests_total{outcome="success"} 1');
    expect(lines).toContain('smsgw_smpp_submit_sm_total{smsc="alpha",command_status="ESME_RINVDSTADR"} 1');
    expect(lines).toContain('smsgw_smpp_bind_up{smsc="alpha",session="0"} 1');
    expect(lines).toContain('smsgw_smpp_last_submit_success_timestamp_seconds{smsc="alpha"} 1700000000');
    expect(lines).toContain('smsgw_dlr_latency_seconds_bucket{le="5",smsc="alpha"} 1');
  });

  test('two instances keep separate registries', async () => {
    const first = metricsFor(['alpha']);
    const second = metricsFor(['beta']);
    first.httpRequests.inc({ outcome: 'success' }, 3);
    const firstText = await first.registry.metrics();
    const secondText = await second.registry.metrics();
    expect(firstText).toContain('smsgw_http_requests_total{outcome="success"} 3');
    expect(secondText).toContain('smsgw_http_requests_total{outcome="success"} 0');
    expect(firstText).not.toContain('smsc="beta"');
    expect(secondText).not.toContain('smsc="alpha"');
  });

  withPromtool('passes promtool check metrics', async () => {
    const m = metricsFor(['alpha', 'beta']);
    m.bindUp.set({ smsc: 'alpha', session: '0' }, 1);
    const text = await m.registry.metrics();
    // prom-client's nodejs_active_*_total are gauges with a counter suffix; not ours to rename.
    const ours = text
      .split('\n')
      .filter((line) => !/nodejs_active_(handles|requests|resources)_total\b/.test(line))
      .join('\n');
    const result = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('commandStatusLabel', () => {
  test.each([
    [0x00, 'ESME_ROK'],
    [0x58, 'ESME_RTHROTTLED'],
    [0x0b, 'ESME_RINVDSTADR'],
    [0x14, 'ESME_RMSGQFUL'],
    [0x400, '0x0400'],
    [0x4ff, '0x04FF'],
    [0x500, 'UNKNOWN'],
    [0x12345, 'UNKNOWN'],
    [-1, 'UNKNOWN'],
  ])('%i → %s', (status, label) => {
    expect(commandStatusLabel(status)).toBe(label);
  });
});
