import type { TestGateway } from './gateway';

/** The value of one sample from the gateway's /metrics, e.g. 'smsgw_smpp_throttle_pauses_total{smsc="default"}'. */
export async function metricValue(gw: TestGateway, series: string): Promise<number> {
  const text = await (await fetch(`${gw.gateway.metricsUrl()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}
