// The dashboard draws each alert's threshold on the panel that shows the same quantity, and its
// "Answers by class" panel and the HTTP alerts use the outcome classes the code defines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ABUSE_REFUSAL_REASONS, CALLER_ERROR_OUTCOMES, GATEWAY_FAILURE_OUTCOMES, HTTP_OUTCOMES } from '../../src/metrics/http-metrics';

interface Step {
  color: string;
  value: number | null;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  panels?: Panel[];
  targets?: { expr: string; legendFormat?: string }[];
  fieldConfig: {
    defaults: { thresholds?: { steps: Step[] }; custom?: { thresholdsStyle?: { mode: string } } };
    overrides: { matcher: { id: string; options: string }; properties: { id: string; value: { steps?: Step[] } }[] }[];
  };
}

const root = path.resolve(__dirname, '../..');
const dashboard = JSON.parse(readFileSync(path.join(root, 'grafana/dashboards/smsgw.json'), 'utf8')) as { panels: Panel[] };
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const panel = (title: string) => panels.find((p) => p.title === title)!;
const alertsText = readFileSync(path.join(root, 'grafana/prometheus/alerts.yml'), 'utf8');
const alertExpr = (name: string) => {
  const block = alertsText.split(/^\s*- alert: /m).find((b) => b.startsWith(`${name}\n`))!;
  return /expr: \|\n([\s\S]*?)\n\s+for:/.exec(block)?.[1] ?? /expr: (.*)/.exec(block)![1]!;
};

describe.each([
  // panel, alert, the comparison in the alert, the line on the panel
  ['submit_sm success ratio by SMSC', 'SmsgwSubmitErrorRatioHigh', '> 0.05', 0.95],
  ['Delivered ratio by SMSC', 'SmsgwDlrDeliveredRatioLow', '< 0.9', 0.9],
  ['submit_sm round trip by SMSC', 'SmsgwSubmitLatencyHigh', '> 2', 2],
  ['Receipt latency by SMSC', 'SmsgwDlrLatencyHigh', '> 30', 30],
] as const)('panel "%s"', (title, alert, comparison, line) => {
  it(`draws ${alert}'s threshold as a dashed line`, () => {
    expect(alertExpr(alert)).toContain(comparison);
    const { defaults } = panel(title).fieldConfig;
    expect(defaults.custom?.thresholdsStyle).toEqual({ mode: 'dashed' });
    expect(defaults.thresholds?.steps.map((s) => s.value)).toEqual([null, line]);
  });
});

describe('panel "Answers by class"', () => {
  const answers = panel('Answers by class');
  const classes: [string, string][] = [
    ['success', 'outcome="success"'],
    ['caller errors', `outcome=~"${CALLER_ERROR_OUTCOMES.join('|')}"`],
    ['abuse refusals', `outcome=~"${ABUSE_REFUSAL_REASONS.join('|')}"`],
    ['gateway failures', `outcome=~"${GATEWAY_FAILURE_OUTCOMES.join('|')}"`],
  ];

  it('shows success, caller errors, abuse refusals and gateway failures apart, each a share of all requests', () => {
    expect(answers.targets!.map((t) => t.legendFormat)).toEqual(classes.map(([legend]) => legend));
    answers.targets!.forEach((target, i) => {
      expect(target.expr).toContain(classes[i]![1]);
      expect(target.expr).toMatch(/ \/ sum\(rate\(smsgw_http_requests_total\{job=~"\$job", instance=~"\$instance"\}\[\$__rate_interval\]\)\)$/);
    });
  });

  it('the classes split every outcome the gateway counts, once', () => {
    expect([...(['success'] as string[]), ...CALLER_ERROR_OUTCOMES, ...ABUSE_REFUSAL_REASONS, ...GATEWAY_FAILURE_OUTCOMES].sort()).toEqual([...HTTP_OUTCOMES].sort());
  });

  it("turns gateway failures red at SmsgwHttpFailuresHigh's threshold, which counts the same outcomes", () => {
    const override = answers.fieldConfig.overrides.find((o) => o.matcher.options === 'gateway failures')!;
    expect(override.properties.find((p) => p.id === 'thresholds')!.value.steps!.map((s) => [s.color, s.value])).toEqual([
      ['green', null],
      ['red', 0.05],
    ]);
    expect(alertExpr('SmsgwHttpFailuresHigh')).toContain(`{outcome=~"${GATEWAY_FAILURE_OUTCOMES.join('|')}"}`);
    expect(alertExpr('SmsgwHttpFailuresHigh')).toContain('> 0.05');
    for (const outcome of ['too_many_requests', 'queue_full']) expect(GATEWAY_FAILURE_OUTCOMES).toContain(outcome);
    expect(alertExpr('SmsgwOverloaded')).toContain('{outcome=~"too_many_requests|queue_full"}');
  });
});
