// The receipt handler behind a bind, against the fake SMSC over loopback: each deliver_sm is
// parsed once, answered once its effect is stored, and counted under its stat.
import { createCorrelator } from '../../src/dlr/correlator';
import { createReceiptHandler } from '../../src/dlr/receipt-handler';
import { RECEIPT_STAT_NAMES } from '../../src/dlr/receipt-stat';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics/metrics';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { SmppBind } from '../../src/smpp/smpp-bind';
import { createMemoryStore } from '../../src/store/memory-store';
import type { MessageStore } from '../../src/store/message-store';
import { bindOptions, reaches, submitFields } from '../support/bind';
import { startFakeSmsc } from '../support/fake-smsc';

const { ESME_ROK, ESME_RX_T_APPN } = COMMAND_STATUS;
const logger = createLogger('silent');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A bind whose deliver_sm go to a receipt handler, one message submitted; the fake SMSC sends its receipts. */
async function setup(store: MessageStore = createMemoryStore()) {
  const { smsc, url } = await startFakeSmsc();
  const metrics = createMetrics({ smscs: ['test'], version: 'test' });
  const correlator = createCorrelator({ store, smsc: 'test', mode: 'auto', holdMs: 60_000, holdMax: 100, metrics, logger });
  const handler = createReceiptHandler({ smsc: 'test', logger, metrics, correlator });
  const bind = new SmppBind(bindOptions(url, { onDeliver: handler.onDeliver }));
  cleanups.push(async () => {
    await bind.stop();
    await smsc.stop();
  });
  bind.start();
  await reaches(bind, 'bound');
  await bind.submit(submitFields(), Date.now() + 2000);
  const received = async (stat: string) => (await metrics.registry.getSingleMetric('smsgw_dlr_received_total')!.get()).values.find((v) => v.labels.stat === stat)?.value;
  return { smsc, submit: smsc.submits[0]!, received };
}

describe('receipt handler', () => {
  it('counts SCHEDLD and SKIPPED receipts under their own stat, not as OTHER', async () => {
    const { smsc, submit, received } = await setup();
    // SKIPPED comes with message_state 9 (SMPP 5.0), SCHEDLD with its text alone.
    for (const stat of ['SCHEDLD', 'SKIPPED', 'ENROUTE', 'FAILED']) expect(await smsc.sendReceipt(submit, { stat })).toBe(ESME_ROK);
    expect(await received('SCHEDLD')).toBe(1);
    expect(await received('SKIPPED')).toBe(1);
    expect(await received('ENROUTE')).toBe(1);
    expect(await received('OTHER')).toBe(1); // FAILED: a word no standard defines
    for (const stat of RECEIPT_STAT_NAMES) expect(await received(stat)).toBeDefined();
  });

  it('answers ESME_RX_T_APPN when the receipt cannot be stored, and counts it only once stored', async () => {
    const store = createMemoryStore();
    const failing: MessageStore = { ...store, hold: () => Promise.reject(new Error('disk full')) };
    const { smsc, submit, received } = await setup(failing);
    expect(await smsc.sendReceipt(submit)).toBe(ESME_RX_T_APPN);
    expect(await received('DELIVRD')).toBe(0);
  });

  it('ignores a mobile-originated message and a receipt without an id, answering both ESME_ROK', async () => {
    const { smsc, received } = await setup();
    const mo = { source_addr: '447400123456', destination_addr: 'ExSign', esm_class: 0, short_message: Buffer.from('STOP') };
    expect(await smsc.sendDeliver('deliver_sm', mo)).toBe(ESME_ROK);
    const noId = { ...mo, esm_class: 0x04, short_message: Buffer.from('stat:DELIVRD err:000') };
    expect(await smsc.sendDeliver('deliver_sm', noId)).toBe(ESME_ROK);
    expect(await received('OTHER')).toBe(1); // the receipt without an id; the message is not a receipt
  });
});
