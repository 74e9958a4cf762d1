import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createGateway, type Gateway } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/load-config';
import { createLogger } from '../../src/log';

export const TEST_TOKEN = 'exsign-test-token-7f3a9c';
export const tokenHeader = (token = TEST_TOKEN) => `token ${Buffer.from(token).toString('base64')}`;

/** Every log line the gateway wrote, as text and parsed. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestGateway {
  gateway: Gateway;
  config: Config;
  logs: LogCapture;
  url: string;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: { IsSuccess: boolean; ErrorDetails: string }; headers: Headers; ms: number }>;
  stop(): Promise<void>;
}

/** A gateway on loopback port 0 with short timings; env overrides use the real variable names. */
export async function startGateway(smscUrl: string, env: Record<string, string> = {}): Promise<TestGateway> {
  // A fresh data directory (the gateway creates it) unless the test brings its own to inspect.
  const ownDataDir = env.SMSGW_DATA_DIR === undefined ? path.join(tmpdir(), `smsgw-test-${randomUUID()}`) : undefined;
  const config = loadConfig({
    env: {
      NODE_ENV: 'test',
      SMSGW_HTTP_PORT: '0',
      SMSGW_METRICS_PORT: '0',
      SMSGW_AUTH_TOKEN: TEST_TOKEN,
      SMSGW_SMSC_URL: smscUrl,
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_SOURCE_ADDR: 'ExSign',
      SMSGW_REQUEST_DEADLINE_MS: '3000',
      SMSGW_SMSC_RECONNECT_MIN_DELAY_MS: '50',
      SMSGW_SMSC_RECONNECT_MAX_DELAY_MS: '400',
      SMSGW_SMSC_CONNECT_TIMEOUT_MS: '500',
      SMSGW_SMSC_BIND_TIMEOUT_MS: '500',
      SMSGW_SMSC_RETRY_BASE_DELAY_MS: '50',
      SMSGW_SHUTDOWN_DRAIN_MS: '3000',
      SMSGW_LOG_LEVEL: 'debug',
      // Tests send many messages to one number: the abuse limits are off unless a test turns them on.
      SMSGW_LIMITS_ENABLED: 'false',
      ...(ownDataDir ? { SMSGW_DATA_DIR: ownDataDir } : {}),
      ...env,
    },
  });
  const logs = new LogCapture();
  const gateway = createGateway(config, createLogger(config.log.level, logs));
  try {
    await gateway.start();
  } catch (err) {
    // A failed start (an address that cannot be bound) must not leave the other server open.
    await gateway.stop();
    throw err;
  }
  const url = gateway.httpUrl();
  return {
    gateway,
    config,
    logs,
    url,
    async post(body, headers = {}) {
      const started = performance.now();
      const res = await fetch(`${url}${config.http.exsignPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: tokenHeader(), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const json = (await res.json()) as { IsSuccess: boolean; ErrorDetails: string };
      return { status: res.status, json, headers: res.headers, ms: performance.now() - started };
    },
    async stop() {
      await gateway.stop();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` with a gateway of its own, stopped afterwards whatever happens. */
export async function withGateway(smscUrl: string, env: Record<string, string>, body: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startGateway(smscUrl, env);
  try {
    await body(gw);
  } finally {
    await gw.stop();
  }
}

export const sms = (text: string, number = '+447400123456') => ({ MobileNumber: number, MessageText: text });

/** Polls until `predicate` holds or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
