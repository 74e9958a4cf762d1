import type Redis from 'ioredis';
import type { ClientContext, Result } from 'ioredis';
import { hostname } from 'node:os';
import type { Logger } from '../log';
import type { RedisLink } from '../store/redis-link';
import type { MessageView } from '../records/message-view';
import type { CallbackOutcome } from './receipt-callback';

// Adds a status to the stream unless `max` are already waiting (acked entries are deleted, so the
// stream's length is what waits or is being posted).
const ADD = `
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('XADD', KEYS[1], '*', 'view', ARGV[2])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    smsgwCallbackAdd(key: string, max: number, view: string): Result<number, Context>;
  }
}

const GROUP = 'posters';
const BLOCK_MS = 1000;
const RETRY_PAUSE_MS = 1000;
/** A consumer gone from the group this long (and owning nothing) is forgotten. */
const FORGET_CONSUMER_MS = 3_600_000;

/** What actually posts: the receipt callback, with its retries and concurrency limit. */
export interface Poster {
  notify(view: MessageView): void;
  deliver(view: MessageView): Promise<CallbackOutcome>;
  freeSlots(): number;
  stop(): Promise<void>;
}

type StreamEntries = [string, [id: string, fields: string[]][]][] | null;

/**
 * The receipt-callback queue on a Redis Stream with one consumer group: every instance reads from
 * it, each status is handed to one of them, and acknowledged (and deleted) once posted or given
 * up on. A status whose instance stopped or died before that stays pending and is claimed by
 * another instance after `claimIdleMs` (XAUTOCLAIM), so a restart loses nothing; an instance still
 * working on one (retrying a failing receiver) renews its claim so nobody takes it over. Delivery
 * is at least once: an instance that dies between a successful POST and its XACK has that status
 * posted again by another. While Redis cannot take a status, it is posted from this instance's
 * memory as without Redis.
 */
export function createSharedCallbackQueue(o: {
  link: RedisLink;
  prefix: string;
  poster: Poster;
  queueSize: number;
  /** Longer than a POST's whole retry sequence may leave an entry untouched. */
  claimIdleMs: number;
  logger: Logger;
  onFallback?(): void;
  /** A status not queued because `queueSize` wait already. */
  onDropped?(): void;
}) {
  const { link, poster } = o;
  link.client.defineCommand('smsgwCallbackAdd', { numberOfKeys: 1, lua: ADD });
  const stream = `${o.prefix}{callbacks}:queue`;
  const consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const log = o.logger.child({ consumer });
  const mine = new Set<string>();
  let reader: Redis | undefined;
  let stopped = false;
  let loop: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let slotFreed: (() => void) | undefined;

  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

  async function ensureGroup(r: Redis): Promise<void> {
    try {
      await r.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err as Error).message.includes('BUSYGROUP')) throw err;
    }
  }

  function handle(id: string, fields: string[]): void {
    const view = JSON.parse(fields[fields.indexOf('view') + 1]!) as MessageView;
    mine.add(id);
    void poster.deliver(view).then(async (outcome) => {
      // Dropped (this instance stopping): left pending, for another instance to claim and post.
      if (outcome !== 'dropped') {
        await link.call('callback', (c) => c.multi().xack(stream, GROUP, id).xdel(stream, id).exec()).catch((err: Error) => {
          log.warn({ messageId: view.id, err: err.message }, 'receipt callback done but not acknowledged in Redis; another instance may post it again');
        });
      }
      mine.delete(id);
      slotFreed?.();
    });
  }

  async function consume(): Promise<void> {
    while (!stopped) {
      try {
        if (!reader || reader.status !== 'ready') {
          await pause(RETRY_PAUSE_MS);
          continue;
        }
        await ensureGroup(reader);
        for (;;) {
          if (stopped) return;
          const free = poster.freeSlots();
          if (free === 0) {
            await new Promise<void>((resolve) => (slotFreed = resolve));
            continue;
          }
          const reply = (await reader.xreadgroup('GROUP', GROUP, consumer, 'COUNT', free, 'BLOCK', BLOCK_MS, 'STREAMS', stream, '>')) as StreamEntries;
          for (const [, entries] of reply ?? []) for (const [id, fields] of entries) handle(id, fields);
        }
      } catch (err) {
        if (stopped) return;
        log.debug({ err: (err as Error).message }, 'receipt callback queue: reading paused');
        await pause(RETRY_PAUSE_MS);
      }
    }
  }

  /** Takes over statuses left pending by consumers gone quiet, renews our own, forgets dead consumers. */
  async function maintain(): Promise<void> {
    if (!link.isUp()) return;
    if (mine.size > 0) await link.call('callback', (c) => c.xclaim(stream, GROUP, consumer, 0, ...mine, 'JUSTID'));
    const free = poster.freeSlots();
    if (free > 0) {
      const [, entries] = (await link.call('callback', (c) => c.xautoclaim(stream, GROUP, consumer, o.claimIdleMs, '0-0', 'COUNT', free))) as [string, [string, string[]][]];
      for (const [id, fields] of entries) {
        if (!fields || mine.has(id)) continue; // deleted meanwhile, or ours already
        log.info({ entry: id }, 'receipt callback left by another instance taken over');
        handle(id, fields);
      }
    }
    const consumers = (await link.call('callback', (c) => c.xinfo('CONSUMERS', stream, GROUP))) as (string | number)[][];
    for (const fields of consumers) {
      const info = Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])));
      if (info.name !== consumer && Number(info.pending) === 0 && Number(info.idle) > FORGET_CONSUMER_MS) {
        await link.call('callback', (c) => c.xgroup('DELCONSUMER', stream, GROUP, String(info.name)));
      }
    }
  }

  return {
    /** Queues a final status for whichever instance posts it first. */
    notify(view: MessageView): void {
      if (stopped) return;
      link
        .call('callback', (c) => c.smsgwCallbackAdd(stream, o.queueSize, JSON.stringify(view)))
        .then(
          (added) => {
            if (added !== 0) return;
            log.warn({ messageId: view.id, queueSize: o.queueSize }, 'receipt callback queue full; status not posted');
            o.onDropped?.();
          },
          () => {
            o.onFallback?.();
            poster.notify(view);
          },
        );
    },

    start(): void {
      reader = link.duplicate('callbacks');
      loop = consume();
      timer = setInterval(() => {
        maintain().catch((err: Error) => log.debug({ err: err.message }, 'receipt callback queue upkeep skipped'));
      }, Math.max(100, Math.floor(o.claimIdleMs / 3)));
      timer.unref();
    },

    /** Stops reading; statuses being posted are left pending for another instance (or the next start). */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      slotFreed?.();
      reader?.disconnect();
      await loop;
      await poster.stop();
    },
  };
}
