import type { RouteConfig } from '../config/schema';
import { notBound, shuttingDown, type GatewayError } from '../errors';
import type { SmscClient } from './smsc-client';

export interface Router {
  /** The SMSCs that may carry a message to this number, in failover order. */
  candidates(destinationDigits: string): readonly SmscClient[];
  /**
   * The first candidate with a bound session; if none is bound, the first to bind before the
   * deadline. A request is committed to the SMSC returned, so it never reaches two SMSCs.
   */
  pick(candidates: readonly SmscClient[], deadline: number): Promise<SmscClient>;
}

interface Waiter {
  candidates: readonly SmscClient[];
  resolve(client: SmscClient): void;
  reject(error: GatewayError): void;
  timer: NodeJS.Timeout;
}

/** Longest-prefix routing over the configured SMSCs; unmatched numbers use all of them in order. */
export function createRouter(clients: readonly SmscClient[], routes: readonly RouteConfig[]): Router {
  const byName = new Map(clients.map((client) => [client.name, client]));
  const table = routes
    .map((route) => ({ prefix: route.prefix.replace(/^\+/, ''), candidates: route.smscs.map((name) => byName.get(name)!) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const waiters = new Set<Waiter>();

  const firstReady = (candidates: readonly SmscClient[]) => candidates.find((client) => client.ready());
  const allStopped = (candidates: readonly SmscClient[]) => candidates.every((client) => client.binds.every((bind) => bind.state === 'stopped'));
  const settle = (waiter: Waiter, outcome: SmscClient | GatewayError) => {
    waiters.delete(waiter);
    clearTimeout(waiter.timer);
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  };
  const onStateChange = () => {
    for (const waiter of waiters) {
      const client = firstReady(waiter.candidates);
      if (client) settle(waiter, client);
      else if (allStopped(waiter.candidates)) settle(waiter, shuttingDown());
    }
  };
  for (const client of clients) for (const bind of client.binds) bind.on('state', onStateChange);

  return {
    candidates(digits) {
      return table.find((route) => digits.startsWith(route.prefix))?.candidates ?? clients;
    },
    pick(candidates, deadline) {
      const ready = firstReady(candidates);
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { candidates, resolve, reject, timer: setTimeout(() => settle(waiter, notBoundError(candidates)), Math.max(0, deadline - Date.now())) };
        waiters.add(waiter);
      });
    },
  };
}

/** Why none was bound: each candidate's last failure, named by SMSC when there are several. */
function notBoundError(candidates: readonly SmscClient[]): GatewayError {
  const failed = candidates.filter((client) => client.lastFailure());
  return notBound(candidates.length === 1 ? failed.map((client) => client.lastFailure()) : failed.map((client) => `${client.name}: ${client.lastFailure()}`));
}
