// A real Prometheus (Debian's /usr/bin/prometheus) for system tests: loopback only, a temporary
// storage directory, ended by its PID. Tests that need it skip where it is not installed (tools.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './fake-smsc';
import { hasTool } from './tools';

export const hasPrometheus = hasTool('prometheus', ['--version']);
export const hasPromtool = hasTool('promtool', ['--version']);
/** `test` where promtool runs (always under SMSGW_TEST_REQUIRE_TOOLS), else `test.skip`. */
export const withPromtool = hasPromtool ? test : test.skip;

/** The envelope of every /api/v1 answer; errors come back as HTTP 4xx with the same shape. */
export interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export interface Series {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

export interface RuleState {
  name: string;
  type: 'alerting' | 'recording';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  lastEvaluation: string;
  state?: 'inactive' | 'pending' | 'firing';
  alerts?: { labels: Record<string, string>; state: string }[];
}

export interface PrometheusOptions {
  jobName: string;
  /** host:port of each scrape target. */
  targets: string[];
  /** Absolute paths of rule files to load. */
  ruleFiles: string[];
  scrapeIntervalSeconds?: number;
}

export interface PrometheusServer {
  readonly url: string;
  readonly pid: number;
  api<T>(endpoint: string, params?: Record<string, string | string[]>): Promise<ApiAnswer<T>>;
  /** What the process wrote (for failure messages). */
  output(): string;
  /** Ends the process by its PID (SIGTERM, SIGKILL after 5 s) and removes its storage. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 5_000;
const OUTPUT_LIMIT = 16_384;

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-prometheus-'));
  const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
  // JSON is valid YAML, so the config needs no YAML writer.
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: opts.ruleFiles,
    scrape_configs: [{ job_name: opts.jobName, metrics_path: '/metrics', static_configs: [{ targets: opts.targets }] }],
  };
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  // freePort() can race with another process taking the port: retry a few times on that alone.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      return await whenReady(child, `http://127.0.0.1:${port}`, dir);
    } catch (err) {
      if (attempt < 3 && /address already in use/.test(String(err))) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

async function whenReady(child: ChildProcess, url: string, dir: string): Promise<PrometheusServer> {
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      resolve();
    };
    child.once('exit', done);
    // Not startable at all (ENOENT, EACCES): no 'exit' follows.
    child.once('error', (err) => {
      append(Buffer.from(`${err.message}\n`));
      done();
    });
  });
  // Last resort if the test process dies without afterAll: do not leave Prometheus behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`prometheus exited during start-up:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`prometheus not ready within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop,
    async api<T>(endpoint: string, params: Record<string, string | string[]> = {}) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(params)) {
        for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
      }
      const res = await fetch(`${url}/api/v1/${endpoint}?${query}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return (await res.json()) as ApiAnswer<T>;
    },
  };
}
