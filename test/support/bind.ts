import { once } from 'node:events';
import { createLogger } from '../../src/log';
import type { BindEvents, BindState, CloseReason } from '../../src/smpp/bind-events';
import { createErrorPolicy } from '../../src/smpp/error-policy';
import { SmppBind, type BindOptions } from '../../src/smpp/smpp-bind';

/** A bind to the fake SMSC's account with real timings shrunk; `overrides` set anything else. */
export function bindOptions(url: string, overrides: Partial<BindOptions> = {}): BindOptions {
  return {
    smsc: 'test',
    session: '0',
    url,
    systemId: 'smsgw',
    password: 'secret12',
    systemType: '',
    bindType: 'transceiver',
    window: 10,
    waitQueueSize: 100,
    connectTimeoutMs: 1000,
    bindTimeoutMs: 1000,
    responseTimeoutMs: 1000,
    enquireLinkIntervalMs: 30_000,
    enquireLinkTimeoutMs: 1000,
    reconnectMinDelayMs: 20,
    reconnectMaxDelayMs: 200,
    bindRefusedDelayMs: 60_000,
    bindRefusedMaxDelayMs: 60_000,
    errorPolicy: createErrorPolicy(),
    throttlePauseMs: 200,
    rateLimits: [],
    logger: createLogger('silent'),
    ...overrides,
  };
}

/** Resolves when `bind` enters `state` (at once if it is there), with the reason of the change. */
export async function reaches(bind: SmppBind, state: BindState): Promise<CloseReason | undefined> {
  if (bind.state === state) return undefined;
  for (;;) {
    const [next, , reason] = (await once(bind, 'state')) as BindEvents['state'];
    if (next === state) return reason;
  }
}

/** Every event of `names` the bind emits from now on, in order, with its arguments. */
export function recordEvents<K extends keyof BindEvents>(bind: SmppBind, names: readonly K[]): { name: K; args: BindEvents[K] }[] {
  const seen: { name: K; args: BindEvents[K] }[] = [];
  for (const name of names) bind.on(name, ((...args: BindEvents[K]) => seen.push({ name, args })) as never);
  return seen;
}

/** A submit_sm's fields as the message sender makes them. */
export const submitFields = (destination = '447400123456', text = 'code 1') => ({
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: 'ExSign',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: destination,
  esm_class: 0,
  validity_period: '',
  registered_delivery: 1,
  data_coding: 0,
  short_message: Buffer.from(text, 'latin1'),
});
