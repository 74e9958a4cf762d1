export interface KeepAliveOptions {
  enquireLinkIntervalMs: number;
  enquireLinkTimeoutMs: number;
}

/**
 * The keep-alive of one bound session: an enquire_link after enquireLinkIntervalMs of receive
 * silence (a busy link is not interrupted), and a deadline for its answer. Probes can be asked
 * for at any time too; only one is outstanding at once.
 */
export class KeepAlive {
  private lastRxAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private answerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: KeepAliveOptions,
    /** Writes an enquire_link. */
    private readonly sendEnquireLink: () => void,
    /** No enquire_link_resp came within enquireLinkTimeoutMs: the link is dead. */
    private readonly onTimeout: () => void,
  ) {}

  /** The session is bound: start watching for silence. */
  start(): void {
    this.lastRxAt = Date.now();
    this.scheduleIdleCheck();
  }

  /** Any PDU from the SMSC. */
  received(): void {
    this.lastRxAt = Date.now();
  }

  /** Sends enquire_link now unless one is outstanding. */
  probe(): void {
    if (this.answerTimer) return;
    this.sendEnquireLink();
    this.answerTimer = setTimeout(() => {
      this.answerTimer = undefined;
      this.onTimeout();
    }, this.opts.enquireLinkTimeoutMs);
  }

  /** enquire_link_resp arrived. */
  answered(): void {
    clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.answerTimer);
    this.idleTimer = this.answerTimer = undefined;
  }

  private scheduleIdleCheck(): void {
    const idleMs = Date.now() - this.lastRxAt;
    this.idleTimer = setTimeout(() => this.idleCheck(), Math.max(this.opts.enquireLinkIntervalMs - idleMs, 1));
  }

  private idleCheck(): void {
    if (Date.now() - this.lastRxAt >= this.opts.enquireLinkIntervalMs) this.probe();
    this.scheduleIdleCheck();
  }
}
