import { createCorrelator } from '../../src/dlr/correlator';
import type { IdMatchMode } from '../../src/dlr/message-id';
import { recordFromParts } from '../../src/records/message-status';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics/metrics';
import { createMemoryStore } from '../../src/store/memory-store';
import type { MessageRecord, MessageStore, ReceiptUpdate } from '../../src/store/message-store';

const T0 = Date.now();

function setup(mode: IdMatchMode = 'auto', holdMax = 100) {
  const store = createMemoryStore();
  const metrics = createMetrics({ smscs: ['default'], version: 'test' });
  const settled: MessageRecord[] = [];
  const correlator = createCorrelator({ store, smsc: 'default', mode, holdMs: 60_000, holdMax, metrics, logger: createLogger('silent'), onSettled: (r) => settled.push(r) });
  return { store, metrics, correlator, settled };
}

async function submitted(store: MessageStore, id: string, smscIds: string[], submittedAt = T0): Promise<MessageRecord> {
  const record = recordFromParts({
    id,
    smsc: 'default',
    to: '+4479****3456',
    numberHash: 'h',
    submittedAt,
    parts: smscIds.map((smscMessageId) => ({ smscMessageId, at: submittedAt + 20 })),
  });
  await store.create(record);
  return record;
}

const delivered = (smscMessageId: string, receivedAt = T0 + 3000): ReceiptUpdate => ({ smscMessageId, stat: 'DELIVRD', state: 'delivered', err: '000', receivedAt });

async function counterValue(metrics: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe('correlation by SMSC message id', () => {
  it.each([
    ['the same id', '1A2B3C', '1A2B3C'],
    ['a hex resp id and a decimal receipt id (3E9 / 1001)', '3E9', '1001'],
    ['a decimal resp id and a hex receipt id', '1001', '3e9'],
    ['a zero-padded resp id', '0913121205', '913121205'],
    ['a zero-padded receipt id', '913121205', '0000913121205'],
    ['changed case', '1101C1-7F', '1101c1-7f'],
    ['a decimal id above 2^64 in hex', '1208925819614629174706175', 'FFFFFFFFFFFFFFFFFFFF'],
  ])('matches %s in auto mode', async (_name, respId, receiptId) => {
    const { store, correlator, settled } = setup();
    await submitted(store, 'm1', [respId]);
    const result = await correlator.onReceipt(delivered(receiptId));
    expect(result).toEqual({ result: 'matched', messageId: 'm1', part: 0, changed: true, status: 'delivered' });
    expect(settled.map((r) => r.id)).toEqual(['m1']);
  });

  it('prefers the exact id over a conversion', async () => {
    const { store, correlator } = setup();
    await submitted(store, 'decimal', ['4097']);
    await submitted(store, 'hex', ['1001']);
    expect(await correlator.onReceipt(delivered('1001'))).toMatchObject({ messageId: 'hex' });
  });

  it('prefers case and leading zeros over a base conversion', async () => {
    const { store, correlator } = setup();
    await submitted(store, 'padded', ['1001']);
    await submitted(store, 'converted', ['4097']);
    expect(await correlator.onReceipt(delivered('01001'))).toMatchObject({ messageId: 'padded' });
  });

  it('refuses a conversion that points at two messages, and counts the receipt unmatched', async () => {
    const { store, correlator, metrics } = setup();
    await submitted(store, 'dec', ['291']); // 0x123
    await submitted(store, 'hex', ['7b']); // 123
    expect(await correlator.onReceipt(delivered('123'))).toEqual({ result: 'ambiguous', candidates: 2 });
    expect((await store.get('dec'))!.status).toBe('accepted');
    expect((await store.get('hex'))!.status).toBe('accepted');
    expect(await counterValue(metrics, 'smsgw_dlr_unmatched_total')).toBe(1);
  });

  it('takes the newest record when an SMSC reuses an id', async () => {
    const { store, correlator } = setup();
    await submitted(store, 'old', ['55'], T0 - 3_600_000);
    await submitted(store, 'new', ['55'], T0);
    expect(await correlator.onReceipt(delivered('55'))).toMatchObject({ messageId: 'new' });
  });

  it('in exact mode matches only the id as submitted', async () => {
    const { store, correlator } = setup('exact');
    await submitted(store, 'm1', ['3E9']);
    expect(await correlator.onReceipt(delivered('1001'))).toEqual({ result: 'held' });
    expect(await correlator.onReceipt(delivered('3e9'))).toEqual({ result: 'held' });
    expect(await correlator.onReceipt(delivered('3E9'))).toMatchObject({ result: 'matched' });
  });

  it('in hex-to-dec mode converts the receipt id from hex only', async () => {
    const { store, correlator } = setup('hex-to-dec');
    await submitted(store, 'm1', ['4097']);
    await submitted(store, 'm2', ['3e9']);
    expect(await correlator.onReceipt(delivered('1001'))).toMatchObject({ messageId: 'm1' });
  });

  it('observes the receipt latency once per part, from the part accept time', async () => {
    const { store, correlator, metrics } = setup();
    await submitted(store, 'm1', ['A']);
    await correlator.onReceipt(delivered('A', T0 + 20 + 4000));
    await correlator.onReceipt(delivered('A', T0 + 20 + 9000));
    const latency = await metrics.dlrLatency.get();
    const value = (name: string) => (latency.values as { metricName?: string; value: number }[]).find((v) => v.metricName === name)!.value;
    expect(value('smsgw_dlr_latency_seconds_count')).toBe(1);
    expect(value('smsgw_dlr_latency_seconds_sum')).toBeCloseTo(4, 3);
  });
});

describe('receipts that arrive before their message is recorded', () => {
  it('holds the receipt and applies it when the record is created', async () => {
    const { store, correlator, settled } = setup();
    expect(await correlator.onReceipt(delivered('1001'))).toEqual({ result: 'held' });
    const record = await submitted(store, 'm1', ['3E9']);
    await correlator.onRecordCreated(record);
    expect((await store.get('m1'))!.status).toBe('delivered');
    expect(settled).toHaveLength(1);
    expect(await store.findHeld('default', '1001', '1001')).toEqual([]);
  });

  it('does not hold a receipt whose record is written in the same turn (a hasty SMSC)', async () => {
    const { store, correlator } = setup();
    const hold = jest.spyOn(store, 'hold');
    const receipt = correlator.onReceipt(delivered('1001'));
    void submitted(store, 'm1', ['3E9']);
    expect(await receipt).toMatchObject({ result: 'matched', messageId: 'm1' });
    expect(hold).not.toHaveBeenCalled();
    expect((await store.get('m1'))!.status).toBe('delivered');
  });

  it('leaves a held receipt alone when the new record does not match it', async () => {
    const { store, correlator } = setup();
    await correlator.onReceipt(delivered('999'));
    await correlator.onRecordCreated(await submitted(store, 'm1', ['998']));
    expect((await store.get('m1'))!.status).toBe('accepted');
    expect(await store.findHeld('default', '999', '999')).toHaveLength(1);
  });

  it('holds at most holdMax receipts; beyond that one matching nothing is dropped and counted', async () => {
    const { store, correlator, metrics } = setup('auto', 2);
    expect(await correlator.onReceipt(delivered('901'))).toEqual({ result: 'held' });
    expect(await correlator.onReceipt(delivered('902'))).toEqual({ result: 'held' });
    expect(await correlator.onReceipt(delivered('903'))).toEqual({ result: 'dropped' });
    expect(store.heldReceiptCount()).toBe(2);
    expect(await counterValue(metrics, 'smsgw_dlr_early_receipts_dropped_total')).toBe(1);
    // A receipt for a known message is still applied when the hold is full.
    await submitted(store, 'm1', ['904']);
    expect(await correlator.onReceipt(delivered('904'))).toMatchObject({ result: 'matched', messageId: 'm1' });
  });

  it('matches even when the record is created between the lookup and the hold', async () => {
    const { store, correlator } = setup();
    // Interleave exactly: the receipt's lookup misses, then the record lands, then the hold happens.
    const originalHold = store.hold.bind(store);
    let record: MessageRecord | undefined;
    store.hold = async (receipt) => {
      record = await submitted(store, 'm1', ['77']);
      await correlator.onRecordCreated(record); // sees no held receipt yet
      return originalHold(receipt);
    };
    expect(await correlator.onReceipt(delivered('77'))).toMatchObject({ result: 'matched', messageId: 'm1' });
    expect((await store.get('m1'))!.status).toBe('delivered');
    expect(await store.findHeld('default', '77', '77')).toEqual([]);
  });
});
