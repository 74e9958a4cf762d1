// Runs a program to its end without blocking the event loop (unlike spawnSync), so servers the test
// runs in its own process (a fake SMSC, a gateway) keep answering it meanwhile.
import { spawn, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runCommand(command: string, args: string[], options: SpawnOptions = {}): Promise<CommandRun> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}
