import { backoffDelayMs } from '../backoff';
import type { Logger } from '../log';
import type { MessageView } from '../records/message-view';

/** How each status ended: posted (2xx), given up (refused, or out of attempts), or never posted (queue full, shutdown). */
export type CallbackOutcome = 'sent' | 'failed' | 'dropped';

export interface CallbackOptions {
  /** user:password in it is sent as Basic authorization, never in the URL. */
  url: string;
  /** Sent as "Authorization: Bearer <token>" when set. */
  token: string;
  timeoutMs: number;
  /** Tries per message, the first included. */
  attempts: number;
  /** Delay before the first retry (half to all of it, at random); doubles per retry, capped at MAX_RETRY_DELAY_MS. */
  retryDelayMs: number;
  /** Messages waiting to be posted; beyond it new ones are dropped (and logged). */
  queueSize: number;
  logger: Logger;
  onOutcome?(outcome: CallbackOutcome): void;
}

interface Job {
  view: MessageView;
  attempt: number;
  /** Set by deliver(): told how the status ended, and then it owns a 'dropped' (it may post it elsewhere). */
  done?(outcome: CallbackOutcome): void;
}

const MAX_RETRY_DELAY_MS = 60_000;
const MAX_CONCURRENT_POSTS = 4;

/**
 * 408 and 429 say "later"; other 4xx answers will not change by retrying. A redirect is not
 * followed (a 302 would turn the POST into a GET without its Authorization), but it may be a
 * receiver's passing state, so it is retried like a 5xx.
 */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429 || (status >= 300 && status < 400);

/** The URL without credentials, and the Authorization header to send. */
function target(url: string, token: string): { url: URL; authorization: string | undefined } {
  const parsed = new URL(url);
  const basic = parsed.username || parsed.password ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : '';
  parsed.username = '';
  parsed.password = '';
  const authorization = token ? `Bearer ${token}` : basic ? `Basic ${Buffer.from(basic).toString('base64')}` : undefined;
  return { url: parsed, authorization };
}

/**
 * POSTs each final message status as JSON to a configured URL. notify() only queues, so the SMPP
 * side never waits for the receiver; failures are retried with growing delays. The queue lives
 * in memory: what is still queued at shutdown is logged and dropped (the status API has it).
 * Logs name the receiver by its origin only: the URL's path and query may carry a secret.
 */
export function createReceiptCallback(opts: CallbackOptions) {
  const { url, authorization } = target(opts.url, opts.token);
  const log = opts.logger.child({ callback: url.origin });
  // Errors from fetch may quote the URL; nothing in a log line may.
  const scrub = (text: string) => text.split(url.href).join(url.origin);
  const queue: Job[] = [];
  const retryTimers = new Map<NodeJS.Timeout, Job>();
  const stopping = new AbortController();
  let active = 0;
  let idle: (() => void) | undefined;

  function settle(job: Job, outcome: CallbackOutcome): void {
    if (!(job.done && outcome === 'dropped')) opts.onOutcome?.(outcome);
    job.done?.(outcome);
  }

  function pump(): void {
    while (active < MAX_CONCURRENT_POSTS && queue.length > 0 && !stopping.signal.aborted) {
      const job = queue.shift()!;
      active++;
      // post() settles every job itself; a throw from a listener must not become an unhandled rejection.
      void post(job)
        .catch((err: unknown) => log.error({ messageId: job.view.id, err: scrub(String(err)) }, 'receipt callback failed unexpectedly'))
        .finally(() => {
          active--;
          if (active === 0) idle?.();
          pump();
        });
    }
  }

  async function post(job: Job): Promise<void> {
    let failure: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(job.view),
        signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), stopping.signal]),
      });
      await res.body?.cancel();
      if (res.ok) return settle(job, 'sent');
      failure = res.status >= 300 && res.status < 400 ? `HTTP ${res.status} redirect (not followed)` : `HTTP ${res.status}`;
      if (!retryable(res.status)) {
        log.warn({ messageId: job.view.id, failure, attempt: job.attempt }, 'receipt callback refused; not retrying');
        return settle(job, 'failed');
      }
    } catch (err) {
      if (stopping.signal.aborted) return settle(job, 'dropped');
      failure = scrub((err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : String((err as Error).cause ?? (err as Error).message));
    }
    if (job.attempt >= opts.attempts) {
      log.warn({ messageId: job.view.id, failure, attempts: job.attempt }, 'receipt callback failed; giving up');
      return settle(job, 'failed');
    }
    const delay = backoffDelayMs(job.attempt - 1, opts.retryDelayMs, MAX_RETRY_DELAY_MS);
    log.info({ messageId: job.view.id, failure, attempt: job.attempt, retryInMs: delay }, 'receipt callback failed; will retry');
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      queue.push({ ...job, attempt: job.attempt + 1 });
      pump();
    }, delay);
    retryTimers.set(timer, job);
  }

  function enqueue(job: Job): void {
    if (stopping.signal.aborted) return settle(job, 'dropped');
    if (queue.length >= opts.queueSize) {
      log.warn({ messageId: job.view.id, queueSize: opts.queueSize }, 'receipt callback queue full; status not posted');
      return settle(job, 'dropped');
    }
    queue.push(job);
    pump();
  }

  return {
    notify(view: MessageView): void {
      enqueue({ view, attempt: 1 });
    },

    /**
     * Posts `view` (retrying as notify does); resolves with how that ended. A 'dropped' (queue
     * full, shutdown) is left to the caller to count or to post elsewhere.
     */
    deliver(view: MessageView): Promise<CallbackOutcome> {
      return new Promise((resolve) => enqueue({ view, attempt: 1, done: resolve }));
    },

    /** Posts that can start now without waiting behind others. */
    freeSlots: () => Math.max(0, MAX_CONCURRENT_POSTS - active - queue.length),

    /** Aborts posts in flight and drops what is queued or waiting to retry. */
    async stop(): Promise<void> {
      const dropped = queue.length + retryTimers.size + active;
      const waiting = [...queue.splice(0), ...retryTimers.values()];
      for (const timer of retryTimers.keys()) clearTimeout(timer);
      retryTimers.clear();
      stopping.abort(); // the posts in flight settle as dropped
      for (const job of waiting) settle(job, 'dropped');
      if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
      if (dropped > 0) log.warn({ dropped }, 'receipt callbacks not posted before shutdown');
    },
  };
}
