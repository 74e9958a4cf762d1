// Checks grafana/prometheus/: the structure checks always run; the promtool ones (syntax, unit
// tests of every alert, the example config) are skipped where promtool is not installed, unless
// tools are required (support/tools.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMetrics } from '../../src/metrics/metrics';
import { withPromtool } from '../support/prometheus';

const DIR = path.join(__dirname, '../../grafana/prometheus');
const ALERTS = path.join(DIR, 'alerts.yml');
const ALERT_TESTS = path.join(DIR, 'alerts.test.yml');
const EXAMPLE_CONFIG = path.join(DIR, 'prometheus.example.yml');

const alertsText = readFileSync(ALERTS, 'utf8');
const alertTestsText = readFileSync(ALERT_TESTS, 'utf8');

// One YAML list item per rule, each starting with "- alert: Name".
const alertBlocks = alertsText
  .split(/^\s*- alert: /m)
  .slice(1)
  .map((block) => ({ name: block.slice(0, block.indexOf('\n')).trim(), body: block }));
const alertNames = alertBlocks.map((a) => a.name);

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('alert rules', () => {
  test('define the agreed alerts', () => {
    expect([...alertNames].sort()).toEqual(
      [
        'SmsgwBindDown',
        'SmsgwBindFlapping',
        'SmsgwDlrDeliveredRatioLow',
        'SmsgwDlrLatencyHigh',
        'SmsgwDown',
        'SmsgwHttpFailuresHigh',
        'SmsgwLimitExhausted',
        'SmsgwNoSuccessfulSubmit',
        'SmsgwOverloaded',
        'SmsgwReceiptsStopped',
        'SmsgwRedisDown',
        'SmsgwStoreWriteFailures',
        'SmsgwSubmitErrorRatioHigh',
        'SmsgwSubmitLatencyHigh',
        'SmsgwThrottling',
      ].sort(),
    );
  });

  test.each(alertBlocks.map((a) => [a.name, a.body] as const))(
    '%s is CamelCase with for, severity, summary and description',
    (name, body) => {
      expect(name).toMatch(/^Smsgw(?:[A-Z][a-z0-9]*)+$/);
      expect(body).toMatch(/^\s+for: \d+[smh]$/m);
      expect(body).toMatch(/^\s+severity: (critical|warning)$/m);
      expect(body).toMatch(/^\s+summary: \S/m);
      expect(body).toMatch(/^\s+description: \S/m);
    },
  );

  test.each(alertNames)('%s has a firing and a not-firing unit test', (name) => {
    expect(alertTestsText).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts: \\[\\]`));
    expect(alertTestsText).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
  });

  test('use only metrics the gateway exports', async () => {
    const metrics = createMetrics({ smscs: ['alpha'], version: 'rules', redis: true });
    const exported = new Set(
      (await metrics.registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('# TYPE '))
        .flatMap((line) => {
          const [, , name, type] = line.split(' ');
          return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
        }),
    );
    const used = new Set(alertsText.match(/\bsmsgw_\w+/g));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  withPromtool('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', ALERTS);
    expect(output).toContain(`SUCCESS: ${alertNames.length} rules found`);
    expect(status).toBe(0);
  });

  withPromtool('pass their promtool unit tests', () => {
    const { status, output } = promtool('test', 'rules', ALERT_TESTS);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  withPromtool('example Prometheus config is valid and loads the rules', () => {
    const { status, output } = promtool('check', 'config', EXAMPLE_CONFIG);
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(status).toBe(0);
  });
});
