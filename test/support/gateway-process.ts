import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { freePort } from './fake-smsc';

export interface GatewayProcess {
  child: ChildProcess;
  httpUrl: string;
  metricsUrl: string;
  /** smtp://host:port of the Email-to-SMS listener, when it is on (from the 'gateway listening' line). */
  smtpUrl: string | undefined;
  /** stdout lines so far (JSON logs). */
  stdout: string[];
  /** stdout lines so far, parsed. */
  logs(): Record<string, unknown>[];
  stderr(): string;
  /** The value of one exported series, e.g. 'smsgw_dlr_callbacks_total{outcome="sent"}'. */
  metric(series: string): Promise<number>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const ROOT = path.join(__dirname, '../..');

function spawnGateway(env: Record<string, string>, ports: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/ts-register.cjs'), path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SMSGW_HTTP_HOST: '127.0.0.1', ...ports, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Log levels that show the 'gateway listening' line (info). */
const SHOWS_LISTENING = new Set(['trace', 'debug', 'info']);

/** The level the gateway will log at: its configuration's (the test profile's default is silent). */
function logLevelOf(env: Record<string, string>): string {
  try {
    return loadConfig({ env }).log.level;
  } catch {
    return 'info'; // a configuration the gateway will refuse: it exits before listening anyway
  }
}

/**
 * The real entry point (src/main.ts) in a child process, so a test can tell whether the process
 * survived. Its listeners take free ports (port 0) and the gateway's 'gateway listening' line
 * hands them on; a gateway that logs above info (the test profile's default is silent) gets ports
 * picked before the start instead (closed and reused, so another process could take one first).
 * Resolves once /readyz says the bind is up, or with `until: 'listening'` once /healthz answers
 * (for a gateway whose SMSC is not there).
 */
export async function startGatewayProcess(env: Record<string, string>, options: { timeoutMs?: number; until?: 'ready' | 'listening' } = {}): Promise<GatewayProcess> {
  const fromLog = SHOWS_LISTENING.has(logLevelOf(env));
  if (!fromLog && env.SMSGW_SMTP_PORT === '0') throw new Error('SMSGW_SMTP_PORT=0 needs SMSGW_LOG_LEVEL=info or lower: the port is read from the "gateway listening" line');
  const ports = fromLog ? { http: 0, metrics: 0 } : { http: await freePort(), metrics: await freePort() };
  const child = spawnGateway(env, { SMSGW_HTTP_PORT: String(ports.http), SMSGW_METRICS_PORT: String(ports.metrics) });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop()!;
    stdout.push(...lines);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // 'close', not 'exit': only then has everything the process wrote been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };

  let httpUrl = `http://127.0.0.1:${ports.http}`;
  let metricsUrl = `http://127.0.0.1:${ports.metrics}`;
  let smtpUrl: string | undefined;
  /** The addresses the gateway announced; with workers, the primary announces /metrics on a line of its own. */
  const listening = () => {
    const records = stdout.filter((l) => l.includes('"msg":"gateway listening"') || l.includes('"msg":"metrics listening')).map((l) => JSON.parse(l) as { http?: string; metrics?: string; smtp?: string });
    const gateway = records.find((r) => r.http !== undefined);
    const metrics = records.find((r) => r.metrics !== undefined)?.metrics;
    return gateway && metrics ? { http: gateway.http!, metrics, smtp: gateway.smtp } : undefined;
  };
  const metric = async (series: string) => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`no series ${series}`);
    return Number(line.slice(series.length + 1));
  };
  const probe = options.until === 'listening' ? '/healthz' : '/readyz';
  const until = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < until && child.exitCode === null) {
    const announced = fromLog ? listening() : { http: httpUrl, metrics: `${metricsUrl}/metrics`, smtp: undefined };
    if (announced) {
      httpUrl = announced.http;
      metricsUrl = announced.metrics.replace(/\/metrics$/, '');
      smtpUrl = announced.smtp;
      const ready = await fetch(`${httpUrl}${probe}`).then((res) => res.status === 200, () => false);
      if (ready) return { child, httpUrl, metricsUrl, smtpUrl, stdout, logs: () => stdout.map((line) => JSON.parse(line) as Record<string, unknown>), stderr: () => stderr, metric, stop };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`gateway process did not become ready: ${stderr || stdout.slice(-5).join('\n')}`);
}

/**
 * `npm start` in a checkout: the development profile (built-in SMSC simulator, the SMTP listener
 * on), on free ports instead of 8080, 9464 and 2525, with a data directory of its own that stop()
 * removes.
 */
export async function startDevelopmentProfile(): Promise<GatewayProcess & { smtpPort: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'smsgw-dev-'));
  try {
    const gw = await startGatewayProcess({ NODE_ENV: 'development', SMSGW_SMTP_PORT: '0', SMSGW_DATA_DIR: dataDir });
    const smtpPort = Number(new URL(gw.smtpUrl!).port);
    const stop = async () => {
      const code = await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    };
    return { ...gw, smtpPort, stop };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Starts the gateway expecting it to refuse: resolves with its exit code and what it wrote. */
export async function runGatewayToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnGateway(env, { SMSGW_HTTP_PORT: '0', SMSGW_METRICS_PORT: '0' });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The token productionEnv() configures. */
export const PROCESS_TOKEN = 'process-test-token-5d21c8a0';

/**
 * What production requires, for a gateway bound to `smscUrl`: SMSC credentials, a token, a
 * number-hash key in a file of its own (mode 0600) and a country policy (GB), with a fresh data
 * directory; all under `workDir`. `extra` overrides any of it.
 */
export function productionEnv(smscUrl: string, workDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const keyFile = path.join(mkdtempSync(path.join(workDir, 'secrets-')), 'number-hash.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return {
    NODE_ENV: 'production',
    SMSGW_SMSC_URL: smscUrl,
    SMSGW_SMSC_SYSTEM_ID: 'smsgw',
    SMSGW_SMSC_PASSWORD: 'secret12',
    SMSGW_AUTH_TOKEN: PROCESS_TOKEN,
    SMSGW_SOURCE_ADDR: 'ExSign',
    SMSGW_NUMBER_HASH_KEY_FILE: keyFile,
    SMSGW_ALLOWED_COUNTRIES: 'GB',
    SMSGW_DATA_DIR: mkdtempSync(path.join(workDir, 'data-')),
    SMSGW_SMSC_RECONNECT_MIN_DELAY_MS: '50',
    SMSGW_SMSC_RECONNECT_MAX_DELAY_MS: '200',
    ...extra,
  };
}

export const exsignBody = (number: string, text: string) => JSON.stringify({ MobileNumber: number, MessageText: text });

/** POSTs to the ExSign path with PROCESS_TOKEN; the contract answer and X-Message-Id. */
export async function postExsign(gw: GatewayProcess, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.httpUrl}/exsign/sms`, {
    method: 'POST',
    headers: { authorization: `token ${Buffer.from(PROCESS_TOKEN).toString('base64')}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { json: (await res.json()) as { IsSuccess: boolean; ErrorDetails: string }, messageId: res.headers.get('x-message-id')! };
}

/** GET /messages/:id with PROCESS_TOKEN. */
export async function getMessage(gw: GatewayProcess, id: string) {
  const res = await fetch(`${gw.httpUrl}/messages/${id}`, { headers: { authorization: `token ${Buffer.from(PROCESS_TOKEN).toString('base64')}` } });
  return { status: res.status, text: await res.text() };
}
