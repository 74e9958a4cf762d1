// SMSGW_WORKERS: node:cluster workers behind one port, sharing state on a real redis-server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { sms, tokenHeader, TEST_TOKEN, waitFor } from '../support/gateway';
import { startGatewayProcess } from '../support/gateway-process';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';

const ROOT = path.join(__dirname, '../..');

/** The gateway from source, expected to refuse its configuration: its exit code and stderr. */
async function refusal(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/ts-register.cjs'), path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', SMSGW_AUTH_TOKEN: TEST_TOKEN, SMSGW_SMSC_URL: 'smpp://127.0.0.1:1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

const post = async (url: string, body: unknown, token = TEST_TOKEN) => {
  const res = await fetch(`${url}/exsign/sms`, { method: 'POST', headers: { authorization: tokenHeader(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as { IsSuccess: boolean; ErrorDetails: string };
};

const series = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1));

describe('SMSGW_WORKERS', () => {
  it('refuses more than one worker without Redis, and fewer sessions than workers, in one line', async () => {
    expect(await refusal({ SMSGW_WORKERS: '2' })).toEqual({
      code: 1,
      stderr: 'Invalid configuration: workers (SMSGW_WORKERS): 2 workers need SMSGW_REDIS_URL: workers share limits, records and receipts through Redis\n',
    });
    expect(await refusal({ SMSGW_WORKERS: '3', SMSGW_SMSC_SESSIONS: '2', SMSGW_REDIS_URL: 'redis://127.0.0.1:1' })).toEqual({
      code: 1,
      stderr: 'Invalid configuration: workers (SMSGW_WORKERS): SMSC "default" has 2 session(s) and each of the 3 workers needs at least one: set SMSGW_SMSC_SESSIONS (or its sessions) to at least SMSGW_WORKERS\n',
    });
  });

  (hasRedis() ? describe : describe.skip)('with Redis', () => {
    let redis: RedisServer;
    const dirs: string[] = [];
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    const env = (smscUrl: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-workers-'));
      dirs.push(dir);
      return {
        NODE_ENV: 'test',
        SMSGW_AUTH_TOKEN: TEST_TOKEN,
        SMSGW_SMSC_URL: smscUrl,
        SMSGW_SMSC_SYSTEM_ID: 'smsgw',
        SMSGW_SMSC_PASSWORD: 'secret12',
        SMSGW_SOURCE_ADDR: 'ExSign',
        SMSGW_LIMITS_ENABLED: 'false',
        SMSGW_WORKERS: '2',
        SMSGW_SMSC_SESSIONS: '2',
        SMSGW_REDIS_URL: redis.url,
        SMSGW_DATA_DIR: dir,
        SMSGW_LOG_LEVEL: 'info',
      };
    };

    it('serves one port from both workers, each binding one of the two sessions, with one /metrics summing them; SIGHUP reloads every worker', async () => {
      const { smsc, url } = await startFakeSmsc();
      const tokenFile = path.join(mkdtempSync(path.join(tmpdir(), 'smsgw-workers-token-')), 'token');
      dirs.push(path.dirname(tokenFile));
      writeFileSync(tokenFile, `${TEST_TOKEN}\n`, { mode: 0o600 });
      const { SMSGW_AUTH_TOKEN: _inline, ...rest } = env(url);
      const gw = await startGatewayProcess({ ...rest, SMSGW_AUTH_TOKEN_FILE: tokenFile });
      try {
        await waitFor(() => smsc.sessions.length === 2, 'two binds, one per worker');
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(gw.httpUrl, sms(`Your code is ${i}`, `+4474001${String(i).padStart(5, '0')}`))));
        expect(answers.every((a) => a.IsSuccess)).toBe(true);
        expect(smsc.submits).toHaveLength(20);
        const served = new Set(gw.stdout.filter((l) => l.includes('"msg":"exsign request"')).map((l) => (JSON.parse(l) as { worker: number }).worker));
        expect(served).toEqual(new Set([0, 1]));
        const text = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
        expect(series(text, 'smsgw_http_requests_total{outcome="success"}')).toBe(20);
        expect(series(text, 'smsgw_smpp_submit_sm_total{smsc="default",command_status="ESME_ROK"}')).toBe(20);
        expect(series(text, 'smsgw_smpp_bind_up{smsc="default",session="0"}')).toBe(1);
        expect(series(text, 'smsgw_smpp_bind_up{smsc="default",session="1"}')).toBe(1);
        expect(series(text, 'smsgw_redis_up')).toBe(1);
        expect(text.match(/^smsgw_build_info\{/gm)).toHaveLength(1);
        expect(series(text.replace(/smsgw_build_info\{[^}]*\}/, 'smsgw_build_info'), 'smsgw_build_info')).toBe(1);

        // systemctl reload signals the primary; it passes the signal on and each worker reloads.
        const rotated = 'rotated-worker-token-5d1e';
        writeFileSync(tokenFile, `${rotated}\n`);
        gw.child.kill('SIGHUP');
        const reloaded = () => new Set(gw.stdout.filter((l) => l.includes('configuration reloaded: auth.token')).map((l) => (JSON.parse(l) as { worker: number }).worker));
        await waitFor(() => reloaded().size === 2, 'both workers reloaded');
        const after = await Promise.all(Array.from({ length: 10 }, (_, i) => post(gw.httpUrl, sms(`Your code is ${i}`, `+4474003${String(i).padStart(5, '0')}`), rotated)));
        expect(after.every((a) => a.IsSuccess)).toBe(true);
        expect((await post(gw.httpUrl, sms('old token', '+447400499999'))).ErrorDetails).toMatch(/token/i);
      } finally {
        await gw.stop();
        await smsc.stop();
      }
    }, 30_000);

    it('on SIGTERM drains every worker: in-flight requests answered, both sessions unbound, exit 0', async () => {
      const { smsc, url } = await startFakeSmsc(behaviours.slow(800));
      const gw = await startGatewayProcess(env(url));
      try {
        await waitFor(() => smsc.sessions.length === 2, 'two binds');
        const inflight = Array.from({ length: 6 }, (_, i) => post(gw.httpUrl, sms(`code ${i}`, `+4474002${String(i).padStart(5, '0')}`)));
        await waitFor(() => smsc.submits.length === 6, '6 submits at the SMSC');
        let unbinds = 0;
        smsc.on('unbind', () => unbinds++);
        const code = gw.stop();
        for (const answer of await Promise.all(inflight)) expect(answer).toEqual({ IsSuccess: true, ErrorDetails: '' });
        expect(await code).toBe(0);
        expect(unbinds).toBe(2);
        expect(gw.stdout.some((l) => l.includes('all workers stopped'))).toBe(true);
      } finally {
        await gw.stop();
        await smsc.stop();
      }
    }, 30_000);
  });
});
