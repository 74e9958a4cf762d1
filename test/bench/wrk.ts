// Runs wrk (Debian package) with load.lua: an exact number of requests, every answer checked.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { track } from './processes';

export interface LoadSpec {
  url: string;
  kind: 'exsign' | 'sendsms';
  path: string;
  auth: string;
  total: number;
  connections: number;
  threads: number;
  /** requests/s; 0 = closed loop */
  rate: number;
  startIndex: number;
  mix: 'single' | 'mix';
  maxSeconds: number;
}

export interface LoadResult {
  ok: number;
  failed: number;
  answered: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  socket_errors: number;
  late_slots: number;
  max_late_ms: number;
  first_fail: string;
  /** wrk's own user+system CPU, from coreutils time */
  cpuSeconds: number;
}

const LUA = path.join(__dirname, '..', '..', '..', 'test', 'bench', 'load.lua');

export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-wrk-'));
  const timeFile = path.join(dir, 'time');
  const args = [
    '-f', '%U %S', '-o', timeFile,
    'wrk', `-t${spec.threads}`, `-c${spec.connections}`, `-d${spec.maxSeconds}s`, '--latency', '-s', LUA, spec.url, '--',
    String(spec.total), String(spec.threads), spec.kind, spec.path, spec.auth, String(spec.rate), String(spec.startIndex), spec.mix,
    path.join(dir, 'done-'),
  ];
  try {
    const child = track(spawn('/usr/bin/time', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith('RESULT_JSON '));
    if (!line) throw new Error(`wrk gave no result:\n${out.slice(-1500)}`);
    const [user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { ...(JSON.parse(line.slice('RESULT_JSON '.length)) as Omit<LoadResult, 'cpuSeconds'>), cpuSeconds: user! + system! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Requests among indices [start, start+total) of each text kind in load.lua's mix, and their SMS parts. */
export function expectedParts(spec: Pick<LoadSpec, 'total' | 'startIndex' | 'mix'>): number {
  if (spec.mix === 'single') return spec.total;
  let parts = 0;
  for (let i = spec.startIndex; i < spec.startIndex + spec.total; i++) parts += i % 20 >= 14 ? 2 : 1;
  return parts;
}
