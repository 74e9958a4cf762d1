import { readFileSync } from 'node:fs';
import type { PDU } from 'smpp';
import type { Config } from '../config/load-config';
import type { Logger } from '../log';
import { SmppBind, type BindOptions, type BindType, type SubmitResponse } from './smpp-bind';

export interface SmscClient {
  readonly name: string;
  /** Every session to this SMSC (one transceiver, or a transmitter and a receiver). */
  readonly binds: readonly SmppBind[];
  start(): void;
  stop(): Promise<void>;
  /** True while the session that carries submits is bound. */
  ready(): boolean;
  submit(fields: Record<string, unknown>, deadline: number): Promise<SubmitResponse>;
}

/** The sessions of one SMSC account, per SMSGW_SMSC_BIND_MODE. */
export function createSmscClient(
  smsc: Config['smsc'] & { url: string },
  logger: Logger,
  onDeliver?: (pdu: PDU) => Promise<number> | number,
): SmscClient {
  const tls = smsc.url.startsWith('ssmpp:')
    ? {
        ca: smsc.tls.caFile ? readFileSync(smsc.tls.caFile) : undefined,
        cert: smsc.tls.certFile ? readFileSync(smsc.tls.certFile) : undefined,
        key: smsc.tls.keyFile ? readFileSync(smsc.tls.keyFile) : undefined,
        rejectUnauthorized: smsc.tls.verify,
      }
    : undefined;
  const bindOptions = (bindType: BindType, session: string): BindOptions => ({
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
    logger,
    onDeliver,
  });

  const binds =
    smsc.bindMode === 'transceiver'
      ? [new SmppBind(bindOptions('transceiver', '0'))]
      : [new SmppBind(bindOptions('transmitter', '0')), new SmppBind(bindOptions('receiver', '1'))];
  const transmitter = binds[0]!;

  return {
    name: smsc.name,
    binds,
    start: () => binds.forEach((bind) => bind.start()),
    stop: async () => {
      await Promise.all(binds.map((bind) => bind.stop()));
    },
    ready: () => transmitter.state === 'bound',
    submit: (fields, deadline) => transmitter.submit(fields, deadline),
  };
}
