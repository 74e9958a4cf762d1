import type { Logger } from '../log';
import type { MessageView } from './message-view';

export interface CallbackOptions {
  url: string;
  /** Sent as "Authorization: Bearer <token>" when set. */
  token: string;
  timeoutMs: number;
  /** Tries per message, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles per retry, capped at MAX_RETRY_DELAY_MS. */
  retryDelayMs: number;
  /** Messages waiting to be posted; beyond it new ones are dropped (and logged). */
  queueSize: number;
  logger: Logger;
}

interface Job {
  view: MessageView;
  attempt: number;
}

const MAX_RETRY_DELAY_MS = 60_000;
const MAX_CONCURRENT_POSTS = 4;

/** 408 and 429 say "later"; other 4xx answers will not change by retrying. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * POSTs each final message status as JSON to a configured URL. notify() only queues, so the SMPP
 * side never waits for the receiver; failures are retried with growing delays. The queue lives
 * in memory: what is still queued at shutdown is logged and dropped (the status API has it).
 */
export function createReceiptCallback(opts: CallbackOptions) {
  const log = opts.logger.child({ callback: new URL(opts.url).origin });
  const queue: Job[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  const stopping = new AbortController();
  let active = 0;
  let idle: (() => void) | undefined;

  function pump(): void {
    while (active < MAX_CONCURRENT_POSTS && queue.length > 0 && !stopping.signal.aborted) {
      const job = queue.shift()!;
      active++;
      post(job).finally(() => {
        active--;
        if (active === 0) idle?.();
        pump();
      });
    }
  }

  async function post(job: Job): Promise<void> {
    let failure: string;
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        body: JSON.stringify(job.view),
        signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), stopping.signal]),
      });
      await res.body?.cancel();
      if (res.ok) return;
      failure = `HTTP ${res.status}`;
      if (!retryable(res.status)) {
        log.warn({ messageId: job.view.id, failure, attempt: job.attempt }, 'receipt callback refused; not retrying');
        return;
      }
    } catch (err) {
      if (stopping.signal.aborted) return;
      failure = (err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : String((err as Error).cause ?? (err as Error).message);
    }
    if (job.attempt >= opts.attempts) {
      log.warn({ messageId: job.view.id, failure, attempts: job.attempt }, 'receipt callback failed; giving up');
      return;
    }
    const delay = Math.min(MAX_RETRY_DELAY_MS, opts.retryDelayMs * 2 ** (job.attempt - 1));
    log.info({ messageId: job.view.id, failure, attempt: job.attempt, retryInMs: delay }, 'receipt callback failed; will retry');
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      queue.push({ view: job.view, attempt: job.attempt + 1 });
      pump();
    }, delay);
    retryTimers.add(timer);
  }

  return {
    notify(view: MessageView): void {
      if (stopping.signal.aborted) return;
      if (queue.length >= opts.queueSize) {
        log.warn({ messageId: view.id, queueSize: opts.queueSize }, 'receipt callback queue full; status not posted');
        return;
      }
      queue.push({ view, attempt: 1 });
      pump();
    },

    /** Aborts posts in flight and drops what is queued or waiting to retry. */
    async stop(): Promise<void> {
      const dropped = queue.length + retryTimers.size + active;
      queue.length = 0;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      stopping.abort();
      if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
      if (dropped > 0) log.warn({ dropped }, 'receipt callbacks not posted before shutdown');
    },
  };
}
