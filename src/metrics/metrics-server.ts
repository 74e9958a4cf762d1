import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** What /metrics serves: a registry, or the primary's sum of its workers' registries. */
export type MetricsSource = Pick<Registry, 'contentType' | 'metrics'>;

/** GET /metrics on its own listener, so the scrape port can be firewalled apart from ExSign's. */
export function createMetricsServer(registry: MetricsSource, beforeScrape?: () => void): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found; try GET /metrics\n');
      return;
    }
    beforeScrape?.();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n'),
    );
  });
}
