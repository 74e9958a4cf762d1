import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, waitFor } from '../support/gateway';

const root = path.resolve(__dirname, '../..');
const main = path.join(root, 'dist/src/main.js');

interface GatewayProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  url: string;
  exit: Promise<number | null>;
}

/** Runs the built gateway as `npm start` would, collecting its JSON log lines. */
async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [main], {
    cwd: mkdtempSync(path.join(tmpdir(), 'smsgw-proc-')),
    env: { PATH: process.env.PATH, SMSGW_HTTP_PORT: '0', SMSGW_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': only then has everything the process wrote been read.
  const exit = once(child, 'close').then(([code]) => code as number | null);
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(JSON.parse(line)));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    await waitFor(() => logs.some((l) => l.msg === 'gateway listening'), 'gateway listening', 10000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; stderr: ${stderr}`);
  }
  const url = String(logs.find((l) => l.msg === 'gateway listening')!.http);
  return { child, logs, url, exit };
}

const post = async (url: string, body: unknown, token: string) => {
  const res = await fetch(`${url}/exsign/sms`, {
    method: 'POST',
    headers: { authorization: `token ${Buffer.from(token).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { IsSuccess: boolean; ErrorDetails: string };
};

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root });
}, 60000);

describe('the gateway process', () => {
  it('starts in the development profile with the built-in simulator, loudly labelled, and delivers receipts', async () => {
    const gw = await spawnGateway({ SMSGW_SIMULATOR_RECEIPT_DELAY_MS: '100', SMSGW_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'smsgw-data-')) });
    try {
      const banner = gw.logs.find((l) => String(l.msg).includes('NO SMS LEAVES THIS MACHINE'));
      expect(banner).toMatchObject({ level: 40 });
      await waitFor(() => gw.logs.some((l) => l.to === 'bound'), 'bound', 5000);
      expect(await post(gw.url, sms('Your OTP is 1344'), 'dev-token')).toEqual({ IsSuccess: true, ErrorDetails: '' });
      await waitFor(() => gw.logs.some((l) => l.msg === 'delivery receipt' && l.stat === 'DELIVRD'), 'a receipt', 5000);
      gw.child.kill('SIGTERM');
      expect(await gw.exit).toBe(0);
    } finally {
      gw.child.kill('SIGKILL');
    }
  });

  it('refuses to start with a bad setting, naming the key and its env var on one line', async () => {
    const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toBe('Invalid configuration: smsc.url (SMSGW_SMSC_URL): required in production (or SMSCs listed in smscs)\n');
  });

  it('on SIGTERM answers new requests "shutting down", drains in-flight ones, unbinds and exits 0', async () => {
    const { smsc, url } = await startFakeSmsc(behaviours.slow(800));
    const gw = await spawnGateway({
      NODE_ENV: 'production',
      SMSGW_SMSC_URL: url,
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_AUTH_TOKEN: 'process-test-token-0123',
      SMSGW_NUMBER_HASH_KEY: 'process-test-number-hash-key-0123456789',
      SMSGW_ALLOWED_COUNTRIES: 'GB',
      SMSGW_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'smsgw-data-')),
    });
    try {
      await waitFor(() => gw.logs.some((l) => l.to === 'bound'), 'bound', 5000);
      // Five numbers: production's per-number limit (3 per 10 min) stays on.
      const inflight = Array.from({ length: 5 }, (_, i) => post(gw.url, sms(`code ${i}`, `+44740012345${i}`), 'process-test-token-0123'));
      await waitFor(() => smsc.submits.length === 5, '5 submits at the SMSC');
      const unbound = once(smsc, 'unbind');
      gw.child.kill('SIGTERM');
      await waitFor(() => gw.logs.some((l) => l.signal === 'SIGTERM'), 'signal logged');
      expect(await post(gw.url, sms('late'), 'process-test-token-0123')).toEqual({ IsSuccess: false, ErrorDetails: 'Gateway shutting down; retry on another instance' });
      for (const answer of await Promise.all(inflight)) expect(answer).toEqual({ IsSuccess: true, ErrorDetails: '' });
      await unbound;
      expect(await gw.exit).toBe(0);
      // Exit code 0 alone would not tell a finished shutdown from a process that ran out of work
      // while waiting for its store's checkpoint worker.
      const messages = gw.logs.map((l) => l.msg);
      expect(messages).toContain('gateway stopped');
      expect(messages.lastIndexOf('gateway stopped')).toBeGreaterThan(messages.indexOf('SMPP bind unbinding -> stopped (stopped)'));
      expect(smsc.submits).toHaveLength(5);
    } finally {
      gw.child.kill('SIGKILL');
      await smsc.stop();
    }
  });
});
