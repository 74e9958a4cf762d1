import { readFileSync } from 'node:fs';
import type { PDU } from 'smpp';
import type { SmscSettings } from '../config/smsc-settings';
import type { Logger } from '../log';
import { createErrorPolicy, type ErrorPolicy } from './error-policy';
import { SmppBind, type BindOptions, type BindType, type SubmitResponse } from './smpp-bind';
import { TokenBucket } from './token-bucket';

export interface SmscClient {
  readonly name: string;
  /** Every session to this SMSC: `sessions` transceivers, or `sessions` transmitters then `sessions` receivers. */
  readonly binds: readonly SmppBind[];
  /** How this SMSC's command_status values are handled; the binds and the sender share it. */
  readonly errorPolicy: ErrorPolicy;
  start(): void;
  stop(): Promise<void>;
  /** True while at least one session that carries submits is bound. */
  ready(): boolean;
  /** Why its submit sessions last failed ('' if none did), for error details. */
  lastFailure(): string;
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse>;
}

/**
 * How the sessions of one SMSC bind: address, credentials, TLS files, timings, its error policy and
 * the account's TPS limit, both shared by every session made from it.
 */
export function smscBindOptions(smsc: SmscSettings, logger: Logger, onDeliver?: BindOptions['onDeliver']) {
  const tls = smsc.url.startsWith('ssmpp:')
    ? {
        ca: smsc.tls.caFile ? readFileSync(smsc.tls.caFile) : undefined,
        cert: smsc.tls.certFile ? readFileSync(smsc.tls.certFile) : undefined,
        key: smsc.tls.keyFile ? readFileSync(smsc.tls.keyFile) : undefined,
        rejectUnauthorized: smsc.tls.verify,
      }
    : undefined;
  const errorPolicy = createErrorPolicy(smsc.errorPolicy);
  const accountLimit = TokenBucket.forTps(smsc.tps);
  const forSession = (bindType: BindType, session: string): BindOptions => {
    const sessionLimit = TokenBucket.forTps(smsc.sessionTps);
    return {
      smsc: smsc.name,
      session,
      url: smsc.url,
      systemId: smsc.systemId,
      password: smsc.password,
      systemType: smsc.systemType,
      bindType,
      tls,
      window: smsc.window,
      waitQueueSize: smsc.waitQueueSize,
      connectTimeoutMs: smsc.connectTimeoutMs,
      bindTimeoutMs: smsc.bindTimeoutMs,
      responseTimeoutMs: smsc.responseTimeoutMs,
      enquireLinkIntervalMs: smsc.enquireLinkIntervalMs,
      enquireLinkTimeoutMs: smsc.enquireLinkTimeoutMs,
      reconnectMinDelayMs: smsc.reconnectMinDelayMs,
      reconnectMaxDelayMs: smsc.reconnectMaxDelayMs,
      bindRefusedDelayMs: smsc.bindRefusedDelayMs,
      bindRefusedMaxDelayMs: smsc.bindRefusedMaxDelayMs,
      errorPolicy,
      throttlePauseMs: smsc.throttlePauseMs,
      rateLimits: [sessionLimit, accountLimit].filter((b): b is TokenBucket => b !== undefined),
      logger,
      onDeliver,
    };
  };
  return { errorPolicy, forSession };
}

/** The sessions of one SMSC account: bind mode × sessions, one account-wide TPS limit. */
export function createSmscClient(smsc: SmscSettings, logger: Logger, onDeliver?: (pdu: PDU) => Promise<number> | number): SmscClient {
  const { errorPolicy, forSession: bindOptions } = smscBindOptions(smsc, logger, onDeliver);

  const count = smsc.sessions;
  const senders: SmppBind[] = [];
  const receivers: SmppBind[] = [];
  for (let i = 0; i < count; i++) {
    if (smsc.bindMode === 'transceiver') senders.push(new SmppBind(bindOptions('transceiver', String(i))));
    else {
      senders.push(new SmppBind(bindOptions('transmitter', String(i))));
      receivers.push(new SmppBind(bindOptions('receiver', String(count + i))));
    }
  }
  const binds = [...senders, ...receivers];

  /** Free to send beats bound-but-paused beats not bound; then the least busy. */
  const pick = (): SmppBind => {
    let best = senders[0]!;
    let bestScore = Infinity;
    for (const bind of senders) {
      const score = (bind.accepting ? 0 : bind.state === 'bound' ? 1e9 : 2e9) + bind.load;
      if (score < bestScore) {
        best = bind;
        bestScore = score;
      }
    }
    return best;
  };

  return {
    name: smsc.name,
    binds,
    errorPolicy,
    start: () => binds.forEach((bind) => bind.start()),
    stop: async () => {
      await Promise.all(binds.map((bind) => bind.stop()));
    },
    ready: () => senders.some((bind) => bind.state === 'bound'),
    lastFailure: () => senders.map((bind) => bind.lastFailureReason).find(Boolean) ?? '',
    submit: (fields, deadline) => pick().submit(fields, deadline),
  };
}
