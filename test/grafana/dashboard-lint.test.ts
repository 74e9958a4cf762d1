// Lint for grafana/dashboards/smsgw.json, re-implementing the grafana/dashboard-linter rules we
// care about (the Go tool is not available here) plus checks against the gateway's own registry:
// every metric and label a query uses must exist, so a renamed metric breaks this test instead
// of silently emptying a panel.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ABUSE_REFUSAL_REASONS, CALLER_ERROR_OUTCOMES, GATEWAY_FAILURE_OUTCOMES } from '../../src/metrics/http-metrics';
import { createMetrics } from '../../src/metrics/metrics';
import { withPromtool } from '../support/prometheus';

interface DataSourceRef {
  type?: string;
  uid?: string;
}
interface Target {
  expr?: string;
  refId?: string;
  legendFormat?: string;
  datasource?: DataSourceRef;
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: DataSourceRef;
  gridPos?: { h: number; w: number; x: number; y: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  datasource?: DataSourceRef;
  query?: string | { query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}
interface Dashboard {
  id: number | null;
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  __inputs?: unknown;
}

const DASHBOARD_PATH = path.join(__dirname, '../../grafana/dashboards/smsgw.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;

const DATASOURCE_REF = '${datasource}';
const QUERY_VARIABLES = ['job', 'instance', 'smsc'];
const ROW_TITLES = ['Traffic', 'SMPP health', 'Latency', 'Receipts', 'Process', 'Email to SMS', 'Shared store (Redis)'];
const UNITS = new Set(['reqps', 'ops', 'percentunit', 's', 'short', 'bytes', 'none']);

// The only label constants allowed in queries: they mean the same in every deployment, unlike
// smsc, job or instance values (Jasmin's dashboard hard-codes cid="smppsim"; this forbids that).
const ALLOWED_CONSTANT_MATCHERS = new Set([
  'command_status="ESME_ROK"', // SMPP 3.4 §5.1.3: the success status
  'command_status=~"ESME_RTHROTTLED|ESME_RMSGQFUL"', // SMPP 3.4 §5.1.3: the throttling answers
  'stat="DELIVRD"', // SMPP 3.4 Appendix B: final success receipt
  'stat!~"ACCEPTD|ENROUTE"', // SMPP 3.4 Appendix B: the intermediate receipt states
  'outcome="success"', // the one HTTP outcome that is not an error code (HTTP_OUTCOMES)
  // The classes of outcomes the "Answers by class" panel keeps apart, as metrics.ts defines them.
  `outcome=~"${CALLER_ERROR_OUTCOMES.join('|')}"`,
  `outcome=~"${ABUSE_REFUSAL_REASONS.join('|')}"`,
  `outcome=~"${GATEWAY_FAILURE_OUTCOMES.join('|')}"`,
]);

// PromQL words that look like metric names but are operators or modifiers.
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

interface Matcher {
  label: string;
  op: string;
  value: string;
  text: string;
}
interface Selector {
  metric: string;
  matchers: Matcher[];
}

function parseMatchers(braces: string): Matcher[] {
  return [...braces.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(
    // Every group takes part in a match.
    ([text, label, op, value]) => ({ label: label!, op: op!, value: value!, text }),
  );
}

/** Vector selectors in a PromQL expression; a regex is enough for the forms a dashboard uses. */
function parseSelectors(expr: string): Selector[] {
  // Grouping label lists and range durations contain identifiers that are not metric names.
  const stripped = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const selectors: Selector[] = [];
  for (const [, name, braces, call] of stripped.matchAll(/(?<![\w:.$])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    if (call !== undefined || KEYWORDS.has(name!.toLowerCase())) continue;
    selectors.push({ metric: name!, matchers: braces === undefined ? [] : parseMatchers(braces) });
  }
  return selectors;
}

/** Argument text of every call to fn, found by balancing parentheses. */
function callArguments(expr: string, fn: string): string[] {
  const args: string[] = [];
  for (const match of expr.matchAll(new RegExp(`\\b${fn}\\s*\\(`, 'g'))) {
    const start = (match.index ?? 0) + match[0].length;
    let depth = 1;
    let i = start;
    for (; i < expr.length && depth > 0; i++) {
      if (expr[i] === '(') depth++;
      else if (expr[i] === ')') depth--;
    }
    args.push(expr.slice(start, i - 1));
  }
  return args;
}

function groupingLabelLists(expr: string): string[][] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map(([, list]) => list!.split(',').map((l) => l.trim()));
}

/** Series name → label name → values seen, from the text exposition. */
type Exposition = Map<string, Map<string, Set<string>>>;

async function registryExposition(): Promise<Exposition> {
  const metrics = createMetrics({ smscs: ['alpha', 'beta'], version: 'lint', redis: true });
  // Made per session as each bind is observed (bind-metrics.ts): two sessions each.
  for (const smsc of ['alpha', 'beta']) for (const session of ['0', '1']) metrics.bindUp.set({ smsc, session }, 0);
  // Absent until the first accepted submit (see metrics.ts); record one so it is listed.
  metrics.lastSubmitSuccess.set({ smsc: 'alpha' }, Date.now() / 1000);
  const series: Exposition = new Map();
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s/.exec(line);
    if (match === null) continue;
    const name = match[1]!;
    const labels = series.get(name) ?? new Map<string, Set<string>>();
    series.set(name, labels);
    for (const { label, value } of parseMatchers(match[2] ?? '')) {
      labels.set(label, (labels.get(label) ?? new Set()).add(value));
    }
  }
  return series;
}

const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const contentPanels = allPanels.filter((p) => p.type !== 'row');
const targets = contentPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
const queries = targets.map(({ panel, target }) => ({
  where: `panel ${panel.id} "${panel.title}" ${target.refId}`,
  expr: target.expr ?? '',
  legendFormat: target.legendFormat ?? '',
}));
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === 'query')
  .map((v) => {
    const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    // label_values(selector, label): the selector is the PromQL part.
    const expr = /^label_values\((.*), *\w+\)$/.exec(query)?.[1] ?? query;
    return { where: `variable ${v.name}`, query, expr };
  });
/** Everything Prometheus evaluates: panel targets and variable selectors. */
const allExprs = [...queries, ...variableQueries].map((q) => [q.where, q.expr] as const);

// Each rule below is checked on the queries it applies to, so that every row asserts something;
// a query the rule does not apply to (no range, no label constant, no grouping) is not a row.
const RANGE_FUNCTIONS = ['rate', 'irate', 'increase'];
const hasRange = (expr: string) => expr.includes('[') || RANGE_FUNCTIONS.some((fn) => callArguments(expr, fn).length > 0);
const hasLabelMatchers = (expr: string) => parseSelectors(expr).some(({ matchers }) => matchers.some((m) => m.label !== 'le'));
const LEGEND_LABEL = /\{\{\s*(\w+)\s*\}\}/g;
const hasGroupingOrLegendLabels = (expr: string, legendFormat: string) => groupingLabelLists(expr).length > 0 || new RegExp(LEGEND_LABEL).test(legendFormat);

let exposition: Exposition;
beforeAll(async () => {
  exposition = await registryExposition();
});

describe('dashboard metadata', () => {
  test('is a classic dashboard with a stable uid that provisioning and import both accept', () => {
    expect(dashboard.uid).toBe('smsgw-overview');
    expect(dashboard.id).toBeNull();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(42);
    // __inputs would make provisioning fail with "Datasource ${DS_PROMETHEUS} was not found".
    expect(dashboard.__inputs).toBeUndefined();
  });

  test('has the expected rows in order', () => {
    expect(allPanels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(ROW_TITLES);
  });

  test('panel ids are unique', () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('panels fit the 24-column grid without overlapping', () => {
    const boxes = allPanels.map((p) => ({ id: p.id, ...p.gridPos! }));
    for (const box of boxes) {
      expect(box).toEqual(expect.objectContaining({ x: expect.any(Number), y: expect.any(Number) }));
      expect(box.x + box.w).toBeLessThanOrEqual(24);
    }
    const overlapping = boxes.flatMap((a, i) =>
      boxes
        .slice(i + 1)
        .filter((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        .map((b) => `${a.id}/${b.id}`),
    );
    expect(overlapping).toEqual([]);
  });
});

describe('variables', () => {
  test('exactly one datasource variable, named datasource, for Prometheus', () => {
    const datasources = dashboard.templating.list.filter((v) => v.type === 'datasource');
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ name: 'datasource', query: 'prometheus' });
  });

  test.each(QUERY_VARIABLES)('%s is a multi-value label_values query with All = .+', (name) => {
    const variable = dashboard.templating.list.find((v) => v.name === name);
    expect(variable).toMatchObject({
      type: 'query',
      multi: true,
      includeAll: true,
      allValue: '.+',
      datasource: { uid: DATASOURCE_REF },
    });
    const query = variableQueries.find((v) => v.where === `variable ${name}`)?.query ?? '';
    expect(query).toMatch(new RegExp(`^label_values\\(.+, ${name}\\)$`));
  });
});

describe('panels', () => {
  test.each(contentPanels.map((p) => [p.id, p.title ?? '', p] as const))(
    'panel %i %s has a title, description, unit, datasource variable and targets',
    (_id, _title, panel) => {
      expect(panel.title?.trim()).toBeTruthy();
      expect(panel.description?.trim()).toBeTruthy();
      expect(UNITS).toContain(panel.fieldConfig?.defaults?.unit);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: DATASOURCE_REF });
      expect(panel.targets?.length).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target.datasource).toEqual({ type: 'prometheus', uid: DATASOURCE_REF });
        expect(target.expr?.trim()).toBeTruthy();
      }
    },
  );
});

describe('queries', () => {
  test.each(queries.filter((q) => hasRange(q.expr)).map((q) => [q.where, q.expr] as const))('%s uses $__rate_interval in every rate()/increase()', (_where, expr) => {
    expect.hasAssertions();
    for (const fn of RANGE_FUNCTIONS) {
      for (const args of callArguments(expr, fn)) expect(args).toMatch(/\[\$__rate_interval\]\s*$/);
    }
    for (const [, range] of expr.matchAll(/\[([^\]]*)\]/g)) expect(range).toBe('$__rate_interval');
  });

  test.each(queries.map((q) => [q.where, q.expr] as const))('%s selects on $job, $instance and $smsc', (_where, expr) => {
    expect.hasAssertions();
    const selectors = parseSelectors(expr);
    expect(selectors.length).toBeGreaterThan(0);
    for (const { metric, matchers } of selectors) {
      const texts = matchers.map((m) => m.text);
      expect(texts).toEqual(expect.arrayContaining(['job=~"$job"', 'instance=~"$instance"']));
      if (exposition.get(metric)?.has('smsc')) expect(texts).toContain('smsc=~"$smsc"');
    }
  });

  test.each(allExprs.filter(([, expr]) => hasLabelMatchers(expr)))(
    '%s hard-codes no label values',
    (_where, expr) => {
      expect.hasAssertions();
      for (const { metric, matchers } of parseSelectors(expr)) {
        for (const matcher of matchers) {
          if (matcher.label === 'le') continue;
          if (matcher.value.includes('$')) {
            // A variable must be matched as a regex on its own label, so "All" (.+) works.
            expect(matcher.text).toBe(`${matcher.label}=~"$${matcher.label}"`);
            expect(QUERY_VARIABLES).toContain(matcher.label);
            continue;
          }
          expect(ALLOWED_CONSTANT_MATCHERS).toContain(matcher.text);
          // The allowed constants must be values the gateway really exports for that metric.
          const exported = exposition.get(metric)?.get(matcher.label) ?? new Set<string>();
          for (const value of matcher.value.split('|')) expect(exported).toContain(value);
        }
      }
    },
  );

  test.each(allExprs)(
    '%s uses only metrics the gateway exports',
    (_where, expr) => {
      expect.hasAssertions();
      for (const { metric } of parseSelectors(expr)) expect([...exposition.keys()]).toContain(metric);
    },
  );

  test.each(queries.filter((q) => hasGroupingOrLegendLabels(q.expr, q.legendFormat)).map((q) => [q.where, q.expr, q.legendFormat] as const))(
    '%s groups and labels by labels its metrics have',
    (_where, expr, legendFormat) => {
      expect.hasAssertions();
      const metricLabels = new Set(['job', 'instance']);
      for (const { metric } of parseSelectors(expr)) {
        for (const label of exposition.get(metric)?.keys() ?? []) metricLabels.add(label);
      }
      const groupings = groupingLabelLists(expr);
      for (const label of groupings.flat()) expect(metricLabels).toContain(label);
      // After an aggregation only the grouping labels survive, so the legend may use only those.
      for (const [, label] of legendFormat.matchAll(LEGEND_LABEL)) {
        if (groupings.length === 0) expect(metricLabels).toContain(label);
        else for (const grouping of groupings) expect(grouping).toContain(label);
      }
    },
  );

  test('every gateway metric appears on the dashboard', () => {
    const used = new Set(queries.flatMap((q) => parseSelectors(q.expr).map((s) => s.metric)));
    const families = [...exposition.keys()]
      .filter((name) => name.startsWith('smsgw_'))
      .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
    const missing = [...new Set(families)].filter(
      (family) => ![...used].some((metric) => metric === family || metric.startsWith(`${family}_`)),
    );
    expect(missing).toEqual([]);
  });
});

withPromtool('every query is valid PromQL (promtool check rules)', () => {
  // promtool parses rule expressions offline, so wrap each query in a recording rule. JSON is
  // valid YAML, which spares quoting rules; Grafana macros and variables become plain values.
  const rules = allExprs.map(([, expr], i) => ({
    record: `smsgw_dashboard:query_${i}`,
    expr: expr
      .replace(/\$__rate_interval/g, '1m')
      .replace(/\$(job|instance|smsc)\b/g, '.+'),
  }));
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-dashboard-'));
  try {
    const file = path.join(dir, 'queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
