// A private Postfix instance (Debian's postfix, root only) for a test: its own config_directory,
// queue_directory, data_directory and log file under one temporary directory, and an smtpd on a
// loopback port of its own. It is started and stopped through its own configuration directory
// (`postfix -c DIR start|stop`, then its master's PID is waited for), so a system Postfix, if the
// machine runs one, is neither used nor touched.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './fake-smsc';
import { runCommand, type CommandRun } from './run-command';
import { eventually } from './status-api';
import { hasRootTool } from './tools';

export const hasPostfix = hasRootTool('postconf', ['-d', 'mail_version']);


export interface PrivatePostfix {
  /** Its config_directory: main.cf and master.cf are there. */
  configDir: string;
  /** The smtpd's port on 127.0.0.1. */
  port: number;
  /** Runs an sh script as an administrator runs Postfix's commands, with MAIL_CONFIG naming this instance. */
  shell(script: string): Promise<CommandRun>;
  /** Its mail log so far. */
  log(): string;
  /** PIDs of the master's children running `program` (qmgr, smtpd, …). */
  children(program: string): number[];
  stop(): Promise<void>;
}

const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandRun> => runCommand(command, args, { env });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Parent PID and program name of each process, from /proc. */
function processes(): { pid: number; ppid: number; comm: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(name), ppid, comm }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** The services a relay needs, none chrooted; the smtpd on 127.0.0.1:`port` only. */
const masterCf = (port: number) => `# A private test instance: only an smtpd on 127.0.0.1:${port}, nothing chrooted.
127.0.0.1:${port} inet n - n - - smtpd
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
tlsmgr    unix  -  -  n  1000? 1  tlsmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n - 1  postlogd
`;

const mainCf = (dir: string) => `# A private test instance: its own directories and log; it relays for loopback clients only.
compatibility_level = 3.6
queue_directory = ${dir}/spool
data_directory = ${dir}/data
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
myhostname = smsgw-test.localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
# Log each TLS session the smtp client opens.
smtp_tls_loglevel = 1
`;

/** Starts a private instance with a plain relay configuration; a test adds its own lines to main.cf and master.cf. */
export async function startPrivatePostfix(): Promise<PrivatePostfix> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-postfix-'));
  chmodSync(dir, 0o755); // Postfix's daemons run as the postfix user and must reach the queue
  const configDir = path.join(dir, 'etc');
  mkdirSync(configDir);
  mkdirSync(path.join(dir, 'spool'));
  mkdirSync(path.join(dir, 'data'));
  const postfixUser = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('postfix:'))?.split(':');
  if (!postfixUser) throw new Error('no postfix user: is Debian\'s postfix installed?');
  chownSync(path.join(dir, 'data'), Number(postfixUser[2]), Number(postfixUser[3]));
  const port = await freePort();
  writeFileSync(path.join(configDir, 'main.cf'), mainCf(dir));
  writeFileSync(path.join(configDir, 'master.cf'), masterCf(port));
  const log = () => {
    try {
      return readFileSync(path.join(dir, 'maillog'), 'utf8');
    } catch {
      return '';
    }
  };

  let masterPid: number | undefined;
  const stop = async () => {
    if (masterPid !== undefined && alive(masterPid)) {
      await run('postfix', ['-c', configDir, 'stop']);
      await eventually(async () => !alive(masterPid!), 'the private Postfix to stop', 10_000).catch(() => process.kill(masterPid!, 'SIGKILL'));
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const started = await run('postfix', ['-c', configDir, 'start']);
  if (started.status === 0) masterPid = Number(readFileSync(path.join(dir, 'spool/pid/master.pid'), 'utf8').trim());
  if (started.status !== 0 || !alive(masterPid!)) {
    const why = `${started.stderr}${log()}`;
    await stop();
    throw new Error(`postfix -c ${configDir} start failed: ${why}`);
  }
  return {
    configDir,
    port,
    shell: (script) => run('sh', ['-c', script], { PATH: process.env.PATH, MAIL_CONFIG: configDir }),
    log,
    children: (program) => processes().filter((p) => p.ppid === masterPid && p.comm === program).map((p) => p.pid),
    stop,
  };
}
