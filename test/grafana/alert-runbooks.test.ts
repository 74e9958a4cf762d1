// Every alert says what to do and links its runbook in docs/operations.md; grafana/README.md's metric
// reference lists exactly the metrics the gateway exports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMetrics } from '../../src/metrics/metrics';

const root = path.resolve(__dirname, '../..');
const alertsText = readFileSync(path.join(root, 'grafana/prometheus/alerts.yml'), 'utf8');
const operations = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
const grafanaReadme = readFileSync(path.join(root, 'grafana/README.md'), 'utf8');

const alerts = alertsText
  .split(/^\s*- alert: /m)
  .slice(1)
  .map((block) => ({ name: block.split('\n')[0]!.trim(), body: block }));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
const headings = new Map([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) => [anchor(m[1]!), m.index]));

/** The text of the section under heading `slug`, up to the next heading. */
function section(slug: string): string {
  const start = headings.get(slug)!;
  const rest = operations.slice(start);
  const next = rest.search(/\n#{2,4} /);
  return next === -1 ? rest : rest.slice(0, next);
}

describe.each(alerts.map((a) => [a.name, a.body] as const))('alert %s', (name, body) => {
  it('says what to do and links its runbook section in docs/operations.md', () => {
    expect(body).toMatch(/^\s+What to do: \S/m);
    const url = /^\s+runbook_url: (\S+)$/m.exec(body)?.[1];
    expect(url).toBe(`docs/operations.md#${name.toLowerCase()}`);
    expect(headings.has(name.toLowerCase())).toBe(true);
    expect(section(name.toLowerCase())).toMatch(/\nWhat to do: \S/);
  });
});

describe('docs/operations.md', () => {
  it('has a runbook section for every alert and none for an alert that does not exist', () => {
    const runbooks = [...operations.split(/^## Alerts$/m)[1]!.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
    expect(runbooks.sort()).toEqual(alerts.map((a) => a.name).sort());
  });
});

describe('grafana/README.md', () => {
  it('lists every metric the gateway exports and no other', async () => {
    const metrics = createMetrics({ smscs: ['a'], version: 'docs', redis: true });
    metrics.lastSubmitSuccess.set({ smsc: 'a' }, 1); // absent until the first success
    const exported = new Set(
      (await metrics.registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('# TYPE smsgw_'))
        .map((line) => line.split(' ')[2]!),
    );
    const reference = grafanaReadme.split(/^## Metric reference$/m)[1]!;
    const documented = new Set([...reference.matchAll(/`(smsgw_\w+)`/g)].map((m) => m[1]!));
    expect([...exported].filter((name) => !documented.has(name))).toEqual([]);
    const named = new Set([...grafanaReadme.matchAll(/\b(smsgw_[a-z_]+[a-z])\b/g)].map((m) => m[1]!));
    const histogramParts = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    expect([...named].filter((name) => !exported.has(name) && !exported.has(histogramParts(name)))).toEqual([]);
  });
});
