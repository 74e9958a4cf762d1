import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { startDevelopmentSimulator } from '../sim/development-simulator';
import type { Config } from '../config/load-config';
import type { Logger } from '../log';
import { createMetricsServer } from '../metrics/metrics-server';
import type { SmscSimulator } from '../sim/smsc-simulator';
import { backoffDelayMs } from '../backoff';
import { WORKER_INDEX_ENV, WORKER_SIMULATOR_ENV, type FromWorker, type ToWorker } from './messages';
import { listenUrl } from '../listen-url';

const METRICS_TIMEOUT_MS = 5000;
/** A worker that dies is started again after this long, doubling while they keep dying, up to the cap. */
const RESTART_MIN_DELAY_MS = 1000;
const RESTART_MAX_DELAY_MS = 30_000;
/** A worker alive this long counts as healthy again: the restart delay starts over. */
const HEALTHY_AFTER_MS = 60_000;
/** Beyond the workers' own drain time, how long the primary waits before killing them. */
const STOP_MARGIN_MS = 10_000;

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The node:cluster primary of SMSGW_WORKERS workers: forks them (each binds its share of the SMPP
 * sessions; the HTTP and SMTP ports are shared, and the primary hands out connections), starts a
 * worker again when one dies, serves one /metrics for the whole process (counters and histograms
 * summed, gauges by their aggregator), passes SIGHUP on to every worker (each reloads its
 * configuration), and on SIGTERM/SIGINT has every worker drain and stop.
 * A second signal kills the workers and exits at once.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let simulator: SmscSimulator | undefined;
  const env: Record<string, string> = {};
  if (config.simulator.enabled) {
    const started = await startDevelopmentSimulator(config, logger);
    simulator = started.simulator;
    env[WORKER_SIMULATOR_ENV] = started.url;
  }

  const workers = new Map<number, Worker>();
  const failures = new Map<number, number>();
  const pendingMetrics = new Map<number, { responses: MetricsJson[]; waiting: number; done(err?: Error): void }>();
  let requests = 0;
  let started = 0;
  let stopping = false;
  let exitCode = 0;
  // systemctl reload signals the main PID only: every worker reloads its own configuration.
  process.on('SIGHUP', () => {
    if (stopping) return logger.warn('SIGHUP ignored: the workers are stopping');
    logger.info({ workers: workers.size }, 'SIGHUP: every worker reloads its configuration');
    for (const worker of workers.values()) worker.process.kill('SIGHUP');
  });

  function fork(index: number): void {
    const worker = cluster.fork({ ...env, [WORKER_INDEX_ENV]: String(index) });
    const forkedAt = Date.now();
    workers.set(index, worker);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'smsgw:ready') {
        if (++started === config.workers) logger.info({ workers: config.workers, pid: process.pid }, 'all workers listening');
      } else if (message.type === 'smsgw:metrics') {
        const request = pendingMetrics.get(message.id);
        if (!request) return;
        request.responses.push(message.metrics);
        if (--request.waiting === 0) request.done();
      }
    });
    worker.on('exit', (code, signal) => {
      if (workers.get(index) === worker) workers.delete(index);
      if (stopping) {
        if (code !== 0) exitCode = 1;
        return;
      }
      if (started < config.workers) {
        // A worker that cannot start (bad key file, port taken) will not start on a retry either.
        logger.fatal({ worker: index, code, signal }, 'a worker failed to start; stopping');
        void stopAll(1);
        return;
      }
      const attempt = Date.now() - forkedAt > HEALTHY_AFTER_MS ? 0 : (failures.get(index) ?? 0);
      failures.set(index, attempt + 1);
      const delay = backoffDelayMs(attempt, RESTART_MIN_DELAY_MS, RESTART_MAX_DELAY_MS);
      logger.error({ worker: index, code, signal, restartInMs: Math.round(delay) }, 'worker exited; starting a new one');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay);
    });
  }

  /** Every live worker's registry, summed as prom-client's AggregatorRegistry does. */
  function gather(): Promise<string> {
    const live = [...workers.values()].filter((w) => w.isConnected());
    const id = ++requests;
    return new Promise<MetricsJson[]>((resolve, reject) => {
      const timer = setTimeout(() => request.done(new Error('a worker did not report its metrics in time')), METRICS_TIMEOUT_MS);
      const request = {
        responses: [] as MetricsJson[],
        waiting: live.length,
        done(err?: Error) {
          clearTimeout(timer);
          pendingMetrics.delete(id);
          if (err) reject(err);
          else resolve(request.responses);
        },
      };
      pendingMetrics.set(id, request);
      if (live.length === 0) request.done();
      for (const worker of live) worker.send({ type: 'smsgw:metrics', id } satisfies ToWorker);
    }).then((all) => AggregatorRegistry.aggregate(all).metrics());
  }

  const metricsServer = createMetricsServer({ contentType: Registry.PROMETHEUS_CONTENT_TYPE, metrics: gather });
  metricsServer.listen(config.metrics.port, config.metrics.host);
  await once(metricsServer, 'listening');
  logger.info({ metrics: `${listenUrl('http', metricsServer)}/metrics` }, 'metrics listening: one /metrics for every worker');

  let stopped: Promise<void> | undefined;
  function stopAll(code: number): Promise<void> {
    exitCode ||= code;
    stopped ??= (async () => {
      stopping = true;
      const exits = [...workers.values()].map((worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))));
      for (const worker of workers.values()) if (worker.isConnected()) worker.send({ type: 'smsgw:stop' } satisfies ToWorker);
      const killTimer = setTimeout(() => {
        logger.warn('workers still running after their drain time: killing them');
        for (const worker of workers.values()) worker.process.kill('SIGKILL');
      }, config.shutdown.drainTimeoutMs + STOP_MARGIN_MS);
      await Promise.all(exits);
      clearTimeout(killTimer);
      metricsServer.closeAllConnections();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await simulator?.stop();
      logger.info({ exitCode }, 'all workers stopped');
      process.exit(exitCode);
    })();
    return stopped;
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: killing the workers and exiting now');
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal, workers: workers.size }, 'shutting down: every worker drains its in-flight requests, then unbinds');
    void stopAll(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  for (let index = 0; index < config.workers; index++) fork(index);
}
