// Starts fast-smsc.js in its own process and talks to it over the IPC channel.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { track } from './processes';

export interface SmscStats {
  submits: number;
  /** submit_sm with UDHI set (parts of concatenated messages). */
  udhParts: number;
  firstMs: number;
  lastMs: number;
  receiptsSent: number;
  receiptsAcked: number;
  binds: number;
  sessions: number;
}

export interface SmscControl {
  port: number;
  process: ChildProcess;
  stats(): Promise<SmscStats>;
  reset(): Promise<SmscStats>;
  receipts(on: boolean): Promise<SmscStats>;
  /** Polls until `done(stats)` or the timeout; returns the last stats either way. */
  waitFor(done: (s: SmscStats) => boolean, timeoutMs: number): Promise<SmscStats>;
}

export async function startSmsc(maxSeconds: number): Promise<SmscControl> {
  const child = track(fork(path.join(__dirname, 'fast-smsc.js'), [`--max-seconds=${maxSeconds}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const waiting = new Map<number, (stats: SmscStats) => void>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`SMSC simulator exited (${code}) before listening`)));
    child.on('message', (msg: { id: number; listening?: number; stats?: SmscStats }) => {
      if (msg.listening) resolve(msg.listening);
      else if (msg.stats) waiting.get(msg.id)?.(msg.stats);
      waiting.delete(msg.id);
    });
  });
  const call = (cmd: string, extra: object = {}) =>
    new Promise<SmscStats>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, cmd, ...extra }, (err) => err && reject(err));
    });
  const control: SmscControl = {
    port,
    process: child,
    stats: () => call('stats'),
    reset: () => call('reset'),
    receipts: (on) => call('receipts', { on }),
    async waitFor(done, timeoutMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const stats = await control.stats();
        if (done(stats) || Date.now() > end) return stats;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return control;
}
