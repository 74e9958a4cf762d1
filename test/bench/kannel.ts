// Kannel 1.4.5 from Debian as the peer gateway: bearerbox + smsbox bound to the bench SMSC,
// configured as in the team's reference harness (transceiver, max-pending-submits 100, no throughput cap).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childPids, track } from './processes';

export interface KannelPorts {
  admin: number;
  box: number;
  sendsms: number;
}

export interface Kannel {
  sendsmsUrl: string;
  /** bearerbox and smsbox themselves (their `timeout` wrappers excluded) */
  pids(): number[];
  processes: ChildProcess[];
}

export interface KannelOptions {
  dir: string;
  smscPort: number;
  ports: KannelPorts;
  /** 0 debug … 4 panic; 2 (warning) keeps it as quiet as the gateway at SMSGW_LOG_LEVEL=warn */
  logLevel: number;
  store: 'none' | 'file';
  maxSeconds: number;
}

/** Installs kannel with apt-get when bearerbox is missing (Debian; needs root). */
export function ensureKannel(): void {
  if (existsSync('/usr/sbin/bearerbox')) return;
  console.log('kannel is not installed: apt-get install kannel');
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', 'kannel'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function config(opts: KannelOptions): string {
  const { dir, ports } = opts;
  const store = opts.store === 'file' ? `store-type = file\nstore-location = "${dir}/kannel.store"\n` : '';
  return `group = core
admin-port = ${ports.admin}
admin-password = bench
status-password = bench
admin-interface = 127.0.0.1
admin-allow-ip = "127.0.0.1"
smsbox-port = ${ports.box}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "${dir}/bearerbox.log"
log-level = ${opts.logLevel}
access-log = "${dir}/access.log"
dlr-storage = internal
${store}
group = smsc
smsc = smpp
smsc-id = bench
host = 127.0.0.1
port = ${opts.smscPort}
transceiver-mode = true
smsc-username = kannel
smsc-password = kannel
system-type = ""
interface-version = 34
max-pending-submits = 100
enquire-link-interval = 30
reconnect-delay = 5
msg-id-type = 0x00
log-file = "${dir}/smsc.log"
log-level = ${opts.logLevel}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.box}
sendsms-port = ${ports.sendsms}
sendsms-interface = 127.0.0.1
log-file = "${dir}/smsbox.log"
log-level = ${opts.logLevel}

group = sendsms-user
username = tester
password = foobar
user-allow-ip = "127.0.0.1"
max-messages = 1
concatenation = false
`;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`Kannel: ${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startKannel(opts: KannelOptions): Promise<Kannel> {
  const conf = path.join(opts.dir, 'kannel.conf');
  writeFileSync(conf, config(opts));
  // coreutils timeout caps each box's life even if the bench itself is killed; -v 4 = console panic only
  const box = (name: string) =>
    track(spawn('timeout', ['-k', '5', String(opts.maxSeconds), `/usr/sbin/${name}`, '-v', '4', conf], { stdio: ['ignore', openSync(path.join(opts.dir, `${name}.out`), 'w'), 'inherit'] }));
  const status = async () => (await fetch(`http://127.0.0.1:${opts.ports.admin}/status.txt?password=bench`)).text();
  const bearerbox = box('bearerbox');
  await until('bearerbox admin port', 20000, async () => (await status()).length > 0);
  const smsbox = box('smsbox');
  await until('SMSC link online', 30000, async () => /bench\[bench\].*\(online/.test(await status()));
  const sendsmsUrl = `http://127.0.0.1:${opts.ports.sendsms}`;
  await until('sendsms port', 20000, async () => (await fetch(`${sendsmsUrl}/cgi-bin/sendsms`)).status > 0);
  const processes = [bearerbox, smsbox];
  return { sendsmsUrl, processes, pids: () => processes.flatMap((p) => (p.pid ? childPids(p.pid) : [])) };
}
