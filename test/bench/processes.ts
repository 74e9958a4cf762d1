// The benchmark's child processes: started, measured from /proc, and stopped by PID only.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const started = new Set<ChildProcess>();

/** Remembers a child so stopAll() (also on Ctrl-C, errors and exit) ends it. */
export function track<T extends ChildProcess>(child: T): T {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** utime+stime of one process, in seconds (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is the state (field 3)
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function hostCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + ticks[4]!; // idle + iowait
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) in kB. */
export const peakRssKb = (pid: number): number => statusKb(pid, 'VmHWM');

/** Starts a new VmHWM peak from the current RSS (Linux clear_refs "5"), so a phase shows its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // older kernels: the peak then covers the process's whole life, which only overstates it
  }
}

/** Direct children of a process (e.g. the program that coreutils `time` runs). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process and all its descendants (a gateway that forks workers is measured as a whole). */
export function treePids(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(treePids)];
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** TERM, a bounded wait, then KILL: for one child and the processes it started itself. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!child.pid || !alive(child)) return;
  const grandchildren = childPids(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
  for (const pid of grandchildren) killQuietly(pid, 'SIGKILL'); // their own parent had its chance to stop them
}

export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((child) => stop(child)));
}

/** Last resort when the bench process itself exits: no waiting is possible any more. */
export function killAllNow(): void {
  for (const child of started) {
    if (child.pid && alive(child)) {
      for (const pid of childPids(child.pid)) killQuietly(pid, 'SIGKILL');
      killQuietly(child.pid, 'SIGKILL');
    }
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
