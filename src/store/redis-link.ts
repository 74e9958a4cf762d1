import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../log';
import type { RedisOp } from '../metrics/store-metrics';
import { backoffDelayMs } from '../backoff';

/** Redis could not answer in time (down, restarting, unreachable, slow, or it refused the command). */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

export interface RedisLinkOptions {
  /** redis://[user:password@]host:port/db or rediss:// (TLS). */
  url: string;
  /** Longest wait for one command (also capped by the caller's deadline). */
  commandTimeoutMs: number;
  logger: Logger;
  /** Each command's round trip, by operation name (a bounded set chosen by the callers). */
  onCommand?(op: RedisOp, seconds: number): void;
}

export interface RedisLink {
  readonly client: Redis;
  /** True while the connection is ready (commands are sent, not refused at once). */
  isUp(): boolean;
  /**
   * Runs `run` against Redis, waiting at most commandTimeoutMs and never past `until`: a down or
   * slow Redis rejects with StoreUnavailableError instead of holding the caller up. A command
   * given up on may still run later, so every write the gateway sends is idempotent.
   */
  call<T>(op: RedisOp, run: (client: Redis) => Promise<T>, until?: number): Promise<T>;
  /** A connection of its own, with the same settings, for blocking reads (XREADGROUP). */
  duplicate(name: string): Redis;
  /** Resolves true once the connection is ready, or false after `timeoutMs`. */
  whenUp(timeoutMs: number): Promise<boolean>;
  /** Called with true when the connection becomes ready, false when it is lost. */
  onState(listener: (up: boolean) => void): void;
  /** The URL without its password, for logs. */
  readonly where: string;
  close(): Promise<void>;
}

/** Consecutive timeouts after which a connection that still looks open is dropped and remade (a half-open link). */
const TIMEOUTS_BEFORE_RECONNECT = 3;
const RECONNECT_MIN_MS = 100;
/** Deadlines are checked this often: a call may wait this much longer than its deadline. */
const SWEEP_INTERVAL_MS = 20;
const RECONNECT_MAX_MS = 2000;

// redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]: the master that the
// Sentinels name, followed through failovers (rediss+sentinel:// for TLS to the master).
const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/?]+)(?:\/(\d+))?\/?(?:\?(.*))?$/;

/** A Sentinel URL's parts, or undefined for a plain redis:// or rediss:// URL. */
export function parseSentinelUrl(url: string) {
  const match = SENTINEL_URL.exec(url);
  if (!match) return undefined;
  const [, scheme, user, password, hosts, name, db, query] = match;
  const sentinels = hosts!.split(',').map((hostPort) => {
    const [, host, port] = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(hostPort.trim()) ?? [];
    if (!host) throw new Error(`"${hostPort}" is not host:port`);
    return { host, port: Number(port ?? 26379) };
  });
  return {
    tls: scheme === 'rediss',
    username: user ? decodeURIComponent(user) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    sentinelPassword: new URLSearchParams(query ?? '').get('sentinelPassword') ?? undefined,
    sentinels,
    name: decodeURIComponent(name!),
    db: Number(db ?? 0),
  };
}

/** The URL for logs: scheme, host(s), port(s) and database, never the user name or password. */
export function redactRedisUrl(url: string): string {
  try {
    const sentinel = parseSentinelUrl(url);
    if (sentinel) {
      return `${sentinel.tls ? 'rediss' : 'redis'}+sentinel://${sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${sentinel.name}/${sentinel.db}`;
    }
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

function connect(url: string, options: RedisOptions): Redis {
  const sentinel = parseSentinelUrl(url);
  if (!sentinel) return new Redis(url, options);
  const { tls, ...rest } = sentinel;
  return new Redis({ ...options, ...rest, ...(tls ? { tls: {} } : {}) });
}

/**
 * One connection to Redis, shared by every part of the gateway that keeps state there.
 *
 * ioredis's offline queue is off: while the connection is down a command fails at once rather
 * than waiting for a reconnect that may come after the request's deadline. maxRetriesPerRequest 0
 * makes commands in flight when the connection drops fail with it, instead of being sent again
 * after the reconnect, when their caller has long moved on. Reconnection goes on by itself, with
 * a backoff from RECONNECT_MIN_MS to RECONNECT_MAX_MS.
 */
export function createRedisLink(o: RedisLinkOptions): RedisLink {
  const where = redactRedisUrl(o.url);
  const log = o.logger.child({ redis: where });
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Commands issued in the same event-loop turn go out in one write.
    enableAutoPipelining: true,
    connectTimeout: Math.max(1000, o.commandTimeoutMs),
    keepAlive: 10_000,
    connectionName: 'smsgw',
    retryStrategy: (times) => backoffDelayMs(times - 1, RECONNECT_MIN_MS, RECONNECT_MAX_MS),
    // A READONLY reply means a replica was promoted away from us (failover): reconnect to find the master.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
  const client = connect(o.url, options);
  const listeners: ((up: boolean) => void)[] = [];
  let up = false;
  let timeouts = 0;
  let lastError = '';
  let closing = false;

  const setUp = (next: boolean) => {
    if (next === up) return;
    up = next;
    timeouts = 0;
    for (const listener of listeners) listener(next);
  };
  client.on('ready', () => setUp(true));
  client.on('close', () => setUp(false));
  client.on('end', () => setUp(false));
  client.on('error', (err: Error) => {
    // Every reconnect attempt errs the same way while Redis is down: log each new reason once.
    if (err.message === lastError || closing) return;
    lastError = err.message;
    log.warn({ err: err.message }, 'Redis connection error');
  });
  client.on('ready', () => {
    lastError = '';
  });

  // Calls waiting for Redis, checked by one timer instead of a timer per call (a timer per
  // command was a measurable share of a message's CPU).
  const waiting = new Set<{ until: number; expire(): void }>();
  let sweeper: NodeJS.Timeout | undefined;
  function sweep(): void {
    const t = Date.now();
    for (const call of waiting) if (call.until <= t) call.expire();
    if (waiting.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  function withDeadline<T>(op: RedisOp, promise: Promise<T>, waitMs: number): Promise<T> {
    const started = performance.now();
    return new Promise<T>((resolve, reject) => {
      const call = {
        until: Date.now() + waitMs,
        expire() {
          waiting.delete(call);
          if (++timeouts >= TIMEOUTS_BEFORE_RECONNECT && up) {
            log.warn({ timeouts }, 'Redis does not answer on an open connection; reconnecting');
            client.disconnect(true);
          }
          reject(new StoreUnavailableError(`Redis did not answer ${op} within ${Math.round(waitMs)} ms`));
        },
      };
      waiting.add(call);
      if (!sweeper) {
        sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
        sweeper.unref();
      }
      promise.then(
        (value) => {
          if (!waiting.delete(call)) return;
          timeouts = 0;
          o.onCommand?.(op, (performance.now() - started) / 1000);
          resolve(value);
        },
        (err: Error) => {
          if (!waiting.delete(call)) return;
          reject(err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`Redis ${op} failed: ${err.message}`));
        },
      );
    });
  }

  return {
    client,
    where,
    isUp: () => up,
    call<T>(op: RedisOp, run: (client: Redis) => Promise<T>, until?: number): Promise<T> {
      if (!up) return Promise.reject(new StoreUnavailableError(`Redis unreachable (${where})`));
      const waitMs = Math.min(o.commandTimeoutMs, until === undefined ? Infinity : until - Date.now());
      if (waitMs <= 0) return Promise.reject(new StoreUnavailableError(`no time left for Redis ${op}`));
      let running: Promise<T>;
      try {
        running = run(client);
      } catch (err) {
        return Promise.reject(new StoreUnavailableError(`Redis ${op} failed: ${(err as Error).message}`));
      }
      return withDeadline(op, running, waitMs);
    },
    duplicate(name) {
      const copy = client.duplicate({ connectionName: `smsgw-${name}`, enableAutoPipelining: false });
      copy.on('error', () => undefined); // the main connection logs the reasons
      return copy;
    },
    onState(listener) {
      listeners.push(listener);
    },
    whenUp(timeoutMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        listeners.push((state) => {
          if (!state) return;
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    async close() {
      closing = true;
      clearInterval(sweeper);
      setUp(false);
      await client.quit().catch(() => client.disconnect());
    },
  };
}
