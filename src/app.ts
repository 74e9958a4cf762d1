import { once } from 'node:events';
import type { Server } from 'node:http';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { shareOf, type WorkerRole } from './cluster/worker-share';
import type { Config } from './config/load-config';
import { configChanges, reloadedConfig, type ConfigChanges } from './config/reload';
import { smscSettings, withSimulator } from './config/smsc-settings';
import { startupWarnings } from './config/startup-warnings';
import { startHousekeeping } from './dlr/housekeeping';
import { assembleParts, type GatewayParts } from './gateway-parts';
import type { Logger } from './log';
import { createMetrics } from './metrics/metrics';
import { packageVersion } from './project-root';
import { startDevelopmentSimulator } from './sim/development-simulator';
import type { SmscSimulator } from './sim/smsc-simulator';
import type { SmscClient } from './smpp/smsc-client';
import { openGatewayState } from './store/gateway-state';
import { listenUrl } from './listen-url';

export interface Gateway {
  /** Opens the state, listens and binds; once. A start that fails leaves what it opened for stop(). */
  start(): Promise<void>;
  /** Final and idempotent: refuses new requests, drains in-flight ones (bounded), unbinds, closes whatever start() opened. */
  stop(): Promise<void>;
  /** The first SMSC (the one set by SMSGW_SMSC_*, when configured). Once started. */
  readonly smsc: SmscClient;
  /** Every SMSC, in config order. Once started. */
  readonly smscs: readonly SmscClient[];
  /** The development profile's SMSC simulator, when this gateway started it. */
  readonly simulator: SmscSimulator | undefined;
  httpUrl(): string;
  /** smtp://host:port of the Email-to-SMS listener; undefined when it is off. */
  smtpUrl(): string | undefined;
  /** The Prometheus endpoint; empty for a node:cluster worker, whose metrics the primary serves. */
  metricsUrl(): string;
  /**
   * Takes over the reloadable settings of `next` (token and its files, allowlist, trusted proxies,
   * abuse limits) without touching binds or requests in flight, and reports what changed (the
   * log level is the logger owner's to apply, the rest needs a restart) and the start-up warnings
   * of the configuration now running.
   */
  reload(next: Config): ConfigChanges & { warnings: string[] };
  /** This process's metrics as prom-client JSON, sampled now: what a worker hands the primary to aggregate. */
  collectMetrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

export interface GatewayRole {
  /** Set in a node:cluster worker: it binds its share of the sessions and serves no /metrics of its own. */
  worker?: WorkerRole;
  /** The development simulator started by the primary, shared by its workers. */
  simulatorUrl?: string;
}

/**
 * Composition root. Building reads the config only; start() opens the state (the number-hash key
 * first, then the message store or Redis), starts the development simulator, wires the parts
 * (gateway-parts.ts), then listens and binds. stop() undoes what start() did, in reverse order.
 */
export function createGateway(config: Config, logger: Logger, role: GatewayRole = {}): Gateway {
  const metrics = createMetrics({ smscs: smscSettings(config).map((s) => s.name), version: packageVersion(), redis: Boolean(config.redis.url) });
  let running = config;
  let simulator: SmscSimulator | undefined;
  let parts: GatewayParts | undefined;
  let draining = false;
  // What start() has done so far, undone last first by stop().
  const undo: (() => Promise<unknown>)[] = [];
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const started = (): GatewayParts => {
    if (!parts) throw new Error('the gateway has not been started');
    return parts;
  };
  /** Between the steps of start(): a stop() called meanwhile ends it. */
  const goOn = () => {
    if (stopping) throw new Error('the gateway was stopped while starting');
  };

  async function open(): Promise<void> {
    goOn();
    const config = running;
    for (const warning of startupWarnings(config)) logger.warn(warning);
    // Records written locally while Redis was down reach it later: their held receipts are matched then.
    const state = await openGatewayState(config, logger, metrics, (record) => parts?.matchHeldReceipts(record));
    undo.push(() => state.close());
    goOn();
    let simulatorUrl = role.simulatorUrl;
    if (config.simulator.enabled && !simulatorUrl) {
      const development = await startDevelopmentSimulator(config, logger);
      simulator = development.simulator;
      simulatorUrl = development.url;
      undo.push(() => development.simulator.stop());
      goOn();
    }
    const smscs = withSimulator(smscSettings(config), simulatorUrl).map((smsc) => shareOf(smsc, role.worker));
    const smtpIngress = config.smtp.port === null ? undefined : (await import('./smtp/smtp-ingress')).createSmtpIngress;
    goOn();
    const p = (parts = assembleParts({ config, logger, metrics, state, smscs, worker: role.worker, draining: () => draining, smtpIngress }));

    const statuses = p.statuses;
    if (statuses) {
      statuses.start?.();
      undo.push(() => statuses.stop());
    }
    const housekeeping = startHousekeeping({
      store: state.store,
      retentionMs: config.store.retentionHours * 3_600_000,
      intervalMs: config.store.purgeIntervalMs,
      logger,
      onUnmatched(expired) {
        for (const held of expired) metrics.dlrUnmatched.inc({ smsc: held.smsc });
        logger.warn(
          { count: expired.length, smscMessageIds: expired.slice(0, 20).map((held) => held.receipt.smscMessageId) },
          `delivery receipts matched no message within ${config.dlr.earlyReceiptHoldMs} ms`,
        );
      },
    });
    undo.push(() => housekeeping.stop());
    undo.push(() => closeServers([p.http, p.metricsServer]));
    p.http.listen(config.http.port, config.http.host);
    p.metricsServer?.listen(config.metrics.port, config.metrics.host);
    await Promise.all([once(p.http, 'listening'), p.metricsServer && once(p.metricsServer, 'listening')]);
    goOn();
    p.smscs.forEach((client) => client.start());
    undo.push(() => Promise.all(p.smscs.map((client) => client.stop())));
    if (p.smtp) {
      const smtp = p.smtp;
      undo.push(() => smtp.stop());
      await smtp.start();
    }
    logger.info(
      {
        http: listenUrl('http', p.http),
        exsignPath: config.http.exsignPath,
        smtp: p.smtp?.url(),
        metrics: p.metricsServer && `${listenUrl('http', p.metricsServer)}/metrics`,
        worker: role.worker?.index,
        smscs: p.smscs.map((c) => c.name),
      },
      'gateway listening',
    );
  }

  async function drain(sendPath: GatewayParts['sendPath']): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), running.shutdown.drainTimeoutMs)));
    const late = await Promise.race([sendPath.idle().then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) logger.warn({ inflight: sendPath.inflight() }, 'drain timeout: stopping with requests still in flight');
  }

  return {
    get smsc() {
      return started().smscs[0]!;
    },
    get smscs() {
      return started().smscs;
    },
    get simulator() {
      return simulator;
    },
    httpUrl: () => listenUrl('http', started().http),
    smtpUrl: () => started().smtp?.url(),
    metricsUrl: () => {
      const server = started().metricsServer;
      return server ? listenUrl('http', server) : '';
    },
    reload(next) {
      const changes = configChanges(running, next);
      const changed = (prefix: string) => changes.reloadable.some((key) => key === prefix || key.startsWith(`${prefix}.`));
      parts?.reload(next, changed);
      running = reloadedConfig(running, next);
      return { ...changes, warnings: startupWarnings(running) };
    },
    async collectMetrics() {
      parts?.sample();
      return metrics.registry.getMetricsAsJSON();
    },
    start() {
      if (stopping) return Promise.reject(new Error('the gateway has been stopped'));
      starting ??= open();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        draining = true;
        await starting?.catch(() => undefined);
        if (parts) await drain(parts.sendPath);
        while (undo.length > 0) await undo.pop()!();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}

/** Stops listening and ends every connection, idle or not (requests have drained by now). */
async function closeServers(servers: (Server | undefined)[]): Promise<void> {
  const closed = servers.map((server) => server && new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
  for (const server of servers) server?.closeAllConnections();
  await Promise.all(closed);
}
