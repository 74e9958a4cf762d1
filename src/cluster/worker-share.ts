import type { SmscSettings } from '../config/smsc-settings';

/** This process's place among SMSGW_WORKERS node:cluster workers. */
export interface WorkerRole {
  index: number;
  count: number;
}

/**
 * A worker's share of one SMSC account: SMSGW_SMSC_SESSIONS divided among the workers (the first
 * ones get one more when it does not divide evenly) and the account TPS in proportion, so the
 * whole process binds as many sessions, at the same TPS, as one process would. `labels` are the
 * `session` metric labels of its binds (senders, then receivers), unique across the workers, so
 * the process's /metrics can sum them.
 */
export function shareOf(smsc: SmscSettings, role: WorkerRole | undefined): { settings: SmscSettings; labels: string[] } {
  const total = smsc.sessions;
  const receivers = smsc.bindMode === 'transmitter-receiver';
  if (!role) {
    const labels = Array.from({ length: receivers ? 2 * total : total }, (_, i) => String(i));
    return { settings: smsc, labels };
  }
  const base = Math.floor(total / role.count);
  const extra = total % role.count;
  const sessions = base + (role.index < extra ? 1 : 0);
  const first = role.index * base + Math.min(role.index, extra);
  const senders = Array.from({ length: sessions }, (_, i) => String(first + i));
  const labels = receivers ? [...senders, ...senders.map((_, i) => String(total + first + i))] : senders;
  return { settings: { ...smsc, sessions, tps: smsc.tps * (sessions / total) }, labels };
}
