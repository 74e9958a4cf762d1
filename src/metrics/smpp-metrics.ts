import type { Registry } from 'prom-client';
import { defineIn } from './define';
import type { CloseReason } from '../smpp/bind-events';
import { commandStatusNameOf, isVendorSpecific, type CommandStatusName } from '../smpp/command-status';

/** Pseudo command_status values for submits that never got a submit_sm_resp. */
export const SUBMIT_TIMEOUT = 'TIMEOUT';
export const SUBMIT_LOCAL_ERROR = 'LOCAL_ERROR';
/** Statuses worth a 0 series per SMSC: success, the two throttling answers, no answer at all. */
const PRECREATED_SUBMIT_STATUSES: readonly (CommandStatusName | typeof SUBMIT_TIMEOUT | typeof SUBMIT_LOCAL_ERROR)[] = [
  'ESME_ROK',
  'ESME_RTHROTTLED',
  'ESME_RMSGQFUL',
  SUBMIT_TIMEOUT,
  SUBMIT_LOCAL_ERROR,
];

/** `result` of smsgw_smpp_bind_attempts_total for an attempt that ended for this reason (bind-metrics.ts). */
export const BIND_RESULT_OF = {
  'bind-refused': 'refused',
  'bind-timeout': 'timeout',
  'connect-timeout': 'timeout',
  'connect-failed': 'connect_failed',
} as const satisfies Partial<Record<CloseReason, string>>;
/** dropped: the connection closed or broke after connecting but before any bind response. */
export type BindResult = 'success' | (typeof BIND_RESULT_OF)[keyof typeof BIND_RESULT_OF] | 'dropped';
export const BIND_RESULTS: readonly BindResult[] = ['success', ...new Set(Object.values(BIND_RESULT_OF)), 'dropped'];

/** `reason` of smsgw_smpp_disconnects_total for a session that ended for this reason. */
export const DISCONNECT_OF = {
  'link-lost': 'link_lost',
  'enquire-link-timeout': 'enquire_link_timeout',
  'malformed-pdu': 'malformed_pdu',
  'peer-unbind': 'peer_unbind',
  'bind-timeout': 'bind_timeout',
  'connect-timeout': 'connect_timeout',
  stopped: 'stopped',
} as const satisfies Partial<Record<CloseReason, string>>;
export type DisconnectReason = (typeof DISCONNECT_OF)[keyof typeof DISCONNECT_OF];
export const DISCONNECT_REASONS: readonly DisconnectReason[] = Object.values(DISCONNECT_OF);

const SUBMIT_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * command_status → bounded label: the ESME_* name, the hex code for the vendor-specific range
 * 0x400–0x4FF (a carrier documents those by number), 'UNKNOWN' for anything else.
 */
export function commandStatusLabel(status: number): string {
  const name = commandStatusNameOf(status);
  if (name !== undefined) return name;
  return isVendorSpecific(status) ? `0x${status.toString(16).toUpperCase().padStart(4, '0')}` : 'UNKNOWN';
}

/** The SMPP sessions and their submits, per SMSC. */
export function smppMetrics(registers: Registry[], smscs: readonly string[]) {
  const define = defineIn(registers);
  const submitSm = define.counter('smsgw_smpp_submit_sm_total', 'submit_sm PDUs by SMSC and response command_status (TIMEOUT/LOCAL_ERROR: no response)', ['smsc', 'command_status']);
  const submitSmDuration = define.histogram('smsgw_smpp_submit_sm_duration_seconds', 'Round trip from writing submit_sm to receiving submit_sm_resp', SUBMIT_DURATION_BUCKETS, ['smsc']);
  const bindUp = define.gauge('smsgw_smpp_bind_up', '1 while the SMPP session is bound, else 0', ['smsc', 'session']);
  const bindAttempts = define.counter('smsgw_smpp_bind_attempts_total', 'SMPP bind attempts by result', ['smsc', 'result']);
  const disconnects = define.counter('smsgw_smpp_disconnects_total', 'SMPP session ends by reason', ['smsc', 'reason']);
  const enquireLinkFailures = define.counter('smsgw_smpp_enquire_link_failures_total', 'enquire_link requests that got no timely or no successful response', ['smsc']);
  const inflightRequests = define.gauge('smsgw_smpp_inflight_requests', 'submit_sm PDUs awaiting a response', ['smsc']);
  const windowSize = define.gauge('smsgw_smpp_window_size', 'Maximum submit_sm PDUs allowed in flight', ['smsc']);
  const waitQueueLength = define.gauge('smsgw_smpp_wait_queue_length', 'Messages waiting for a free window slot or TPS token', ['smsc']);
  const tpsLimitHits = define.counter('smsgw_smpp_tps_limit_hits_total', 'Submits delayed by the local TPS limit', ['smsc']);
  const throttlePauses = define.counter('smsgw_smpp_throttle_pauses_total', 'Sending pauses after the SMSC answered ESME_RTHROTTLED or ESME_RMSGQFUL', ['smsc']);
  const lateResponses = define.counter('smsgw_smpp_late_responses_total', 'submit_sm_resp PDUs that arrived after the request had timed out', ['smsc']);
  const malformedPdus = define.counter('smsgw_smpp_malformed_pdus_total', 'PDUs from the SMSC that could not be decoded (a bad command_length drops the session; a request with a bad body is answered with an error and the session goes on)', ['smsc']);
  // With several workers: the latest of them.
  const lastSubmitSuccess = define.gauge('smsgw_smpp_last_submit_success_timestamp_seconds', 'Unix time of the last submit_sm answered ESME_ROK', ['smsc'], { aggregator: 'max' });

  for (const smsc of smscs) {
    for (const command_status of PRECREATED_SUBMIT_STATUSES) submitSm.inc({ smsc, command_status }, 0);
    submitSmDuration.zero({ smsc });
    // bindUp's series are made by observeBind (bind-metrics.ts), one per session of the SMSC.
    for (const result of BIND_RESULTS) bindAttempts.inc({ smsc, result }, 0);
    for (const reason of DISCONNECT_REASONS) disconnects.inc({ smsc, reason }, 0);
    for (const counter of [enquireLinkFailures, tpsLimitHits, throttlePauses, lateResponses, malformedPdus]) counter.inc({ smsc }, 0);
    for (const gauge of [inflightRequests, windowSize, waitQueueLength]) gauge.set({ smsc }, 0);
    // lastSubmitSuccess stays absent until the first success: a 0 would read as "last success in 1970".
  }
  return {
    submitSm,
    submitSmDuration,
    bindUp,
    bindAttempts,
    disconnects,
    enquireLinkFailures,
    inflightRequests,
    windowSize,
    waitQueueLength,
    tpsLimitHits,
    throttlePauses,
    lateResponses,
    malformedPdus,
    lastSubmitSuccess,
  };
}
