import { tokenHeader, type TestGateway } from './gateway';

export interface StatusAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** GET /messages/:id on the gateway's main listener, with the test token unless told otherwise. */
export async function getStatus(gw: TestGateway, id: string, headers: Record<string, string> = { authorization: tokenHeader() }): Promise<StatusAnswer> {
  const res = await fetch(`${gw.url}/messages/${encodeURIComponent(id)}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The value of one exported series, e.g. 'smsgw_dlr_unmatched_total{smsc="default"}'. */
export async function metricValue(gw: TestGateway, series: string): Promise<number> {
  const text = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

/** Polls an async check until it returns true, or fails with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string | (() => string), timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the message's status is `status`; returns the last answer. */
export async function statusBecomes(gw: TestGateway, id: string, status: string, timeoutMs = 3000): Promise<StatusAnswer> {
  let last: StatusAnswer | undefined;
  await eventually(async () => {
    last = await getStatus(gw, id);
    return last.json.status === status;
  }, () => `message ${id} to become ${status} (last: ${JSON.stringify(last?.json)})`, timeoutMs);
  return last!;
}
