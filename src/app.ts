import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from './config/load-config';
import type { Logger } from './log';
import { startupWarnings } from './config/startup-warnings';
import { createClientAddress } from './http/client-address';
import { createAllowlist } from './http/ip-allowlist';
import { createHttpApp } from './http/server';
import { createTokenCheck } from './http/token-check';
import { observeBind, sampleBinds } from './metrics/bind-metrics';
import { createMetrics, commandStatusLabel, SUBMIT_LOCAL_ERROR, SUBMIT_TIMEOUT, type AbuseRefusalReason, type HttpOutcome } from './metrics/metrics';
import { createMetricsServer } from './metrics/metrics-server';
import { SmscSimulator } from './sim/smsc-simulator';
import { createMessageSender } from './smpp/message-sender';
import { createSmscClient, type SmscClient } from './smpp/smsc-client';
import { createAbuseGuard } from './limits/abuse-guard';
import { createMemoryCounterStore } from './store/memory-counter-store';
import { hashNumber, loadNumberHashKey } from './sms/number-hash';
import { createSmsService } from './sms/sms-service';
import { sourceAddress } from './sms/source-address';
import { createReceiptHandler } from './dlr/receipt-handler';
import { packageVersion } from './project-root';

export interface Gateway {
  start(): Promise<void>;
  /** Final and idempotent: refuses new requests, drains in-flight ones (bounded), unbinds, closes. */
  stop(): Promise<void>;
  readonly smsc: SmscClient;
  readonly simulator: SmscSimulator | undefined;
  httpUrl(): string;
  metricsUrl(): string;
}

/** Composition root: builds every part from the config; nothing starts until start(). */
export async function createGateway(config: Config, logger: Logger): Promise<Gateway> {
  let simulator: SmscSimulator | undefined;
  let smscUrl = config.smsc.url;
  if (config.simulator.enabled) {
    simulator = new SmscSimulator({ receiptDelayMs: config.simulator.receiptDelayMs });
    smscUrl = await simulator.start();
    logger.warn(
      { simulatorUrl: smscUrl },
      '*** DEVELOPMENT PROFILE: built-in SMSC simulator in use. NO SMS LEAVES THIS MACHINE. Set NODE_ENV=production and SMSGW_SMSC_URL for a real carrier. ***',
    );
  }

  const metrics = createMetrics({ smscs: [config.smsc.name], sessionsPerSmsc: config.smsc.bindMode === 'transceiver' ? 1 : 2, version: packageVersion() });
  const receipts = createReceiptHandler({ smsc: config.smsc.name, logger, metrics });
  const smsc = createSmscClient({ ...config.smsc, url: smscUrl }, logger, receipts.onDeliver);
  smsc.binds.forEach((bind, i) => observeBind(bind, smsc.name, String(i), metrics));

  const sender = createMessageSender({
    submit: smsc.submit,
    source: sourceAddress(config.message.sourceAddr, config.smsc.sourceTon, config.smsc.sourceNpi),
    destTon: config.smsc.destTon,
    destNpi: config.smsc.destNpi,
    registeredDelivery: config.smsc.registeredDelivery,
    retryBaseDelayMs: config.smsc.retryBaseDelayMs,
    onSubmitOutcome({ commandStatus, error, durationMs }) {
      const label = commandStatus !== undefined ? commandStatusLabel(commandStatus) : error?.code === 'SMSC_TIMEOUT' ? SUBMIT_TIMEOUT : SUBMIT_LOCAL_ERROR;
      metrics.submitSm.inc({ smsc: smsc.name, command_status: label });
      if (commandStatus !== undefined) {
        metrics.submitSmDuration.observe({ smsc: smsc.name }, durationMs / 1000);
        if (commandStatus === 0) metrics.lastSubmitSuccess.set({ smsc: smsc.name }, Date.now() / 1000);
      }
    },
  });
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const hashKey = loadNumberHashKey(config.privacy.numberHashKey, config.dataDir);
  const service = createSmsService({
    defaultRegion: config.message.defaultRegion,
    maxSegments: config.message.maxSegments,
    gsmDataCoding: config.smsc.dataCoding,
    send: sender.send,
    hashNumber: (e164) => hashNumber(hashKey, e164),
    guard: config.limits.enabled
      ? createAbuseGuard({
          ...config.limits,
          defaultRegion: config.message.defaultRegion,
          store: createMemoryCounterStore(),
          hashKey,
          onRefusal: (code) => metrics.abuseRefusals.inc({ reason: code.toLowerCase() as AbuseRefusalReason }),
          onDuplicate: () => metrics.abuseDuplicates.inc(),
        })
      : undefined,
  });

  let draining = false;
  const http = createHttpApp({
    logger,
    exsignPath: config.http.exsignPath,
    bodyLimitBytes: config.http.bodyLimitBytes,
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestDeadlineMs: config.message.requestDeadlineMs,
    smscName: smsc.name,
    clientAddress: createClientAddress(config.trustedProxies),
    isAllowed: createAllowlist(config.allowedIps),
    checkToken: createTokenCheck(config.auth.token, config.auth.tokenPrevious),
    maxInflight: config.http.maxInflight,
    draining: () => draining,
    send: service.send,
    ready: () => !draining && smsc.ready(),
    readiness: () => smsc.binds.map((bind, i) => ({ smsc: smsc.name, session: i, state: bind.state, lastFailure: bind.lastFailureReason || undefined })),
    onOutcome({ code, durationMs, segments, previousToken }) {
      metrics.httpRequests.inc({ outcome: code.toLowerCase() as HttpOutcome });
      if (previousToken) metrics.previousTokenRequests.inc();
      metrics.httpRequestDuration.observe(durationMs / 1000);
      if (code === 'SUCCESS' && segments) metrics.messageSegments.observe(segments);
    },
  });
  const metricsServer = createMetricsServer(metrics.registry, () => sampleBinds(smsc.binds, smsc.name, metrics));

  let stopping: Promise<void> | undefined;
  const urlOf = (server: Server) => {
    const { address, port } = server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  };

  return {
    smsc,
    simulator,
    httpUrl: () => urlOf(http.server),
    metricsUrl: () => urlOf(metricsServer),
    async start() {
      http.server.listen(config.http.port, config.http.host);
      metricsServer.listen(config.metrics.port, config.metrics.host);
      await Promise.all([once(http.server, 'listening'), once(metricsServer, 'listening')]);
      smsc.start();
      logger.info({ http: urlOf(http.server), exsignPath: config.http.exsignPath, metrics: `${urlOf(metricsServer)}/metrics`, smsc: smsc.name }, 'gateway listening');
    },
    stop() {
      stopping ??= (async () => {
        draining = true;
        const drainUntil = Date.now() + config.shutdown.drainTimeoutMs;
        while (http.inflight() > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
        if (http.inflight() > 0) logger.warn({ inflight: http.inflight() }, 'drain timeout: stopping with requests still in flight');
        await smsc.stop();
        const closed = Promise.all([closeServer(http.server), closeServer(metricsServer)]);
        http.server.closeAllConnections();
        metricsServer.closeAllConnections();
        await closed;
        await simulator?.stop();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}
