// A real redis-server (Debian's package) for the shared-state tests: its own loopback port and temp
// directory, in the foreground (no daemonize), stopped by its PID. Never the system Redis on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
}

const READY_TIMEOUT_MS = 10_000;

export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-redis-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    '--appendonly', options.aof ? 'yes' : 'no',
    ...(options.aof ? ['--appendfsync', 'always'] : []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function launch(): Promise<void> {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready within ${READY_TIMEOUT_MS} ms: ${output}`)), READY_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        output += d.toString('utf8');
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          proc.stdout!.resume();
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
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
