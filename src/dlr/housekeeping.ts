import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../log';
import type { MessageStore, StoredHeldReceipt } from '../store/message-store';

export interface HousekeepingOptions {
  store: MessageStore;
  retentionMs: number;
  intervalMs: number;
  logger: Logger;
  /** Held receipts whose message never turned up. */
  onUnmatched(receipts: StoredHeldReceipt[]): void;
}

// Deleting in small chunks, yielding in between, keeps a large purge from stalling the event loop.
const CHUNK = 500;

/**
 * Periodically deletes records older than the retention and gives up on held receipts whose
 * hold has expired. Runs once at start (catching up after downtime), then every interval.
 */
export function startHousekeeping(opts: HousekeepingOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function sweep(): Promise<void> {
    const now = Date.now();
    let purged = 0;
    let removed: number;
    do {
      removed = await opts.store.purgeMessages(now - opts.retentionMs, CHUNK);
      purged += removed;
      await yieldToEventLoop();
    } while (removed === CHUNK && !stopped);
    if (purged > 0) opts.logger.info({ purged }, 'message records past retention deleted');

    let expired: StoredHeldReceipt[];
    do {
      expired = await opts.store.expireHeld(now, CHUNK);
      if (expired.length > 0) opts.onUnmatched(expired);
    } while (expired.length === CHUNK && !stopped);
  }

  function run(): void {
    running = sweep()
      .catch((err: unknown) => opts.logger.error({ err: (err as Error).message }, 'store housekeeping failed; retrying at the next interval'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, opts.intervalMs);
      });
  }

  run();
  return {
    /** Stops the timer and waits for a sweep in progress, so the store can be closed after. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
