import { readFileSync } from 'node:fs';
import type { Config } from './config/load-config';
import type { SmscSettings } from './config/smsc-settings';
import type { WorkerRole } from './cluster/worker-share';
import { createCorrelator } from './dlr/correlator';
import { createReceiptCallback } from './dlr/receipt-callback';
import { createReceiptHandler } from './dlr/receipt-handler';
import { createClientAddress } from './http/client-address';
import { createAllowlist } from './http/ip-allowlist';
import { createHttpApp } from './http/server';
import { createTokenCheck } from './http/token-check';
import { createAbuseGuard, guardSharing } from './limits/abuse-guard';
import type { Logger } from './log';
import { observeBind, sampleBinds } from './metrics/bind-metrics';
import type { Metrics } from './metrics/metrics';
import { createMetricsServer } from './metrics/metrics-server';
import { createMessageRecorder } from './records/message-recorder';
import { messageView } from './records/message-view';
import { createRouter } from './smpp/router';
import { createSmscClient, type SmscClient } from './smpp/smsc-client';
import { createSmsTarget } from './smpp/sms-target';
import { hashMessage, hashNumber } from './sms/number-hash';
import { createSendPath, repeatSharing } from './sms/send-path';
import { createSmsService } from './sms/sms-service';
import type { createSmtpIngress } from './smtp/smtp-ingress';
import type { GatewayState } from './store/gateway-state';
import type { MessageRecord } from './store/message-store';

export interface PartsInput {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  state: GatewayState;
  /** Each SMSC in config order, with this process's share of its sessions and their `session` labels. */
  smscs: readonly { settings: SmscSettings; labels: string[] }[];
  worker: WorkerRole | undefined;
  /** Set once stop() began: new requests are refused, readiness drops. */
  draining(): boolean;
  /** The SMTP ingress's factory, loaded only when SMSGW_SMTP_PORT is set (its mail libraries cost 11 MB of memory). */
  smtpIngress?: typeof createSmtpIngress;
}

/**
 * The gateway's parts wired together from the config and the opened state; nothing here listens,
 * binds or opens: app.ts does that, in order. Returns the parts app.ts starts and stops, and the
 * settings a reload can swap.
 */
export function assembleParts({ config, logger, metrics, state, smscs: shares, worker, draining, smtpIngress }: PartsInput) {
  const { store } = state;
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
  const statuses =
    poster &&
    state.callbackQueue(poster, {
      queueSize: config.dlr.callbackQueueSize,
      claimIdleMs: 2 * config.dlr.callbackTimeoutMs + 1000,
      onFallback: () => metrics.redisFallbacks.inc({ what: 'callback' }),
      onDropped: () => metrics.dlrCallbacks.inc({ outcome: 'dropped' }),
    });
  // Receipts are matched per SMSC: message ids are only unique within one.
  const correlators = new Map(
    shares.map(({ settings: s }) => [
      s.name,
      createCorrelator({
        store,
        smsc: s.name,
        mode: s.dlrIdMatch,
        holdMs: config.dlr.earlyReceiptHoldMs,
        holdMax: config.dlr.earlyReceiptHoldMax,
        metrics,
        logger,
        onSettled: (record) => statuses?.notify(messageView(record)),
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
  const sessionLabels = new Map<SmscClient, string[]>();
  const smscs = shares.map(({ settings: s, labels }) => {
    const client = createSmscClient(s, logger, createReceiptHandler({ smsc: s.name, logger, metrics, correlator: correlators.get(s.name)! }).onDeliver);
    sessionLabels.set(client, labels);
    client.binds.forEach((bind, i) => observeBind(bind, client.name, labels[i]!, metrics));
    return client;
  });
  const targets = new Map(smscs.map((client, i) => [client, createSmsTarget(shares[i]!.settings, client, metrics, logger)]));
  const router = createRouter(smscs, config.routes);

  const abuseGuard = (limits: Config['limits']) =>
    limits.enabled
      ? createAbuseGuard({
          ...limits,
          defaultRegion: config.message.defaultRegion,
          store: state.counters,
          duplicates: limits.dedupeWindowMs > 0 ? state.sharedFilter?.('dedupe', limits.dedupeWindowMs, guardSharing) : undefined,
          hashKey: state.numberHashKey,
          onRefusal: (code) => metrics.abuseRefusals.inc({ reason: code.toLowerCase() }),
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
    hashNumber: (e164) => hashNumber(state.numberHashKey, e164),
    guard: () => guard,
  });

  // One sending path for every ingress: ids, deadline, load shedding, draining, record, outcome.
  const sendPath = createSendPath({
    logger,
    requestDeadlineMs: config.message.requestDeadlineMs,
    maxInflight: config.http.maxInflight,
    draining,
    send: service.send,
    record: recorder.record,
    repeatWindowMs: config.smtp.repeatWindowMs,
    repeats: config.smtp.repeatWindowMs > 0 ? state.sharedFilter?.('repeat', config.smtp.repeatWindowMs, repeatSharing) : undefined,
    onRepeat: () => metrics.abuseDuplicates.inc(),
    onOutcome({ code, message }) {
      if (code === 'SUCCESS' && message.segments) metrics.messageSegments.observe(message.segments);
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
    ready: () => !draining() && smscs.some((client) => client.ready()),
    readiness: () =>
      smscs.flatMap((client) => client.binds.map((bind, i) => ({ smsc: client.name, session: Number(sessionLabels.get(client)![i]), state: bind.state, lastFailure: bind.lastFailureReason || undefined }))),
    storeState: state.describe,
    onOutcome({ code, durationMs, previousToken }) {
      metrics.httpRequests.inc({ outcome: code.toLowerCase() });
      if (previousToken) metrics.previousTokenRequests.inc();
      metrics.httpRequestDuration.observe(durationMs / 1000);
    },
  });
  const smtp =
    config.smtp.port === null || !smtpIngress
      ? undefined
      : smtpIngress({
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
          draining,
          checkNumber: service.checkNumber,
          submit: sendPath.submit,
          repeatKey: (messageId, recipient) => hashMessage(state.numberHashKey, recipient, messageId),
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
    metrics.abuseRateLimitKeys.set(state.localCounterKeys());
    if (state.spooledRecords) metrics.redisSpooledRecords.set(state.spooledRecords());
  };
  // A worker's metrics are served by the primary, summed with the other workers'.
  const metricsServer = worker ? undefined : createMetricsServer(metrics.registry, sample);

  return {
    smscs,
    sendPath,
    http: http.server,
    smtp,
    metricsServer,
    statuses,
    sample,
    /** Receipts for records written locally during a Redis outage, once they reach Redis. */
    matchHeldReceipts,
    /** Takes over the caller checks (token, allowlists, trusted proxies) and the abuse limits of `next`. */
    reload(next: Config, changed: (prefix: string) => boolean): void {
      if (['auth', 'allowedIps', 'trustedProxies', 'smtp.allowedIps'].some(changed)) caller = callerChecks(next);
      if (changed('limits')) guard = abuseGuard(next.limits);
    },
  };
}

export type GatewayParts = ReturnType<typeof assembleParts>;
