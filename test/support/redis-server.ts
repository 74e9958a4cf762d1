// A real redis-server (Debian's package) for the shared-state tests: its own loopback port and temp
// directory, in the foreground (no daemonize), stopped by its PID. Never the system Redis on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './fake-smsc';
import { hasTool } from './tools';

/** False where redis-server is missing (the test then skips), unless SMSGW_TEST_REQUIRE_TOOLS=1. */
export const hasRedis = (): boolean => hasTool('redis-server', ['--version']);

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  pid(): number | undefined;
  /** SIGKILL: no shutdown save, clients see the connection drop. Resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (its AOF, if any, is replayed). */
  restart(): Promise<void>;
  /** SIGTERM, waits for the exit, removes the directory. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** appendonly yes, appendfsync always: every acknowledged write is on disk. */
  aof?: boolean;
  /** A replica of the server on this port. */
  replicaOf?: number;
  /** A Sentinel watching the master on this port under this name (quorum 1, quick failover). */
  sentinelFor?: { port: number; name: string };
}

const READY_TIMEOUT_MS = 10_000;

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-redis-'));
  // A Sentinel keeps its state in its configuration file, so it needs one it may rewrite.
  const sentinelConf = path.join(dir, 'sentinel.conf');
  if (options.sentinelFor) {
    const { port: masterPort, name } = options.sentinelFor;
    writeFileSync(
      sentinelConf,
      [
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        'sentinel resolve-hostnames no',
        '',
      ].join('\n'),
    );
  }
  const args = [
    ...(options.sentinelFor ? [sentinelConf, '--sentinel'] : []),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.sentinelFor ? [] : ['--appendonly', options.aof ? 'yes' : 'no']),
    ...(options.aof ? ['--appendfsync', 'always'] : []),
    ...(options.replicaOf ? ['--replicaof', '127.0.0.1', String(options.replicaOf)] : []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function launch(): Promise<void> {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server not ready within ${READY_TIMEOUT_MS} ms: ${output}`));
      }, READY_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        output += d.toString('utf8');
        // A Sentinel is ready once it monitors its master.
        if (output.includes('Ready to accept connections') || output.includes('+monitor master')) {
          clearTimeout(timer);
          proc.stdout.off('data', onData);
          proc.stdout.resume();
          resolve();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  }

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    kill: () => signal('SIGKILL'),
    restart: launch,
    async stop() {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
