import type { CloseReason } from '../smpp/bind-events';
import type { SmppBind } from '../smpp/smpp-bind';
import type { Metrics } from './metrics';
import { BIND_RESULT_OF, DISCONNECT_OF, type BindResult, type DisconnectReason } from './smpp-metrics';

// Looked up by any close reason: one not listed is no bind verdict, or no disconnect of a session.
const BIND_RESULT: Partial<Record<CloseReason, BindResult>> = BIND_RESULT_OF;
const DISCONNECT: Partial<Record<CloseReason, DisconnectReason>> = DISCONNECT_OF;

/** Feeds one bind's events into the metrics; the bind itself knows nothing of Prometheus. */
export function observeBind(bind: SmppBind, smsc: string, session: string, metrics: Metrics): void {
  // Every session's series exists from start-up, before its first bind, so dashboards read 0.
  metrics.bindUp.set({ smsc, session }, 0);
  bind.on('state', (state) => {
    metrics.bindUp.set({ smsc, session }, state === 'bound' ? 1 : 0);
    if (state === 'bound') metrics.bindAttempts.inc({ smsc, result: 'success' });
  });
  bind.on('closed', (reason) => {
    // 'closed' is emitted before the state leaves connecting/binding, so a session that ends
    // there without a bind verdict (SMSC hung up, reset, sent garbage) still counts as an attempt.
    const attempting = bind.state === 'connecting' || bind.state === 'binding';
    const result = BIND_RESULT[reason] ?? (attempting && reason !== 'stopped' ? 'dropped' : undefined);
    if (result) metrics.bindAttempts.inc({ smsc, result });
    const disconnect = DISCONNECT[reason];
    if (disconnect) metrics.disconnects.inc({ smsc, reason: disconnect });
  });
  bind.on('enquire-link-timeout', () => metrics.enquireLinkFailures.inc({ smsc }));
  bind.on('late-response', () => metrics.lateResponses.inc({ smsc }));
  bind.on('malformed-pdu', () => metrics.malformedPdus.inc({ smsc }));
  bind.on('tps-limited', () => metrics.tpsLimitHits.inc({ smsc }));
  bind.on('throttle-pause', () => metrics.throttlePauses.inc({ smsc }));
}

/** Window and queue gauges are sampled when Prometheus scrapes, not on every submit. */
export function sampleBinds(binds: readonly SmppBind[], smsc: string, metrics: Metrics): void {
  let inflight = 0;
  let waiting = 0;
  let window = 0;
  for (const bind of binds) {
    inflight += bind.inflightCount;
    waiting += bind.waitingCount;
    if (bind.state === 'bound' && bind.bindType !== 'receiver') window += bind.windowSize;
  }
  metrics.inflightRequests.set({ smsc }, inflight);
  metrics.waitQueueLength.set({ smsc }, waiting);
  metrics.windowSize.set({ smsc }, window);
}
