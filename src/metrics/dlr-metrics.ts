import { Counter, Histogram, type Registry } from 'prom-client';
import { RECEIPT_STAT_NAMES, type ReceiptStat } from '../dlr/receipt-stat';

/** `stat` label of smsgw_dlr_received_total: the receipt stat words, OTHER for anything a carrier invents. */
export const DLR_STATS: readonly ReceiptStat[] = RECEIPT_STAT_NAMES;

/** How a receipt callback ended (receipt-callback.ts). */
export const CALLBACK_OUTCOMES = ['sent', 'failed', 'dropped'] as const;

// Receipts take seconds to hours; the low end matters most for OTP (users wait for the code).
const DLR_LATENCY_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Delivery receipts per SMSC, their matching to messages and the callbacks they cause. */
export function dlrMetrics(registers: Registry[], smscs: readonly string[]) {
  const dlrReceived = new Counter({
    name: 'smsgw_dlr_received_total',
    help: 'Delivery receipts by SMSC and final/intermediate stat',
    labelNames: ['smsc', 'stat'] as const,
    registers,
  });
  const dlrLatency = new Histogram({
    name: 'smsgw_dlr_latency_seconds',
    help: 'Time from submit_sm_resp ESME_ROK to the matching delivery receipt',
    labelNames: ['smsc'] as const,
    buckets: DLR_LATENCY_BUCKETS,
    registers,
  });
  const dlrUnmatched = new Counter({
    name: 'smsgw_dlr_unmatched_total',
    help: 'Delivery receipts whose message id matched no stored message',
    labelNames: ['smsc'] as const,
    registers,
  });
  const dlrEarlyReceiptsDropped = new Counter({
    name: 'smsgw_dlr_early_receipts_dropped_total',
    help: 'Receipts matching no message that were not held for their submit_sm_resp because the hold was full',
    labelNames: ['smsc'] as const,
    registers,
  });
  const dlrCallbacks = new Counter({
    name: 'smsgw_dlr_callbacks_total',
    help: 'Receipt callbacks by outcome: sent (2xx), failed (refused or out of attempts), dropped (queue full or shutdown)',
    labelNames: ['outcome'] as const,
    registers,
  });

  for (const outcome of CALLBACK_OUTCOMES) dlrCallbacks.inc({ outcome }, 0);
  for (const smsc of smscs) {
    for (const stat of DLR_STATS) dlrReceived.inc({ smsc, stat }, 0);
    dlrLatency.zero({ smsc });
    dlrUnmatched.inc({ smsc }, 0);
    dlrEarlyReceiptsDropped.inc({ smsc }, 0);
  }
  return { dlrReceived, dlrLatency, dlrUnmatched, dlrEarlyReceiptsDropped, dlrCallbacks };
}
