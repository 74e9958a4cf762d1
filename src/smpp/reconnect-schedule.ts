import { backoffDelayMs } from '../backoff';
import type { CloseReason } from './bind-events';

export interface ReconnectDelays {
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  bindRefusedDelayMs: number;
  /** Cap of the delay after refused credentials, which doubles from bindRefusedDelayMs. */
  bindRefusedMaxDelayMs: number;
}

export interface NextAttempt {
  delayMs: number;
  /** How loudly to log the session's end. */
  level: 'error' | 'warn';
}

/**
 * What follows the end of a session, decided by why it ended: nothing after stop(); after refused
 * credentials a long, doubling delay (accounts get locked after repeated bad logins); otherwise the
 * ordinary capped, jittered backoff. Both reset after a good bind, so a link that drops once
 * reconnects fast.
 */
export class ReconnectSchedule {
  private failedAttempts = 0;
  private refusedAttempts = 0;
  private lastRefusal = '';

  constructor(
    private readonly delays: ReconnectDelays,
    private readonly random: () => number = Math.random,
  ) {}

  /** A bind succeeded. */
  reset(): void {
    this.failedAttempts = 0;
    this.refusedAttempts = 0;
    this.lastRefusal = '';
  }

  /** The next attempt after a session ended for `reason`; undefined when none follows. */
  next(reason: CloseReason, detail: string, credentialsRefused: boolean): NextAttempt | undefined {
    if (reason === 'stopped') return undefined;
    const attempt = this.failedAttempts++;
    const { reconnectMinDelayMs, reconnectMaxDelayMs, bindRefusedDelayMs, bindRefusedMaxDelayMs } = this.delays;
    if (!credentialsRefused) return { delayMs: backoffDelayMs(attempt, reconnectMinDelayMs, reconnectMaxDelayMs, this.random), level: 'warn' };
    const delayMs = backoffDelayMs(this.refusedAttempts++, bindRefusedDelayMs, Math.max(bindRefusedDelayMs, bindRefusedMaxDelayMs), this.random);
    // An error once per distinct refusal, not per try: a locked account would flood the log.
    const level = detail !== this.lastRefusal ? 'error' : 'warn';
    this.lastRefusal = detail;
    return { delayMs, level };
  }
}
