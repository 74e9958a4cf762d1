import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from './config/load-config';
import type { Logger } from './log';
import { configChanges, reloadedConfig, type ConfigChanges } from './config/reload';
import { startupWarnings } from './config/startup-warnings';
import { createClientAddress } from './http/client-address';
import { createAllowlist } from './http/ip-allowlist';
import { createHttpApp } from './http/server';
import { createTokenCheck } from './http/token-check';
import { observeBind, sampleBinds } from './metrics/bind-metrics';
import type { AbuseRefusalReason, HttpOutcome } from './metrics/http-metrics';
import { createMetrics } from './metrics/metrics';
import { createMetricsServer } from './metrics/metrics-server';
import { SmscSimulator } from './sim/smsc-simulator';
import { simulatorOptions } from './sim/simulator-switches';
import { smscSettings, withSimulator } from './config/smsc-settings';
import { createRouter } from './smpp/router';
import { createSmscClient, type SmscClient } from './smpp/smsc-client';
import { createSmsTarget } from './smpp/sms-target';
import { createAbuseGuard, type SentOnce } from './limits/abuse-guard';
import { createMemoryCounterStore } from './store/memory-counter-store';
import { createSmsService } from './sms/sms-service';
import { createReceiptHandler } from './dlr/receipt-handler';
import { createCorrelator } from './dlr/correlator';
import { startHousekeeping } from './dlr/housekeeping';
import { createMessageRecorder } from './records/message-recorder';
import { messageView } from './records/message-view';
import { createReceiptCallback } from './dlr/receipt-callback';
import { hashMessage, hashNumber, loadNumberHashKey } from './sms/number-hash';
import { createSendPath } from './sms/send-path';
import { createSmtpIngress } from './smtp/smtp-ingress';
import { openMessageStore } from './store/open-store';
import type { MessageRecord } from './store/message-store';
import { openSharedState } from './store/shared-state';
import { packageVersion } from './project-root';
import { shareOf, type WorkerRole } from './cluster/worker-share';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

export interface Gateway {
  start(): Promise<void>;
  /** Final and idempotent: refuses new requests, drains in-flight ones (bounded), unbinds, closes. */
  stop(): Promise<void>;
  /** The first SMSC (the one set by SMSGW_SMSC_*, when configured). */
  readonly smsc: SmscClient;
  /** Every SMSC, in config order. */
  readonly smscs: readonly SmscClient[];
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

/** Composition root: builds every part from the config; nothing starts until start(). */
export async function createGateway(config: Config, logger: Logger, role: GatewayRole = {}): Promise<Gateway> {
  // First: a bad key file stops the start before anything listens.
  const localHashKey = config.privacy.numberHashKey || !config.redis.url ? loadNumberHashKey(config.privacy.numberHashKey, config.dataDir) : undefined;
  let simulator: SmscSimulator | undefined;
  let simulatorUrl = role.simulatorUrl;
  if (config.simulator.enabled && !simulatorUrl) ({ simulator, url: simulatorUrl } = await startDevelopmentSimulator(config, logger));

  const shares = withSimulator(smscSettings(config), simulatorUrl).map((smsc) => shareOf(smsc, role.worker));
  const settings = shares.map((share) => share.settings);
  const metrics = createMetrics({
    smscs: settings.map((s) => s.name),
    version: packageVersion(),
    redis: Boolean(config.redis.url),
  });
  for (const warning of startupWarnings(config)) logger.warn(warning);
  // Records written locally while Redis was down reach it later: their held receipts are matched then.
  let onRecordFlushed = (_record: MessageRecord): void => undefined;
  const shared = config.redis.url ? await openSharedState(config, logger, metrics, (record) => onRecordFlushed(record)) : undefined;
  // Without a configured key, instances sharing Redis share the key it holds (outside production).
  const numberHashKey = localHashKey ?? (await shared!.numberHashKey());
  const store = shared?.store ?? openMessageStore(config.store.type, config.dataDir, logger);
  const poster = config.dlr.callbackUrl
    ? createReceiptCallback({
        url: config.dlr.callbackUrl,
        token: config.dlr.callbackToken,
        timeoutMs: config.dlr.callbackTimeoutMs,
        attempts: config.dlr.callbackAttempts,
        retryDelayMs: config.dlr.callbackRetryDelayMs,
        queueSize: config.dlr.callbackQueueSize,
        logger,
        onOutcome: (outcome) => metrics.dlrCallbacks.inc({ outcome }),
      })
    : undefined;
  // With Redis, statuses wait in a stream that every instance posts from, so none is lost with its instance.
  const callback =
    poster && shared
      ? shared.callbackQueue(poster, {
          queueSize: config.dlr.callbackQueueSize,
          claimIdleMs: 2 * config.dlr.callbackTimeoutMs + 1000,
          onFallback: () => metrics.redisFallbacks.inc({ what: 'callback' }),
          onDropped: () => metrics.dlrCallbacks.inc({ outcome: 'dropped' }),
        })
      : poster;
  // Receipts are matched per SMSC: message ids are only unique within one.
  const correlators = new Map(
    settings.map((s) => [
      s.name,
      createCorrelator({
        store,
        smsc: s.name,
        mode: s.dlrIdMatch,
        holdMs: config.dlr.earlyReceiptHoldMs,
        holdMax: config.dlr.earlyReceiptHoldMax,
        metrics,
        logger,
        onSettled: (record) => callback?.notify(messageView(record)),
      }),
    ]),
  );
  // Receipts that overtook their record are matched once it is stored, in the background.
  const matchHeldReceipts = (record: MessageRecord): void => {
    correlators.get(record.smsc)?.onRecordCreated(record).catch((err: unknown) => {
      logger.error({ messageId: record.id, err: (err as Error).message }, 'could not match held receipts to a new message record');
    });
  };
  const recorder = createMessageRecorder({ store, logger, onStored: matchHeldReceipts, onNotStored: () => metrics.storeWriteFailures.inc({ write: 'message_record' }) });
  onRecordFlushed = matchHeldReceipts;
  const sessionLabels = new Map<SmscClient, string[]>();
  const smscs = settings.map((s, n) => {
    const client = createSmscClient(s, logger, createReceiptHandler({ smsc: s.name, logger, metrics, correlator: correlators.get(s.name)! }).onDeliver);
    sessionLabels.set(client, shares[n]!.labels);
    client.binds.forEach((bind, i) => observeBind(bind, client.name, sessionLabels.get(client)![i]!, metrics));
    return client;
  });
  const targets = new Map(smscs.map((client, i) => [client, createSmsTarget(settings[i]!, client, metrics, logger)]));
  const router = createRouter(smscs, config.routes);
  const smsc = smscs[0]!;

  // Abuse counters outlive a reload of the limits: a new budget counts what was already sent.
  // With Redis they live there, shared by every instance, and in memory only while it cannot answer.
  const localCounters = createMemoryCounterStore();
  const counters = shared ? shared.counters(localCounters) : localCounters;
  const abuseGuard = (limits: Config['limits']) =>
    limits.enabled
      ? createAbuseGuard({
          ...limits,
          defaultRegion: config.message.defaultRegion,
          store: counters,
          sharedDuplicates: shared && limits.dedupeWindowMs > 0 ? shared.duplicateFilter<SentOnce>('dedupe', limits.dedupeWindowMs) : undefined,
          hashKey: numberHashKey,
          onRefusal: (code) => metrics.abuseRefusals.inc({ reason: code.toLowerCase() as AbuseRefusalReason }),
          onDuplicate: () => metrics.abuseDuplicates.inc(),
        })
      : undefined;
  let guard = abuseGuard(config.limits);
  // The caller checks, replaced whole on reload; a request in flight keeps the ones it started with.
  const callerChecks = (c: Config) => ({
    clientAddress: createClientAddress(c.trustedProxies),
    isAllowed: createAllowlist(c.allowedIps),
    checkToken: createTokenCheck(c.auth.token, c.auth.tokenPrevious),
    isSmtpAllowed: createAllowlist(c.smtp.allowedIps),
  });
  let caller = callerChecks(config);
  let running = config;

  const service = createSmsService({
    defaultRegion: config.message.defaultRegion,
    maxSegments: config.message.maxSegments,
    route(digits) {
      const candidates = router.candidates(digits);
      return {
        primary: targets.get(candidates[0]!)!,
        choose: async (deadline) => targets.get(await router.pick(candidates, deadline))!,
      };
    },
    hashNumber: (e164) => hashNumber(numberHashKey, e164),
    guard: { run: (destination, text, trace, send, deadline) => (guard ? guard.run(destination, text, trace, send, deadline) : send()) },
  });

  let draining = false;
  // One sending path for every ingress: ids, deadline, load shedding, draining, record, outcome.
  const sendPath = createSendPath({
    logger,
    requestDeadlineMs: config.message.requestDeadlineMs,
    maxInflight: config.http.maxInflight,
    draining: () => draining,
    send: service.send,
    record: recorder.record,
    repeatWindowMs: config.smtp.repeatWindowMs,
    sharedRepeats: shared && config.smtp.repeatWindowMs > 0 ? shared.duplicateFilter<string>('repeat', config.smtp.repeatWindowMs) : undefined,
    onRepeat: () => metrics.abuseDuplicates.inc(),
    onOutcome({ code, trace }) {
      if (code === 'SUCCESS' && trace.segments) metrics.messageSegments.observe(trace.segments);
    },
  });
  const http = createHttpApp({
    logger,
    exsignPath: config.http.exsignPath,
    bodyLimitBytes: config.http.bodyLimitBytes,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestDeadlineMs: config.message.requestDeadlineMs,
    clientAddress: (socketAddress, forwardedFor) => caller.clientAddress(socketAddress, forwardedFor),
    isAllowed: (address) => caller.isAllowed(address),
    checkToken: (header) => caller.checkToken(header),
    submit: sendPath.submit,
    getMessage: async (id) => {
      const record = await store.get(id);
      return record && messageView(record);
    },
    ready: () => !draining && smscs.some((client) => client.ready()),
    readiness: () =>
      smscs.flatMap((client) => client.binds.map((bind, i) => ({ smsc: client.name, session: Number(sessionLabels.get(client)![i]), state: bind.state, lastFailure: bind.lastFailureReason || undefined }))),
    // Every instance sees the same Redis outage: reporting it must not take them all out of the load balancer.
    storeState: shared && (() => ({ type: 'redis', up: shared.link.isUp(), failure: config.redis.failure, spooledRecords: shared.store.spooled() })),
    onOutcome({ code, durationMs, previousToken }) {
      metrics.httpRequests.inc({ outcome: code.toLowerCase() as HttpOutcome });
      if (previousToken) metrics.previousTokenRequests.inc();
      metrics.httpRequestDuration.observe(durationMs / 1000);
    },
  });
  const smtp =
    config.smtp.port === null
      ? undefined
      : createSmtpIngress({
          logger,
          host: config.smtp.host,
          port: config.smtp.port,
          domains: config.smtp.domains,
          isAllowed: (address) => caller.isSmtpAllowed(address),
          credentials: config.smtp.user ? { user: config.smtp.user, password: config.smtp.password } : undefined,
          tls: config.smtp.tls.certFile ? { cert: readFileSync(config.smtp.tls.certFile), key: readFileSync(config.smtp.tls.keyFile) } : undefined,
          maxBytes: config.smtp.maxBytes,
          textMode: config.smtp.text,
          maxSessions: config.smtp.maxSessions,
          idleTimeoutMs: config.smtp.idleTimeoutMs,
          sessionTimeoutMs: config.smtp.sessionTimeoutMs,
          draining: () => draining,
          checkNumber: service.checkNumber,
          submit: sendPath.submit,
          repeatKey: (messageId, recipient) => hashMessage(numberHashKey, recipient, messageId),
          onSession(result) {
            metrics.smtpSessions.inc({ result });
            if (result === 'accepted') metrics.smtpOpenSessions.inc();
          },
          onSessionEnd: () => metrics.smtpOpenSessions.dec(),
          onMessage(outcome, durationMs) {
            metrics.smtpMessages.inc({ outcome });
            if (durationMs !== undefined) metrics.smtpMessageDuration.observe(durationMs / 1000);
          },
          onAuthFailure: (reason) => metrics.smtpAuthFailures.inc({ reason }),
        });
  const sample = () => {
    smscs.forEach((client) => sampleBinds(client.binds, client.name, metrics));
    metrics.abuseRateLimitKeys.set(localCounters.size());
    if (shared) metrics.redisSpooledRecords.set(shared.store.spooled());
  };
  // A worker's metrics are served by the primary, summed with the other workers'.
  const metricsServer = role.worker ? undefined : createMetricsServer(metrics.registry, sample);

  let housekeeping: ReturnType<typeof startHousekeeping> | undefined;
  let stopping: Promise<void> | undefined;
  const urlOf = (server: Server) => {
    const { address, port } = server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  };

  return {
    smsc,
    smscs,
    simulator,
    httpUrl: () => urlOf(http.server),
    smtpUrl: () => smtp?.url(),
    metricsUrl: () => (metricsServer ? urlOf(metricsServer) : ''),
    reload(next) {
      const changes = configChanges(running, next);
      const changed = (prefix: string) => changes.reloadable.some((key) => key === prefix || key.startsWith(`${prefix}.`));
      if (['auth', 'allowedIps', 'trustedProxies', 'smtp.allowedIps'].some(changed)) caller = callerChecks(next);
      if (changed('limits')) guard = abuseGuard(next.limits);
      running = reloadedConfig(running, next);
      return { ...changes, warnings: startupWarnings(running) };
    },
    async collectMetrics() {
      sample();
      return metrics.registry.getMetricsAsJSON();
    },
    async start() {
      http.server.listen(config.http.port, config.http.host);
      metricsServer?.listen(config.metrics.port, config.metrics.host);
      await Promise.all([once(http.server, 'listening'), metricsServer && once(metricsServer, 'listening'), smtp?.start()]);
      smscs.forEach((client) => client.start());
      if (callback && 'start' in callback) callback.start();
      housekeeping = startHousekeeping({
        store,
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
      logger.info(
        { http: urlOf(http.server), exsignPath: config.http.exsignPath, smtp: smtp?.url(), metrics: metricsServer && `${urlOf(metricsServer)}/metrics`, worker: role.worker?.index, smscs: smscs.map((c) => c.name) },
        'gateway listening',
      );
    },
    stop() {
      stopping ??= (async () => {
        draining = true;
        const drainUntil = Date.now() + config.shutdown.drainTimeoutMs;
        while (sendPath.inflight() > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
        if (sendPath.inflight() > 0) logger.warn({ inflight: sendPath.inflight() }, 'drain timeout: stopping with requests still in flight');
        await smtp?.stop();
        await Promise.all(smscs.map((client) => client.stop()));
        const closed = Promise.all([closeServer(http.server), metricsServer && closeServer(metricsServer)]);
        http.server.closeAllConnections();
        metricsServer?.closeAllConnections();
        await closed;
        await housekeeping?.stop();
        await callback?.stop();
        await (shared ?? store).close();
        await simulator?.stop();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}

/** The built-in SMSC simulator of the development profile, announced loudly. */
export async function startDevelopmentSimulator(config: Config, logger: Logger): Promise<{ simulator: SmscSimulator; url: string }> {
  const simulator = new SmscSimulator(simulatorOptions(config.simulator));
  const url = await simulator.start();
  logger.warn(
    { simulatorUrl: url, switches: config.simulator },
    '*** DEVELOPMENT PROFILE: built-in SMSC simulator in use. NO SMS LEAVES THIS MACHINE. Set NODE_ENV=production and SMSGW_SMSC_URL for a real carrier. ***',
  );
  return { simulator, url };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}
