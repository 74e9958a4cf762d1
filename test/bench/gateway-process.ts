// The gateway under test as its own process: dist/src/main.js in production mode, configured only
// through its SMSGW_ environment variables, bound to the bench SMSC.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { stop, track } from './processes';

export interface GatewayProcess {
  url: string;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  root: string;
  dir: string;
  smscPort: number;
  token: string;
  exsignPath: string;
  window: number;
  logLevel: string;
  /** script to run, relative to root: dist/src/main.js, or an experiment's wrapper around it */
  entry: string;
  nodeFlags: string[];
  /** directory for node --cpu-prof, written when the gateway exits */
  cpuProfDir?: string;
  extraEnv?: Record<string, string>;
}

/** The node flags of `npm start` (e.g. the heap cap), so the gateway is measured as it runs. */
export function startFlags(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const match = /^node((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(scripts.start.trim());
  if (!match) throw new Error(`cannot read node flags from the start script "${scripts.start}"`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startGatewayProcess(o: GatewayProcessOptions): Promise<GatewayProcess> {
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  // The developer's own SMSGW_ settings must not leak into the measured configuration.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SMSGW_')));
  Object.assign(env, {
    NODE_ENV: 'production',
    SMSGW_HTTP_HOST: '127.0.0.1',
    SMSGW_HTTP_PORT: String(httpPort),
    SMSGW_METRICS_PORT: String(metricsPort),
    SMSGW_EXSIGN_PATH: o.exsignPath,
    SMSGW_AUTH_TOKEN: o.token,
    SMSGW_ALLOWED_IPS: '127.0.0.1',
    SMSGW_SMSC_URL: `smpp://127.0.0.1:${o.smscPort}`,
    SMSGW_SMSC_SYSTEM_ID: 'bench',
    SMSGW_SMSC_PASSWORD: 'bench',
    SMSGW_SOURCE_ADDR: '12345',
    SMSGW_SMSC_WINDOW: String(o.window),
    SMSGW_LOG_LEVEL: o.logLevel,
    SMSGW_DATA_DIR: path.join(o.dir, 'data'),
    SMSGW_LIMITS_ENABLED: 'false', // abuse limits would (rightly) refuse a load test's traffic
    // Production's start-up requirements, as the team's reference harness sets them.
    SMSGW_ALLOWED_COUNTRIES: '*',
    SMSGW_NUMBER_HASH_KEY: randomBytes(32).toString('hex'),
    ...o.extraEnv,
  });
  const log = openSync(path.join(o.dir, 'gateway.log'), 'a');
  const execArgv = ['-r', path.join(__dirname, 'exit-with-parent.js'), ...startFlags(o.root), ...o.nodeFlags];
  if (o.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`);
  const child = track(fork(path.join(o.root, o.entry), [], { cwd: o.root, env, execArgv, stdio: ['ignore', log, log, 'ipc'] }));
  const url = `http://127.0.0.1:${httpPort}`;
  const end = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}; see ${o.dir}/gateway.log`);
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > end) throw new Error(`gateway not ready within 30 s; see ${o.dir}/gateway.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, process: child, stop: () => stop(child, 20000) };
}
