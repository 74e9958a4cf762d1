// Prometheus metrics for the gateway, defined by capability (http-, smtp-, smpp-, dlr- and
// store-metrics.ts). createMetrics() builds a private Registry so tests and several gateway
// instances in one process never share series; nothing is registered at import. Every label is
// bounded: SMSC ids come from config, everything else from the tables beside each definition.
// Known label sets are exported at 0 from start-up so rate() and ratios work before the first
// event, and dashboards show 0 rather than "No data".
import { Registry, collectDefaultMetrics } from 'prom-client';
import { defineIn } from './define';
import { dlrMetrics } from './dlr-metrics';
import { httpMetrics } from './http-metrics';
import { smppMetrics } from './smpp-metrics';
import { smtpMetrics } from './smtp-metrics';
import { storeMetrics } from './store-metrics';

export interface MetricsOptions {
  /** Configured SMSC ids; the `smsc` label only ever takes these values. */
  smscs: string[];
  version: string;
  /** Redis is configured: its series exist (smsgw_redis_up at 0 until the first connection). */
  redis?: boolean;
}

export function createMetrics(opts: MetricsOptions) {
  const smscs = [...new Set(opts.smscs)];
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const buildInfo = defineIn(registers).gauge('smsgw_build_info', 'Always 1; labels carry the gateway and Node.js versions', ['version', 'nodejs_version'], { aggregator: 'first' });
  buildInfo.set({ version: opts.version, nodejs_version: process.version }, 1);

  return {
    registry,
    ...httpMetrics(registers),
    ...smppMetrics(registers, smscs),
    ...dlrMetrics(registers, smscs),
    ...storeMetrics(registers, opts.redis === true),
    ...smtpMetrics(registers),
    buildInfo,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
