// deploy/smsgw.service and deploy/smsgw.env.example: systemd's own linter, what the unit promises
// (unprivileged user, state directory, credentials through the *_FILE settings, stop timeout above
// the drain, hardening Node tolerates), and the example settings checked by the CLI as a valid
// production configuration.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { CREDENTIAL_SETTINGS } from '../../src/cli/credentials';
import { envVarsByKey } from '../../src/config/load-config';
import { schema } from '../../src/config/schema';
import { runCli } from '../support/cli';
import { serviceHost } from '../support/service-host';
import { hasTool } from '../support/tools';

const root = path.resolve(__dirname, '../..');
const UNIT = path.join(root, 'deploy/smsgw.service');
const ENV_EXAMPLE = path.join(root, 'deploy/smsgw.env.example');
const unitText = readFileSync(UNIT, 'utf8');

/** Every `Key=value` line of the unit, in order (comments and section headers left out). */
const directives = unitText
  .split('\n')
  .filter((line) => /^[A-Za-z]+=/.test(line))
  .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
const values = (key: string) => directives.filter(([k]) => k === key).map(([, v]) => v);
const environment = new Map(values('Environment').map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]));

const hasSystemdAnalyze = hasTool('systemd-analyze', ['--version']);

describe('deploy/smsgw.service', () => {
  (hasSystemdAnalyze ? it : it.skip)('passes systemd-analyze verify without a single warning', () => {
    // verify checks that ExecStart's program exists: where node is elsewhere, a copy names it.
    const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-unit-'));
    try {
      const unit = path.join(dir, 'smsgw.service');
      writeFileSync(unit, process.execPath === '/usr/bin/node' ? unitText : unitText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
      const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the built gateway, as npm start does, as an unprivileged user, restarting on failure', () => {
    const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(values('ExecStart')).toEqual([start.replace(/^node /, '/usr/bin/node ').replace(' dist/', ' /opt/smsgw/dist/')]);
    expect(values('User')).toEqual(['smsgw']);
    expect(values('Restart')).toEqual(['on-failure']);
    expect(values('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(values('EnvironmentFile')).toEqual(['/etc/smsgw/smsgw.env']);
    expect(environment.get('NODE_ENV')).toBe('production');
  });

  it('keeps its data in its StateDirectory', () => {
    expect(values('StateDirectory')).toEqual(['smsgw']);
    expect(environment.get('SMSGW_DATA_DIR')).toBe('%S/smsgw');
    expect(parseEnv(readFileSync(ENV_EXAMPLE, 'utf8')).SMSGW_DATA_DIR).toBe('/var/lib/smsgw'); // %S is /var/lib for system services
  });

  it('hands the restart-only secrets over by LoadCredential, read through their *_FILE settings, under the names the CLI knows', () => {
    const loaded = values('LoadCredential').map((entry) => entry.split(':') as [string, string]);
    for (const [name, source] of loaded) {
      expect(source).toBe(`/etc/smsgw/credentials/${name}`);
      const setting = CREDENTIAL_SETTINGS[name as keyof typeof CREDENTIAL_SETTINGS];
      expect([name, setting && environment.get(setting)]).toEqual([name, `%d/${name}`]);
    }
    expect(loaded.map(([name]) => name)).toEqual(['smpp-password', 'number-hash-key']);
  });

  it('waits longer on stop than the gateway drains and unbinds', () => {
    const [stop] = values('TimeoutStopSec');
    const stopMs = Number(/^(\d+)s$/.exec(stop ?? '')?.[1]) * 1000;
    const unbindMs = 2000;
    expect(stopMs).toBeGreaterThanOrEqual(schema.shutdown.drainTimeoutMs.default + unbindMs + 10_000);
  });

  it('is hardened the ways Node.js tolerates, and not with MemoryDenyWriteExecute (V8 needs W+X memory)', () => {
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'],
      ['SystemCallFilter', '@system-service'],
      ['SystemCallArchitectures', 'native'],
    ]) {
      expect([key, values(key!)]).toEqual([key, [value]]);
    }
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
  });
});

describe('deploy/smsgw.env.example', () => {
  const example = parseEnv(readFileSync(ENV_EXAMPLE, 'utf8'));

  it('sets only known settings and no secret', () => {
    const known = new Set([...envVarsByKey().values(), 'SMSGW_CONFIG']);
    expect(Object.keys(example).filter((name) => !known.has(name))).toEqual([]);
    const secrets = ['SMSGW_AUTH_TOKEN', 'SMSGW_AUTH_TOKEN_PREVIOUS', 'SMSGW_SMSC_PASSWORD', 'SMSGW_NUMBER_HASH_KEY', 'SMSGW_DLR_CALLBACK_TOKEN', ...Object.values(CREDENTIAL_SETTINGS)];
    expect(Object.keys(example).filter((name) => secrets.includes(name))).toEqual([]);
  });

  it('with the credentials of the unit is a valid production configuration (smsgw config check, as on the host), every secret redacted', async () => {
    // This machine's paths instead of /etc/smsgw and /var/lib/smsgw; every other value as the example has it.
    const host = serviceHost('carrier-password');
    try {
      const options = ['--env-file', host.envFile, '--credentials', host.credentials];
      const run = await runCli(['config', 'check', ...options]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^configuration valid \(production profile\)\n/);
      expect(run.stdout).toContain('\nsmsc.url = "ssmpp://smsc.carrier.example:3550"\n');
      expect(run.stdout).toContain('\nsmsc.validityS = 300\n');
      expect(run.stdout).toContain(`\nsmsc.passwordFile = "${host.credentials}/smpp-password"\n`);
      expect(run.stdout).toContain(`\nprivacy.numberHashKeyFile = "${host.credentials}/number-hash-key"\n`);
      for (const key of ['smsc.password', 'privacy.numberHashKey', 'auth.token']) expect(run.stdout).toContain(`\n${key} = "[redacted]"\n`);
      const json = await runCli(['config', 'check', '--json', ...options]);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, config: { smsc: { password: '[redacted]' }, privacy: { numberHashKey: '[redacted]' }, auth: { token: '[redacted]' } } });
      for (const printed of [run.stdout, json.stdout]) {
        for (const secret of Object.values(host.secrets)) expect(printed).not.toContain(secret);
      }
    } finally {
      host.remove();
    }
  });
});
