// A redis-server (Debian's package) for the bench's shared-store rows: its own port and directory,
// AOF with appendfsync everysec as docs/several-instances.md recommends, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { stop, track } from './processes';

export interface RedisProcess {
  url: string;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function ensureRedis(): void {
  if (!existsSync('/usr/bin/redis-server')) throw new Error('redis-server is missing: apt-get install redis-server (.ci/run installs it)');
}

export async function startRedisServer(dir: string, port: number): Promise<RedisProcess> {
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')];
  const child = track(spawn('/usr/bin/redis-server', args, { stdio: 'ignore' }));
  const url = `redis://127.0.0.1:${port}`;
  const { createConnection } = await import('node:net');
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${dir}/redis.log`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (answered) break;
    if (Date.now() > until) throw new Error(`redis-server not answering within 10 s; see ${dir}/redis.log`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid!, process: child, stop: () => stop(child, 10_000) };
}
