import type { Registry } from 'prom-client';
import { defineIn } from './define';
import { RECEIPT_STAT_NAMES, type ReceiptStat } from '../dlr/receipt-stat';

/** `stat` label of smsgw_dlr_received_total: the receipt stat words, OTHER for anything a carrier invents. */
export const DLR_STATS: readonly ReceiptStat[] = RECEIPT_STAT_NAMES;

/** How a receipt callback ended (receipt-callback.ts). */
export const CALLBACK_OUTCOMES = ['sent', 'failed', 'dropped'] as const;

// Receipts take seconds to hours; the low end matters most for OTP (users wait for the code).
const DLR_LATENCY_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Delivery receipts per SMSC, their matching to messages and the callbacks they cause. */
export function dlrMetrics(registers: Registry[], smscs: readonly string[]) {
  const define = defineIn(registers);
  const dlrReceived = define.counter('smsgw_dlr_received_total', 'Delivery receipts by SMSC and final/intermediate stat', ['smsc', 'stat']);
  const dlrLatency = define.histogram('smsgw_dlr_latency_seconds', 'Time from submit_sm_resp ESME_ROK to the matching delivery receipt', DLR_LATENCY_BUCKETS, ['smsc']);
  const dlrUnmatched = define.counter('smsgw_dlr_unmatched_total', 'Delivery receipts whose message id matched no stored message', ['smsc']);
  const dlrEarlyReceiptsDropped = define.counter('smsgw_dlr_early_receipts_dropped_total', 'Receipts matching no message that were not held for their submit_sm_resp because the hold was full', ['smsc']);
  const dlrCallbacks = define.counter('smsgw_dlr_callbacks_total', 'Receipt callbacks by outcome: sent (2xx), failed (refused or out of attempts), dropped (queue full or shutdown)', ['outcome']);

  for (const outcome of CALLBACK_OUTCOMES) dlrCallbacks.inc({ outcome }, 0);
  for (const smsc of smscs) {
    for (const stat of DLR_STATS) dlrReceived.inc({ smsc, stat }, 0);
    dlrLatency.zero({ smsc });
    dlrUnmatched.inc({ smsc }, 0);
    dlrEarlyReceiptsDropped.inc({ smsc }, 0);
  }
  return { dlrReceived, dlrLatency, dlrUnmatched, dlrEarlyReceiptsDropped, dlrCallbacks };
}
