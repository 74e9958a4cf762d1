import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './fake-smsc';

export interface GatewayProcess {
  child: ChildProcess;
  httpUrl: string;
  metricsUrl: string;
  /** stdout lines so far (JSON logs). */
  stdout: string[];
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const ROOT = path.join(__dirname, '../..');

/**
 * The real entry point (src/main.ts) in a child process, so a test can tell whether the process
 * survived. Resolves once /readyz says the bind is up (so any log level works).
 */
export async function startGatewayProcess(env: Record<string, string>, timeoutMs = 15_000): Promise<GatewayProcess> {
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/ts-register.cjs'), path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SMSGW_HTTP_HOST: '127.0.0.1', SMSGW_HTTP_PORT: String(httpPort), SMSGW_METRICS_PORT: String(metricsPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop()!;
    stdout.push(...lines);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };

  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && child.exitCode === null) {
    const ready = await fetch(`${httpUrl}/readyz`).then((res) => res.status === 200, () => false);
    if (ready) return { child, httpUrl, metricsUrl: `http://127.0.0.1:${metricsPort}`, stdout, stderr: () => stderr, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`gateway process did not become ready: ${stderr || stdout.slice(-5).join('\n')}`);
}
