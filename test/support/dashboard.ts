// What Grafana would send to Prometheus for grafana/dashboards/smsgw.json: every panel target
// and every label_values() variable, with Grafana's macros and template variables substituted
// as Grafana does when it queries Prometheus (variables take their "All" value).
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Target {
  refId?: string;
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  type: string;
  name: string;
  query?: string | { query?: string };
  allValue?: string;
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}

export const DASHBOARD_FILE = path.join(__dirname, '../../grafana/dashboards/smsgw.json');

/** Values for Grafana's built-in macros; the rate interval covers several 1 s scrapes. */
const MACROS: Record<string, string> = {
  __rate_interval: '10s',
  __interval: '2s',
  __range: '5m',
};

export interface PanelQuery {
  where: string;
  panelTitle: string;
  expr: string;
}

export interface VariableQuery {
  name: string;
  /** label_values(selector, label) → GET /api/v1/label/<label>/values?match[]=<selector> */
  label: string;
  selector: string;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Replaces $name, ${name}, ${name:format} and [[name]] by the given values; others stay. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, braced, bracketed, bare) => {
    const name = (braced ?? bracketed ?? bare) as string;
    return values[name] ?? whole;
  });
}

/** Macro and variable values: each query variable takes its "All" value (allValue, else .*). */
function substitutions(dashboard: Dashboard): Record<string, string> {
  const values: Record<string, string> = { ...MACROS };
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'query') values[variable.name] = variable.allValue ?? '.*';
  }
  return values;
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const values = substitutions(dashboard);
  return dashboard.panels
    .flatMap((panel) => [panel, ...(panel.panels ?? [])])
    .filter((panel) => panel.type !== 'row')
    .flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `panel ${panel.id} "${panel.title ?? ''}" ${target.refId ?? ''}`.trim(),
        panelTitle: panel.title ?? '',
        expr: substitute(target.expr ?? '', values),
      })),
    );
}

export function variableQueries(dashboard: Dashboard): VariableQuery[] {
  const values = substitutions(dashboard);
  return dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => {
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      const match = /^label_values\((.*),\s*(\w+)\s*\)$/.exec(query.trim());
      if (!match) throw new Error(`variable ${variable.name}: only label_values(selector, label) is supported, got ${query}`);
      return { name: variable.name, selector: substitute(match[1]!, values), label: match[2]! };
    });
}
