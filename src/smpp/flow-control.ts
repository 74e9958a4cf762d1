import type { EventEmitter } from 'node:events';
import type { Logger } from '../log';
import type { BindEvents } from './bind-events';
import { COMMAND_STATUS, formatCommandStatus } from './command-status';
import type { ErrorPolicy } from './error-policy';
import type { TokenBucket } from './token-bucket';

export interface FlowControlOptions {
  /** Submits allowed in flight at once. */
  window: number;
  /** After a 'throttle' status the bind sends nothing for this long, then one probe submit. */
  throttlePauseMs: number;
  /** TPS limits every submit_sm must pass: this session's own and its SMSC account's (shared). */
  rateLimits: readonly TokenBucket[];
  /** Tells throttling statuses from the others. */
  errorPolicy: ErrorPolicy;
}

/**
 * When a bind may write its next submit_sm, beyond the window itself: the TPS token buckets; a
 * pause of the whole bind when the SMSC throttles, then a single probe (window 1) until an answer
 * that is not a throttle; and a hold while the link is suspect (a submit went unanswered) until
 * enquire_link_resp shows the SMSC still answers.
 */
export class FlowControl {
  /** Throttle pause: nothing is sent before pausedUntil, then one probe until an answer that is not a throttle. */
  private pausedUntil = 0;
  private pauseStartedAt = 0;
  /** The throttling status that began the pause; non-zero while probing (window 1) after it. */
  private _throttleStatus = 0;
  private suspect = false;

  constructor(
    private readonly opts: FlowControlOptions,
    private readonly events: EventEmitter<BindEvents>,
    private readonly log: Logger,
  ) {}

  /** Submits that may be in flight now: the window, or one probe after the SMSC throttled. */
  get sendWindow(): number {
    return this._throttleStatus ? 1 : this.opts.window;
  }

  /** The status of the throttling the bind is recovering from; 0 when it is not. */
  get throttleStatus(): number {
    return this._throttleStatus;
  }

  /** Waiting for enquire_link_resp before anything else is written. */
  get held(): boolean {
    return this.suspect;
  }

  /** Free to send now: not paused, not held. */
  accepting(now = Date.now()): boolean {
    return !this.suspect && this.pausedUntil <= now;
  }

  /** Milliseconds left of a throttle pause (0 = none). */
  pauseLeftMs(now = Date.now()): number {
    return Math.max(0, this.pausedUntil - now);
  }

  /** Milliseconds until every TPS limit has a token (0 = now). */
  tokenWaitMs(): number {
    let wait = 0;
    for (const bucket of this.opts.rateLimits) wait = Math.max(wait, bucket.waitMs());
    return wait;
  }

  /** A submit_sm was written: it takes a token from every limit. */
  taken(): void {
    for (const bucket of this.opts.rateLimits) bucket.take();
  }

  /**
   * The SMSC answered a submit written at `sentAt`. A throttling status stops sending on this bind
   * for throttlePauseMs instead of letting every message retry on its own; any other answer ends
   * the probing that follows a pause.
   */
  answered(status: number, sentAt: number): void {
    if (status === COMMAND_STATUS.ESME_ROK || this.opts.errorPolicy.classify(status) !== 'throttle') {
      this._throttleStatus = 0;
      return;
    }
    if (sentAt <= this.pauseStartedAt) return; // sent before this pause began: same episode
    const pauseMs = this.opts.throttlePauseMs;
    this.pauseStartedAt = Date.now();
    this.pausedUntil = this.pauseStartedAt + pauseMs;
    this._throttleStatus = status;
    this.log.warn({ status: formatCommandStatus(status), pauseMs }, 'SMSC throttling: submits paused on this bind');
    this.events.emit('throttle-pause', status);
  }

  /** A submit waited its full response timeout: hold everything until the link is proven. */
  hold(): void {
    this.suspect = true;
  }

  /** enquire_link_resp came, or the session is gone: whatever the next session sends is not held. */
  release(): void {
    this.suspect = false;
  }
}
