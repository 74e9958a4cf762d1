import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The operator CLI as a real process: src/cli/smsgw.ts through the test transpiler (the built
 * dist/src/cli/smsgw.js is the same code; the fresh-clone test runs that one through npx), after
 * `nodeOptions` if any. The environment holds PATH and `env` only, so nothing leaks in from the test
 * runner.
 */
export async function runCli(args: string[], env: Record<string, string> = {}, { nodeOptions = [] as string[], timeoutMs = 20_000 } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/ts-register.cjs'), ...nodeOptions, path.join(ROOT, 'src/cli/smsgw.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
