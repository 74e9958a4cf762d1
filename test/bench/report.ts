// The bench's one table, the ratios to the library and to Kannel, and the performance targets.

export interface Row {
  mode: string;
  /** which figure this is, for the ratios: library, library-receipts, gw-closed, gw-c50, gw-receipts,
   *  gw-fixed, gw-fixed-receipts, gw-mix, http-floor, http-floor-other, http-floor-koa, and the medians
   *  of alternating rounds: gateway-alt, library-alt, http-floor-alt, http-floor-koa-alt, kannel */
  kind: string;
  requestsPerSec: number | null;
  /** submit_sm per second at the SMSC, from the start of the load to the last submit_sm (0 for the HTTP floor) */
  smscMsgsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** CPU (user+system) of the measured process(es) per submit_sm */
  cpuUsPerMsg: number;
  peakRssMb: number;
  errors: number;
  /** CPU used by processes outside the measurement (other work on the machine), % of all cores */
  otherCpuPct: number;
  /** CPU of the load generator (wrk) per request and of the bench SMSC per submit_sm in this run, µs */
  loadCpuUsPerReq?: number;
  smscCpuUsPerMsg?: number;
  /** CPU of a process the measured ones share (redis-server) per submit_sm, µs; included in cpuUsPerMsg */
  sharedCpuUsPerMsg?: number;
  /** SMSC msgs/s of each run behind a median row */
  perRun?: number[];
  /** CPU µs per message of each run behind a median row */
  perRunCpu?: number[];
  note?: string;
}

export interface ReportOptions {
  /** cores of the machine, shared by every process of the bench */
  cores: number;
  n: number;
  window: number;
  logLevel: string;
  rate: number;
  kannelLogLevel: number;
}

export interface ReportContext {
  date: string;
  node: string;
  cpus: string;
  commit: string;
  loadavgBefore: number;
  command: string;
  seconds: number;
  /** node flags the gateway ran with, from the start script (plus --node-flags) */
  gatewayFlags: string[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const int = (x: number | null | undefined) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x: number | null) => (x === null ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (x: number) => x.toFixed(2);

export function formatReport(rows: Row[], opts: ReportOptions, ctx: ReportContext): string {
  const out: string[] = [];
  out.push(`Command: \`${ctx.command}\` — ${ctx.date.slice(0, 16).replace('T', ' ')} UTC, commit ${ctx.commit}, Node ${ctx.node}, ${ctx.cpus}, load average before ${ctx.loadavgBefore.toFixed(2)}, ${Math.round(ctx.seconds)} s in all.`);
  out.push(
    `Load: wrk, exact request counts (${opts.n.toLocaleString('en-US')} per closed-loop run), every answer checked; SMPP window ${opts.window}; ` +
      `gateway NODE_ENV=production, SMSGW_LOG_LEVEL=${opts.logLevel}, node flags of npm start (${ctx.gatewayFlags.join(' ') || 'none'}); bench SMSC answers every submit_sm at once; all on 127.0.0.1.`,
    '',
  );
  out.push('| mode | requests/s | SMSC msgs/s | HTTP p50 ms | HTTP p99 ms | CPU µs/msg | peak RSS MB | errors | other CPU % |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out.push(
      `| ${r.mode}${r.note ? ` (${r.note})` : ''} | ${int(r.requestsPerSec)} | ${r.kind.startsWith('http-floor') ? '–' : int(r.smscMsgsPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ` +
        `${int(r.cpuUsPerMsg)} | ${int(r.peakRssMb)} | ${r.errors} | ${int(r.otherCpuPct)} |`,
    );
  }
  out.push(
    '',
    'SMSC msgs/s: submit_sm counted by the SMSC, from the start of the load to the last one. CPU µs/msg: user+system CPU of the ' +
      'measured process(es) per submit_sm (/proc/PID/stat). Peak RSS: VmHWM, reset at the start of each run. Errors: answers without ' +
      '"IsSuccess":true + requests unanswered + |submit_sm at the SMSC − expected parts| + receipts not acked. Other CPU: the ' +
      "machine's busy time not used by the measured processes, the SMSC or wrk (other work on a shared machine skews a run).",
    '',
  );

  const find = (kind: string) => rows.find((r) => r.kind === kind);
  const lib = find('library');
  const libReceipts = find('library-receipts');
  const gw = find('gw-c50');
  const gwReceipts = find('gw-receipts');
  const fixed = find('gw-fixed');
  const fixedReceipts = find('gw-fixed-receipts');
  const kannel = find('kannel');
  // Alternating rounds (bench.ts) give the figures the targets compare; single runs are the fallback.
  const gwAlternating = find('gateway-alt');
  const cpuGw = gwAlternating ?? gw;
  const cpuLib = find('library-alt') ?? lib;
  const floor = find('http-floor-alt') ?? find('http-floor');
  const koaFloor = find('http-floor-koa-alt') ?? find('http-floor-koa');
  const targets: string[] = [];
  const check = (ok: boolean, text: string) => targets.push(`- ${ok ? 'met' : 'NOT MET'}: ${text}`);
  const perRound = (a: Row, b: Row, f: (r: Row) => number[] | undefined) => {
    const xs = f(a) ?? [];
    const ys = f(b) ?? [];
    return xs.map((x, i) => x / (ys[i] ?? NaN)).filter((x) => Number.isFinite(x));
  };

  out.push('Ratios (same run):');
  if (floor && cpuLib && cpuGw) {
    out.push(
      `- where the gateway's CPU per message goes: ${int(floor.cpuUsPerMsg)} µs is Node's HTTP alone (the HTTP floor), ${int(cpuLib.cpuUsPerMsg)} µs ` +
        `the bare library's SMPP; ${int(cpuGw.cpuUsPerMsg - floor.cpuUsPerMsg - cpuLib.cpuUsPerMsg)} µs is the rest (token, JSON shape, number, encoding, ` +
        `record and commit, metrics). The floor plus the library is ${ratio((floor.cpuUsPerMsg + cpuLib.cpuUsPerMsg) / cpuLib.cpuUsPerMsg)} × the library's CPU.`,
    );
  }
  if (floor && koaFloor) {
    out.push(`- koa, @koa/router and the body reader on top of Node's HTTP: ${int(koaFloor.cpuUsPerMsg - floor.cpuUsPerMsg)} µs per request (the koa floor ${int(koaFloor.cpuUsPerMsg)} µs, the bare floor ${int(floor.cpuUsPerMsg)} µs).`);
  }
  if (floor?.loadCpuUsPerReq && cpuLib?.smscCpuUsPerMsg) {
    const ownWorkFree = floor.cpuUsPerMsg + cpuLib.cpuUsPerMsg;
    const oneLoop = 1e6 / ownWorkFree;
    const machine = (opts.cores * 1e6) / (floor.loadCpuUsPerReq + cpuLib.smscCpuUsPerMsg + ownWorkFree);
    const vs = (x: number) => (kannel ? ` = ${ratio(x / kannel.smscMsgsPerSec)} × Kannel` : '');
    out.push(
      `- ceiling for any gateway built on node:http and node-smpp that does nothing else (same run): one event loop carries the floor and ` +
        `the library, 1 core ÷ ${int(ownWorkFree)} µs = ${int(oneLoop)} msgs/s${vs(oneLoop)}; all ${opts.cores} cores, shared with wrk ` +
        `(${int(floor.loadCpuUsPerReq)} µs per request) and the SMSC (${int(cpuLib.smscCpuUsPerMsg)} µs per submit_sm), ${int(machine)} msgs/s${vs(machine)}.`,
    );
  }
  if (lib && gw) {
    out.push(
      `- gateway (50 connections) ÷ library limit, first runs: ${ratio(gw.smscMsgsPerSec / lib.smscMsgsPerSec)} of its msgs/s ` +
        `(${int(gw.smscMsgsPerSec)} vs ${int(lib.smscMsgsPerSec)}), ${ratio(gw.cpuUsPerMsg / lib.cpuUsPerMsg)} × its CPU per message ` +
        `(${int(gw.cpuUsPerMsg)} vs ${int(lib.cpuUsPerMsg)} µs; the gateway's includes HTTP, JSON, number parsing, encoding, metrics).`,
    );
  }
  if (cpuLib && cpuGw) {
    const rounds = perRound(cpuGw, cpuLib, (r) => r.perRunCpu);
    const cpuRatio = rounds.length ? median(rounds) : cpuGw.cpuUsPerMsg / cpuLib.cpuUsPerMsg;
    if (rounds.length) {
      out.push(`- CPU per message, gateway ÷ library, alternating rounds: **${ratio(cpuRatio)}** (median; per round ${rounds.map(ratio).join(', ')}).`);
    }
  }
  if (libReceipts && gwReceipts) {
    out.push(
      `- with receipts: ${ratio(gwReceipts.smscMsgsPerSec / libReceipts.smscMsgsPerSec)} of the library's msgs/s, ` +
        `${ratio(gwReceipts.cpuUsPerMsg / libReceipts.cpuUsPerMsg)} × its CPU per message (${int(gwReceipts.cpuUsPerMsg)} vs ${int(libReceipts.cpuUsPerMsg)} µs).`,
    );
  }
  const vsKannel = gwAlternating;
  if (vsKannel && kannel) {
    const r = vsKannel.smscMsgsPerSec / kannel.smscMsgsPerSec;
    const pairs = perRound(vsKannel, kannel, (row) => row.perRun).map(ratio).join(', ');
    out.push(
      `- gateway ÷ Kannel, SMSC-side msgs/s: **${ratio(r)}** (${int(vsKannel.smscMsgsPerSec)} vs ${int(kannel.smscMsgsPerSec)}, medians of ` +
        `alternating runs; per pair ${pairs}). Kannel (store off, log-level ${opts.kannelLogLevel}) answers its HTTP call once the message is queued, ` +
        'before the SMSC has it; the gateway answers only after the SMSC\'s ESME_ROK, so the HTTP latencies are not comparable.',
    );
    check(r >= 1, `SMSC-side msgs/s at least Kannel's: ${ratio(r)} ×`);
    check(
      vsKannel.cpuUsPerMsg <= kannel.cpuUsPerMsg,
      `CPU per message at most Kannel's (bearerbox + smsbox): ${int(vsKannel.cpuUsPerMsg)} vs ${int(kannel.cpuUsPerMsg)} µs, ${ratio(vsKannel.cpuUsPerMsg / kannel.cpuUsPerMsg)} ×`,
    );
  }
  const saturated = gwAlternating ?? gw;
  if (saturated) check((saturated.p99Ms ?? Infinity) <= 20, `HTTP p99 at most 20 ms at 50 connections, saturated: ${ms(saturated.p99Ms)} ms`);
  if (fixed) check((fixed.p99Ms ?? Infinity) <= 5, `HTTP p99 at most 5 ms at ${opts.rate} req/s: ${ms(fixed.p99Ms)} ms`);
  if (fixedReceipts) check((fixedReceipts.p99Ms ?? Infinity) <= 5, `HTTP p99 at most 5 ms at ${opts.rate} req/s, receipts on: ${ms(fixedReceipts.p99Ms)} ms`);
  const sqlite = find('store-sqlite');
  const redis = find('store-redis');
  const two = find('store-redis-two');
  if (sqlite && redis) {
    const rounds = perRound(redis, sqlite, (r) => r.perRun);
    const kept = rounds.length ? median(rounds) : redis.smscMsgsPerSec / sqlite.smscMsgsPerSec;
    out.push(
      `- shared store: one instance on Redis keeps **${ratio(kept)}** of its SQLite msgs/s (median of per-round ratios ${rounds.map(ratio).join(', ')}; ` +
        `${int(redis.smscMsgsPerSec)} vs ${int(sqlite.smscMsgsPerSec)}) at ${int(redis.cpuUsPerMsg)} vs ${int(sqlite.cpuUsPerMsg)} µs CPU per message ` +
        `(of Redis's, ${int(redis.sharedCpuUsPerMsg)} µs are redis-server's); HTTP p99 ${ms(redis.p99Ms)} vs ${ms(sqlite.p99Ms)} ms.`,
    );
    if (two) {
      out.push(
        `- two instances on one Redis: ${int(two.smscMsgsPerSec)} msgs/s at the SMSC, ${ratio(two.smscMsgsPerSec / redis.smscMsgsPerSec)} × one instance, ` +
          `${int(two.cpuUsPerMsg)} µs CPU per message (both gateways and redis-server), p99 ${ms(two.p99Ms)} ms, on the same ${opts.cores} cores as wrk and the SMSC.`,
      );
    }
    check(kept >= 0.7, `one instance on Redis keeps at least 70 % of its SQLite msgs/s: ${Math.round(kept * 100)} %`);
  }
  // The Redis rows count redis-server (and a second instance) in their RSS: only their errors count here.
  const gatewayRows = rows.filter((r) => r.kind.startsWith('gw') || r.kind === 'gateway-alt' || r.kind === 'store-sqlite');
  const allGatewayRows = [...gatewayRows, ...rows.filter((r) => r.kind.startsWith('store-redis'))];
  if (allGatewayRows.length) {
    const peak = Math.max(...gatewayRows.map((r) => r.peakRssMb));
    check(peak <= 100, `gateway peak RSS at most 100 MB: ${int(peak)} MB (highest of its runs)`);
    const errors = allGatewayRows.reduce((a, r) => a + r.errors, 0);
    check(errors === 0, `no errors in the gateway's runs: ${errors}`);
  }
  out.push('', 'Targets:', ...targets);
  return out.join('\n');
}
