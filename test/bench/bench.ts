// `npm run bench [-- --quick] [-- --kannel] [-- --cpu-prof]`: the gateway's throughput, latency,
// CPU and memory, against the bare library and (with --kannel) against Kannel, on loopback, every
// party in its own process. Prints one markdown table plus the ratios and targets; see
// docs/performance.md.
//
// Processes: the bench SMSC (fast-smsc.js), the gateway (dist/src/main.js, NODE_ENV=production,
// with npm start's node flags), wrk with load.lua, the bare node-smpp client (library-client.js),
// a bare node:http server as the HTTP floor (http-floor.js), Kannel's two boxes. Each is stopped
// by PID at the end, on Ctrl-C and on errors, and each has its own bound on lifetime. `--modes=`
// picks runs (library, http-floor, closed, fixed, receipts, fixed-receipts, mix) to profile one.
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { summarizeProfile } from './cpu-profile-summary';
import { freePort, startFlags, startGatewayProcess, type GatewayProcess } from './gateway-process';
import { ensureKannel, startKannel, type Kannel } from './kannel';
import { cpuSeconds, hostCpuSeconds, killAllNow, peakRssKb, resetPeakRss, stop, stopAll, track, treePids } from './processes';
import { formatReport, median, type Row } from './report';
import { ensureRedis, startRedisServer } from './redis';
import { startSmsc, type SmscControl } from './smsc-control';
import { expectedParts, runWrk, type LoadResult, type LoadSpec } from './wrk';

const ROOT = path.join(__dirname, '..', '..', '..');
const TOKEN = 'bench-token-7f3a';
const AUTH = `token ${Buffer.from(TOKEN).toString('base64')}`;
const EXSIGN_PATH = '/exsign/sms';
const MAX_LIFETIME_S = 900;
const WRK_MAX_S = 120;
/** distinct destination numbers load.lua generates */
const NUMBERS = 300000;

export interface Options {
  quick: boolean;
  kannel: boolean;
  cpuProf: boolean;
  /** requests per saturation run */
  n: number;
  /** SMPP window of the gateway and the bare client (Kannel: max-pending-submits 100) */
  window: number;
  logLevel: string;
  rate: number;
  rateSeconds: number;
  concurrencies: number[];
  /** rounds alternating the gateway with the library, the HTTP floor and (--kannel) Kannel */
  rounds: number;
  kannelLogLevel: number;
  /** gateway entry point relative to the project (experiments, e.g. a node:cluster wrapper) */
  entry: string;
  /** extra node flags for the gateway, e.g. --max-semi-space-size=4 */
  nodeFlags: string[];
  /** which runs to make (all by default); a subset profiles one kind of load */
  modes: Mode[];
}

const MODES = ['library', 'http-floor', 'closed', 'fixed', 'receipts', 'fixed-receipts', 'mix', 'redis'] as const;
type Mode = (typeof MODES)[number];

function parseOptions(argv: string[]): Options {
  const flags = new Map(
    argv.map((arg) => {
      const [, name, value] = /^--([^=]+)(?:=(.*))?$/.exec(arg) ?? [];
      if (!name) throw new Error(`unexpected argument ${arg} (options look like --name or --name=value)`);
      return [name, value] as const;
    }),
  );
  const known = ['quick', 'kannel', 'cpu-prof', 'n', 'window', 'log-level', 'rate', 'rate-seconds', 'concurrency', 'rounds', 'kannel-log-level', 'entry', 'node-flags', 'modes'];
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new Error(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(' ')})`);
  }
  const quick = flags.has('quick');
  const num = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number`);
    return Number(value);
  };
  return {
    quick,
    kannel: flags.has('kannel'),
    cpuProf: flags.has('cpu-prof'),
    n: num('n', quick ? 10000 : 50000),
    window: num('window', 100),
    logLevel: flags.get('log-level') ?? 'warn',
    rate: num('rate', 1000),
    rateSeconds: num('rate-seconds', quick ? 5 : 10),
    concurrencies: (flags.get('concurrency') ?? (quick ? '50' : '10,50,200')).split(',').map(Number),
    rounds: num('rounds', quick ? 1 : 3),
    kannelLogLevel: num('kannel-log-level', 2),
    entry: flags.get('entry') ?? 'dist/src/main.js',
    nodeFlags: (flags.get('node-flags') ?? '').split(',').filter(Boolean),
    modes: parseModes(flags.get('modes')),
  };
}

function parseModes(value: string | undefined): Mode[] {
  if (value === undefined) return [...MODES];
  const modes = value.split(',');
  const unknown = modes.filter((mode) => !(MODES as readonly string[]).includes(mode));
  if (unknown.length) throw new Error(`unknown mode ${unknown.join(', ')} (known: ${MODES.join(',')})`);
  return modes as Mode[];
}

function ensureWrk(): void {
  const missing = [
    ['/usr/bin/wrk', 'wrk'],
    ['/usr/bin/time', 'time'],
  ]
    .filter(([file]) => !existsSync(file!))
    .map(([, pkg]) => pkg!);
  if (!missing.length) return;
  console.log(`apt-get install ${missing.join(' ')}`);
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** CPU seconds of each measured process and of the whole machine, at one instant. */
function snapshot(pids: number[]) {
  return { cpu: pids.map(cpuSeconds), host: hostCpuSeconds(), at: Date.now() };
}
type Snapshot = ReturnType<typeof snapshot>;

/** CPU that processes outside the measurement used in between, in % of all cores. */
function otherCpuPct(before: Snapshot, after: Snapshot, accounted: number): number {
  const total = after.host.total - before.host.total;
  const other = after.host.busy - before.host.busy - accounted;
  return total > 0 ? Math.max(0, (100 * other) / total) : 0;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** CPU seconds spent on `count` messages or requests, in µs each (0 when there were none). */
const usEach = (cpuSeconds: number, count: number) => (count ? (cpuSeconds * 1e6) / count : 0);
/** Requests or submits run, and not counted, before a measured run: the gateway's and the library's JIT warm up alike. */
const warmupCount = (n: number) => Math.min(5000, n);
const log = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

class Bench {
  readonly rows: Row[] = [];
  private nextIndex = 0;

  constructor(
    private readonly opts: Options,
    private readonly smsc: SmscControl,
  ) {}

  /** The bare node-smpp client against the same SMSC: the library's own limit. */
  async library(receipts: boolean, report = true): Promise<Row> {
    await this.smsc.receipts(receipts);
    await this.smsc.reset();
    const simPid = this.smsc.process.pid!;
    const before = snapshot([simPid]);
    const n = this.opts.n;
    const warmup = warmupCount(n);
    const args = [`--port=${this.smsc.port}`, `--n=${n}`, `--warmup=${warmup}`, `--window=${this.opts.window}`, `--registered-delivery=${receipts ? 1 : 0}`];
    const child = track(fork(path.join(__dirname, 'library-client.js'), args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    // its own CPU measure starts after bind; read the total here too, for the "other" column
    let clientCpu = 0;
    const poll = setInterval(() => (clientCpu = cpuSeconds(child.pid!) || clientCpu), 100);
    await new Promise((resolve) => child.once('exit', resolve));
    clearInterval(poll);
    const after = snapshot([simPid]);
    const simCpu = after.cpu[0]! - before.cpu[0]!;
    const r = JSON.parse(out.trim().split('\n').pop() || '{}') as {
      error?: string;
      answered: number;
      failed: number;
      receipts: number;
      msgsPerSecond: number;
      cpuUsPerMessage: number;
      peakRssKb: number;
    };
    const stats = await this.smsc.stats();
    const row: Row = {
      mode: `library limit: bare node-smpp client, window ${this.opts.window}${receipts ? ', receipts' : ''}`,
      kind: receipts ? 'library-receipts' : 'library',
      requestsPerSec: null,
      smscMsgsPerSec: r.msgsPerSecond,
      p50Ms: null,
      p99Ms: null,
      cpuUsPerMsg: r.cpuUsPerMessage,
      peakRssMb: r.peakRssKb / 1024,
      errors: (r.error ? 1 : 0) + r.failed + Math.abs(stats.submits - warmup - n) + (receipts ? n - r.receipts : 0),
      otherCpuPct: otherCpuPct(before, after, simCpu + clientCpu),
      smscCpuUsPerMsg: usEach(simCpu, stats.submits),
      note: r.error,
    };
    return report ? this.push(row) : row;
  }

  /**
   * A server that answers at once under the same load as the gateway: Node's HTTP cost on its own
   * (`node`), or with the gateway's koa stack and body reader on top (`koa`).
   */
  async httpFloor(connections: number, stack: 'node' | 'koa', report = true): Promise<Row> {
    const child = track(fork(path.join(__dirname, 'http-floor.js'), [stack], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as (m: unknown) => void));
    resetPeakRss(child.pid!);
    const spec = this.spec(`http://127.0.0.1:${port}`, 'exsign', connections, this.opts.n, 0, 'single');
    const before = snapshot([child.pid!]);
    const load = await runWrk(spec);
    const after = snapshot([child.pid!]);
    const cpu = after.cpu[0]! - before.cpu[0]!;
    const row: Row = {
      mode:
        stack === 'node'
          ? `HTTP floor: bare node:http server answering at once (no SMPP, no store), ${connections} connections`
          : `HTTP floor on koa: koa, @koa/router and the gateway's body reader answering at once, ${connections} connections`,
      kind: stack === 'koa' ? 'http-floor-koa' : connections === 50 ? 'http-floor' : 'http-floor-other',
      requestsPerSec: load.ok / load.seconds,
      smscMsgsPerSec: 0,
      p50Ms: load.p50_ms,
      p99Ms: load.p99_ms,
      cpuUsPerMsg: usEach(cpu, load.ok),
      peakRssMb: peakRssKb(child.pid!) / 1024,
      errors: load.failed + (spec.total - load.answered),
      otherCpuPct: otherCpuPct(before, after, cpu + load.cpuSeconds),
      loadCpuUsPerReq: usEach(load.cpuSeconds, load.answered),
      note: load.first_fail || undefined,
    };
    await stop(child, 5000);
    return report ? this.push(row) : row;
  }

  private spec(url: string, kind: LoadSpec['kind'], connections: number, total: number, rate: number, mix: LoadSpec['mix']): LoadSpec {
    const spec: LoadSpec = {
      url,
      kind,
      path: kind === 'exsign' ? EXSIGN_PATH : '/cgi-bin/sendsms',
      auth: kind === 'exsign' ? AUTH : '-',
      total,
      connections,
      threads: rate ? 1 : Math.min(2, connections),
      rate,
      startIndex: this.nextIndex,
      mix,
      maxSeconds: WRK_MAX_S,
    };
    this.nextIndex = (this.nextIndex + total) % NUMBERS; // load.lua's numbers repeat after that
    return spec;
  }

  /**
   * One load run against the gateway, measured from the first request to the last submit_sm. With
   * several instances, each gets its share of the connections and requests from a wrk of its own,
   * and their CPU is summed with that of `shared` (the redis-server they use).
   */
  async gateway(
    target: GatewayProcess | GatewayProcess[],
    mode: string,
    o: { connections: number; total: number; rate?: number; receipts: boolean; mix?: LoadSpec['mix']; kind?: string; shared?: number[] },
    report = true,
  ): Promise<Row> {
    const simPid = this.smsc.process.pid!;
    await this.smsc.receipts(o.receipts);
    await this.smsc.reset();
    const gws = Array.isArray(target) ? target : [target];
    const gwPids = [...gws.flatMap((gw) => treePids(gw.pid)), ...(o.shared ?? [])];
    gwPids.forEach(resetPeakRss);
    const specs = gws.map((gw) => this.spec(gw.url, 'exsign', Math.ceil(o.connections / gws.length), Math.floor(o.total / gws.length), (o.rate ?? 0) / gws.length, o.mix ?? 'single'));
    const spec = { ...specs[0]!, total: sum(specs.map((x) => x.total)) };
    const parts = sum(specs.map(expectedParts));
    const before = snapshot([...gwPids, simPid]);
    const load = combineLoads(await Promise.all(specs.map(runWrk)));
    // Answers come after submit_sm_resp, so ok messages are at the SMSC already; the wait lets
    // receipts (sent behind the responses) be acked before the CPU is read.
    const stats = await this.smsc.waitFor((s) => s.submits >= parts && s.receiptsAcked >= s.receiptsSent, 10000);
    const after = snapshot([...gwPids, simPid]);
    const gatewayCpu = sum(gwPids.map((_, i) => after.cpu[i]! - before.cpu[i]!));
    const sharedCpu = sum(gwPids.map((_, i) => (i >= gwPids.length - (o.shared?.length ?? 0) ? after.cpu[i]! - before.cpu[i]! : 0)));
    const simCpu = after.cpu[gwPids.length]! - before.cpu[gwPids.length]!;
    const seconds = (stats.lastMs - before.at) / 1000;
    const row: Row = {
      mode,
      kind: o.kind ?? 'gateway',
      requestsPerSec: load.ok / load.seconds,
      smscMsgsPerSec: seconds > 0 ? stats.submits / seconds : 0,
      p50Ms: load.p50_ms,
      p99Ms: load.p99_ms,
      cpuUsPerMsg: usEach(gatewayCpu, stats.submits),
      peakRssMb: sum(gwPids.map(peakRssKb)) / 1024,
      errors: load.failed + (spec.total - load.answered) + Math.abs(stats.submits - parts) + (stats.receiptsSent - stats.receiptsAcked),
      otherCpuPct: otherCpuPct(before, after, gatewayCpu + simCpu + load.cpuSeconds),
      loadCpuUsPerReq: usEach(load.cpuSeconds, load.answered),
      smscCpuUsPerMsg: usEach(simCpu, stats.submits),
      sharedCpuUsPerMsg: o.shared ? usEach(sharedCpu, stats.submits) : undefined,
      note: [load.first_fail, load.late_slots ? `${load.late_slots} late starts, max ${load.max_late_ms.toFixed(0)} ms` : ''].filter(Boolean).join('; ') || undefined,
    };
    log(`${mode}: ${Math.round(row.smscMsgsPerSec)} msgs/s at the SMSC, p99 ${row.p99Ms} ms, ${row.cpuUsPerMsg.toFixed(0)} µs CPU/msg, errors ${row.errors}`);
    return report ? this.push(row) : row;
  }

  /** Kannel's sendsms under the same load; its answer means "queued", not "the SMSC took it". */
  async kannel(kannel: Kannel, connections: number, total: number): Promise<Row> {
    const simPid = this.smsc.process.pid!;
    await this.smsc.receipts(false);
    await this.smsc.reset();
    const pids = kannel.pids();
    pids.forEach(resetPeakRss);
    const spec = this.spec(kannel.sendsmsUrl, 'sendsms', connections, total, 0, 'single');
    const before = snapshot([...pids, simPid]);
    const load = await runWrk(spec);
    const stats = await this.smsc.waitFor((s) => s.submits >= load.ok, 60000);
    const after = snapshot([...pids, simPid]);
    const kannelCpu = sum(pids.map((_, i) => after.cpu[i]! - before.cpu[i]!));
    const simCpu = after.cpu[pids.length]! - before.cpu[pids.length]!;
    const seconds = (stats.lastMs - before.at) / 1000;
    const row: Row = {
      mode: `Kannel 1.4.5 sendsms, ${connections} connections`,
      kind: 'kannel',
      requestsPerSec: load.ok / load.seconds,
      smscMsgsPerSec: seconds > 0 ? stats.submits / seconds : 0,
      p50Ms: load.p50_ms,
      p99Ms: load.p99_ms,
      cpuUsPerMsg: usEach(kannelCpu, stats.submits),
      peakRssMb: sum(pids.map(peakRssKb)) / 1024,
      errors: load.failed + (spec.total - load.answered) + Math.abs(stats.submits - load.ok),
      otherCpuPct: otherCpuPct(before, after, kannelCpu + simCpu + load.cpuSeconds),
      loadCpuUsPerReq: usEach(load.cpuSeconds, load.answered),
      smscCpuUsPerMsg: usEach(simCpu, stats.submits),
      note: load.first_fail || undefined,
    };
    log(`${row.mode}: ${Math.round(row.smscMsgsPerSec)} msgs/s at the SMSC, errors ${row.errors}`);
    return row;
  }

  push(row: Row): Row {
    this.rows.push(row);
    return row;
  }
}

/** Concurrent wrk runs (one per instance) as one: counts summed, the slower run's time and percentiles. */
function combineLoads(loads: LoadResult[]): LoadResult {
  if (loads.length === 1) return loads[0]!;
  const most = (f: (l: LoadResult) => number) => Math.max(...loads.map(f));
  const total = (f: (l: LoadResult) => number) => sum(loads.map(f));
  return {
    ok: total((l) => l.ok),
    failed: total((l) => l.failed),
    answered: total((l) => l.answered),
    seconds: most((l) => l.seconds),
    p50_ms: most((l) => l.p50_ms),
    p99_ms: most((l) => l.p99_ms),
    max_ms: most((l) => l.max_ms),
    socket_errors: total((l) => l.socket_errors),
    late_slots: total((l) => l.late_slots),
    max_late_ms: most((l) => l.max_late_ms),
    first_fail: loads.map((l) => l.first_fail).find(Boolean) ?? '',
    cpuSeconds: total((l) => l.cpuSeconds),
  };
}

/** The median of each figure over alternating runs, as one row. */
function medianRow(rows: Row[], mode: string, kind: string): Row {
  const m = (f: (r: Row) => number | null) => {
    const xs = rows.map(f).filter((x): x is number => x !== null);
    return xs.length ? median(xs) : null;
  };
  return {
    mode,
    kind,
    requestsPerSec: m((r) => r.requestsPerSec),
    smscMsgsPerSec: m((r) => r.smscMsgsPerSec)!,
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    cpuUsPerMsg: m((r) => r.cpuUsPerMsg)!,
    peakRssMb: Math.max(...rows.map((r) => r.peakRssMb)),
    errors: sum(rows.map((r) => r.errors)),
    otherCpuPct: Math.max(...rows.map((r) => r.otherCpuPct)),
    loadCpuUsPerReq: m((r) => r.loadCpuUsPerReq ?? null) ?? undefined,
    smscCpuUsPerMsg: m((r) => r.smscCpuUsPerMsg ?? null) ?? undefined,
    sharedCpuUsPerMsg: m((r) => r.sharedCpuUsPerMsg ?? null) ?? undefined,
    perRun: rows.map((r) => r.smscMsgsPerSec),
    perRunCpu: rows.map((r) => r.cpuUsPerMsg),
    note: [...new Set(rows.map((r) => r.note).filter(Boolean))].join('; ') || undefined,
  };
}

async function run(opts: Options, dir: string): Promise<void> {
  const startedAt = Date.now();
  ensureWrk();
  if (opts.kannel) ensureKannel();
  const smsc = await startSmsc(MAX_LIFETIME_S);
  const bench = new Bench(opts, smsc);
  log(`bench SMSC on 127.0.0.1:${smsc.port}; work dir ${dir}`);

  const has = (mode: Mode) => opts.modes.includes(mode);
  if (has('library')) {
    await bench.library(false);
    await bench.library(true);
  }

  for (const c of has('http-floor') ? opts.concurrencies : []) {
    await bench.httpFloor(c, 'node');
    await bench.httpFloor(c, 'koa');
  }

  const profileDir = opts.cpuProf ? path.join(dir, 'profile') : undefined;
  const gw = await startGatewayProcess({
    root: ROOT,
    dir,
    smscPort: smsc.port,
    token: TOKEN,
    exsignPath: EXSIGN_PATH,
    window: opts.window,
    logLevel: opts.logLevel,
    cpuProfDir: profileDir,
    entry: opts.entry,
    nodeFlags: opts.nodeFlags,
  });
  log(`gateway pid ${gw.pid} at ${gw.url}`);
  await bench.gateway(gw, 'warm-up', { connections: 50, total: warmupCount(opts.n), receipts: false }, false);
  for (const c of has('closed') ? opts.concurrencies : []) {
    await bench.gateway(gw, `gateway, closed loop, ${c} connections`, { connections: c, total: opts.n, receipts: false, kind: c === 50 ? 'gw-c50' : 'gw-closed' });
  }
  const fixed = { connections: 100, total: opts.rate * opts.rateSeconds, rate: opts.rate };
  if (has('fixed')) {
    await bench.gateway(gw, `gateway, fixed ${opts.rate} req/s for ${opts.rateSeconds} s`, { ...fixed, receipts: false, kind: 'gw-fixed' });
  }
  if (has('receipts')) {
    await bench.gateway(gw, 'gateway, closed loop, 50 connections, receipts', { connections: 50, total: opts.n, receipts: true, kind: 'gw-receipts' });
  }
  if (has('fixed-receipts')) {
    await bench.gateway(gw, `gateway, fixed ${opts.rate} req/s for ${opts.rateSeconds} s, receipts`, { ...fixed, receipts: true, kind: 'gw-fixed-receipts' });
  }
  if (has('mix')) await bench.gateway(gw, 'gateway, closed loop, 50 connections, receipts, multipart mix (20% 2-part GSM-7, 10% 2-part UCS-2)', {
    connections: 50,
    total: opts.n,
    receipts: true,
    mix: 'mix',
    kind: 'gw-mix',
  });

  // The machine is shared and its speed drifts within minutes: the figures the targets compare
  // come from rounds that alternate the gateway with the library, the HTTP floor and Kannel.
  let kannel: Kannel | undefined;
  if (opts.kannel) {
    const kannelDir = path.join(dir, 'kannel');
    mkdirSync(kannelDir);
    kannel = await startKannel({
      dir: kannelDir,
      smscPort: smsc.port,
      ports: { admin: await freePort(), box: await freePort(), sendsms: await freePort() },
      logLevel: opts.kannelLogLevel,
      store: 'none',
      maxSeconds: MAX_LIFETIME_S,
    });
    log('Kannel online');
  }
  if (has('closed')) {
    const [g, l, f, fk, k]: [Row[], Row[], Row[], Row[], Row[]] = [[], [], [], [], []];
    for (let round = 1; round <= opts.rounds; round++) {
      g.push(await bench.gateway(gw, `gateway, alternating round ${round}`, { connections: 50, total: opts.n, receipts: false }, false));
      l.push(await bench.library(false, false));
      f.push(await bench.httpFloor(50, 'node', false));
      fk.push(await bench.httpFloor(50, 'koa', false));
      if (kannel) k.push(await bench.kannel(kannel, 50, opts.n));
    }
    const others = ['the library', 'the HTTP floor', ...(kannel ? ['Kannel'] : [])].join(', ');
    bench.push(medianRow(g, `gateway, closed loop, 50 connections (median of ${g.length} rounds alternating with ${others})`, 'gateway-alt'));
    bench.push(medianRow(l, `library limit, window ${opts.window} (median of ${l.length} alternating rounds)`, 'library-alt'));
    bench.push(medianRow(f, `HTTP floor, 50 connections (median of ${f.length} alternating rounds)`, 'http-floor-alt'));
    bench.push(medianRow(fk, `HTTP floor on koa, 50 connections (median of ${fk.length} alternating rounds)`, 'http-floor-koa-alt'));
    if (kannel) bench.push(medianRow(k, `Kannel 1.4.5 sendsms, 50 connections (median of ${k.length} alternating rounds; answers before the SMSC does)`, 'kannel'));
  }

  if (has('redis')) {
    // The shared store's cost: SQLite rounds alternate with one instance on Redis and two instances
    // on one Redis (one SMSC account), CPU per message including redis-server's.
    ensureRedis();
    const redis = await startRedisServer(path.join(dir, 'redis'), await freePort());
    const sharedHashKey = randomBytes(32).toString('hex');
    const onRedis = async (name: string) => {
      const instanceDir = path.join(dir, name);
      mkdirSync(instanceDir);
      return startGatewayProcess({
        root: ROOT,
        dir: instanceDir,
        smscPort: smsc.port,
        token: TOKEN,
        exsignPath: EXSIGN_PATH,
        window: opts.window,
        logLevel: opts.logLevel,
        entry: opts.entry,
        nodeFlags: opts.nodeFlags,
        cpuProfDir: profileDir && path.join(dir, `profile-${name}`),
        // Instances sharing Redis share the number-hash key too.
        extraEnv: { SMSGW_REDIS_URL: redis.url, SMSGW_NUMBER_HASH_KEY: sharedHashKey },
      });
    };
    const [ra, rb] = [await onRedis('redis-a'), await onRedis('redis-b')];
    log(`gateways on Redis: pids ${ra.pid}, ${rb.pid}; redis-server pid ${redis.pid}`);
    const shared = [redis.pid];
    await bench.gateway(ra, 'warm-up, Redis', { connections: 50, total: warmupCount(opts.n), receipts: false, shared }, false);
    await bench.gateway(rb, 'warm-up, Redis', { connections: 50, total: warmupCount(opts.n), receipts: false, shared }, false);
    const [q, r, t]: [Row[], Row[], Row[]] = [[], [], []];
    for (let round = 1; round <= opts.rounds; round++) {
      q.push(await bench.gateway(gw, `gateway on SQLite, round ${round}`, { connections: 50, total: opts.n, receipts: false }, false));
      r.push(await bench.gateway(ra, `gateway on Redis, round ${round}`, { connections: 50, total: opts.n, receipts: false, shared }, false));
      t.push(await bench.gateway([ra, rb], `two gateways on one Redis, round ${round}`, { connections: 50, total: opts.n, receipts: false, shared }, false));
    }
    const rounds = `median of ${q.length} rounds alternating SQLite, Redis and two instances`;
    bench.push(medianRow(q, `gateway on SQLite (the default), closed loop, 50 connections (${rounds})`, 'store-sqlite'));
    bench.push(medianRow(r, `gateway on Redis, one instance, closed loop, 50 connections; CPU includes redis-server (${rounds})`, 'store-redis'));
    bench.push(medianRow(t, `two gateways on one Redis, one SMSC account, 25 connections each; CPU includes both and redis-server (${rounds})`, 'store-redis-two'));
    await Promise.all([ra.stop(), rb.stop()]);
    await redis.stop();
  }

  await gw.stop();
  await Promise.all((kannel?.processes ?? []).map((p) => stop(p, 15000)));
  let profile = '';
  for (const [what, where] of [['the gateway', profileDir], ['the first gateway on Redis', profileDir && path.join(dir, 'profile-redis-a')]] as const) {
    if (!where || !existsSync(where)) continue;
    const file = readdirSync(where).find((f) => f.endsWith('.cpuprofile'));
    if (file) profile += `CPU profile of ${what} over all its runs (${path.join(where, file)}):\n\n${summarizeProfile(path.join(where, file), 25)}\n\n`;
  }

  const context = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    commit: gitCommit(),
    loadavgBefore: loadavg()[0]!,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    seconds: (Date.now() - startedAt) / 1000,
    gatewayFlags: [...startFlags(ROOT), ...opts.nodeFlags],
  };
  const report = formatReport(bench.rows, { ...opts, cores: cpus().length }, context);
  writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify({ context, opts, rows: bench.rows }, null, 1)}\n`);
  process.stdout.write(`\n${report}\n${profile ? `\n${profile}\n` : ''}\nresults: ${path.join(dir, 'results.json')}; gateway log: ${path.join(dir, 'gateway.log')}\n`);
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-bench-'));
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process the bench started`);
    void stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);
  try {
    await run(opts, dir);
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  void stopAll().finally(() => process.exit(1));
});
