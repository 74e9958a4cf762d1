// `smsgw check-bind` as a real process against fake SMSCs on loopback: one that accepts, one that
// refuses the password, one that never answers the bind, one over TLS, and a list of SMSCs; then as
// an operator runs it on a service host, with the unit's env file and credentials directory.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CREDENTIAL_SETTINGS } from '../../src/cli/credentials';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { runCli } from '../support/cli';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { serviceHost } from '../support/service-host';
import { createTestPki, hasOpenssl } from '../support/test-certs';

const PASSWORD = 'carrier-pw-7c1e90';

/** A production configuration as an operator's host has it. */
const production = (url: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  SMSGW_SMSC_URL: url,
  SMSGW_SMSC_SYSTEM_ID: 'acme-otp',
  SMSGW_SMSC_PASSWORD: PASSWORD,
  SMSGW_AUTH_TOKEN: 'cli-test-token-0123456789abcdef',
  SMSGW_DEFAULT_REGION: 'GB',
  SMSGW_NUMBER_HASH_KEY: 'cli-test-number-hash-key-0123456789abcdef',
  SMSGW_SMSC_CONNECT_TIMEOUT_MS: '2000',
  SMSGW_SMSC_BIND_TIMEOUT_MS: '2000',
  ...extra,
});

/** What the SMSC saw, in order. */
function recordPdus(smsc: SmscSimulator): string[] {
  const seen: string[] = [];
  smsc.on('bind', (pdu: { command: string }) => seen.push(pdu.command));
  smsc.on('enquire_link', () => seen.push('enquire_link'));
  smsc.on('unbind', () => seen.push('unbind'));
  return seen;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
async function fakeSmsc(options: Parameters<typeof startFakeSmsc>[0]) {
  const fake = await startFakeSmsc(options);
  stops.push(() => fake.smsc.stop());
  return fake;
}

describe('smsgw check-bind', () => {
  it('against an SMSC that accepts: binds, one enquire_link, unbinds; prints the times; exit 0; never the password', async () => {
    const { smsc, url } = await fakeSmsc({ systemId: 'acme-otp', password: PASSWORD });
    const seen = recordPdus(smsc);
    const run = await runCli(['check-bind', '--verbose'], production(url));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^default: ${url}, system_id "acme-otp", bind_transceiver\n`));
    expect(run.stdout).toMatch(/\n {2}connect: ok, [\d.]+ ms\n {2}bind: ok \(ESME_ROK\), [\d.]+ ms; SMSC system_id "SMSGWSIM"\n {2}enquire_link: ok, [\d.]+ ms\n {2}unbind: ok, [\d.]+ ms\n$/);
    expect(seen).toEqual(['bind_transceiver', 'enquire_link', 'unbind']);
    expect(smsc.bindAttempts).toEqual([{ systemId: 'acme-otp', command: 'bind_transceiver', interfaceVersion: 0x34 }]);
    // --verbose logs every bind state change on stderr; the password appears nowhere.
    expect(run.stderr).toContain('SMPP bind binding -> bound');
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('against an SMSC that refuses: "bind refused: ESME_RINVPASWD (0x0E)", exit 1, no retry; --json gives the status by name', async () => {
    const { smsc, url } = await fakeSmsc({ systemId: 'acme-otp', password: 'not-the-configured-one' });
    const text = await runCli(['check-bind', '--verbose'], production(url));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/\n {2}connect: ok, [\d.]+ ms\n {2}bind refused: ESME_RINVPASWD \(0x0E\), [\d.]+ ms\n$/);
    expect(text.stdout + text.stderr).not.toContain(PASSWORD);

    const json = await runCli(['check-bind', '--json'], production(url));
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout) as { ok: boolean; binds: Record<string, unknown>[] };
    expect(answer.ok).toBe(false);
    expect(answer.binds).toEqual([
      expect.objectContaining({ smsc: 'default', ok: false, outcome: 'bind refused: ESME_RINVPASWD (0x0E)', commandStatus: { code: 0x0e, name: 'ESME_RINVPASWD' } }),
    ]);
    expect(json.stdout).not.toContain(PASSWORD);
    expect(smsc.bindAttempts).toHaveLength(2); // one per run: a refused check is not retried
  });

  it('names a bind the SMSC never answers and an address nothing listens on', async () => {
    const { url } = await fakeSmsc(behaviours['blackhole-bind']());
    const silent = await runCli(['check-bind'], production(url, { SMSGW_SMSC_BIND_TIMEOUT_MS: '300' }));
    expect(silent.code).toBe(1);
    expect(silent.stdout).toContain('  bind timeout: no bind response within 300 ms');

    const nobody = await runCli(['check-bind', '--json'], production('smpp://127.0.0.1:1'));
    expect(nobody.code).toBe(1);
    expect(JSON.parse(nobody.stdout).binds[0].outcome).toMatch(/^connect failed: ECONNREFUSED/);
  });

  it('checks every configured SMSC, or the one --smsc names; transmitter-receiver checks both binds', async () => {
    const first = await fakeSmsc({ systemId: 'acme-otp', password: PASSWORD });
    const second = await fakeSmsc({ systemId: 'acme-2', password: 'second-pw-1234' });
    const entry = { name: 'backup', url: second.url, systemId: 'acme-2', password: 'second-pw-1234', bindMode: 'transmitter-receiver' };
    const env = production(first.url, { SMSGW_SMSC_NAME: 'primary', SMSGW_SMSCS: JSON.stringify([entry]) });

    const all = await runCli(['check-bind', '--json'], env);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).binds.map((b: { smsc: string; bindType: string; ok: boolean }) => [b.smsc, b.bindType, b.ok])).toEqual([
      ['primary', 'transceiver', true],
      ['backup', 'transmitter', true],
      ['backup', 'receiver', true],
    ]);
    expect(all.stdout).not.toContain('second-pw-1234');

    const one = await runCli(['check-bind', '--smsc', 'backup'], env);
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain('primary');
    expect(first.smsc.bindAttempts).toHaveLength(1);
    expect(second.smsc.bindAttempts.map((b) => b.command)).toEqual(['bind_transmitter', 'bind_receiver', 'bind_transmitter', 'bind_receiver']);

    const unknown = await runCli(['check-bind', '--smsc', 'nope'], env);
    expect([unknown.code, unknown.stdout.trim()]).toEqual([1, 'no SMSC named "nope" (configured: primary, backup)']);
  });

  (hasOpenssl ? it : it.skip)('over TLS: prints the protocol, cipher and the SMSC certificate, verified against the configured CA', async () => {
    const pki = createTestPki();
    try {
      const { url } = await fakeSmsc({
        systemId: 'acme-otp',
        password: PASSWORD,
        tls: { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
      });
      const run = await runCli(['check-bind'], production(url, { SMSGW_SMSC_TLS_CA_FILE: pki.caFile }));
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\n {2}tls: TLSv1\.[23] \S+, certificate verified\n/);
      expect(run.stdout).toMatch(/\n {2}tls peer: CN=localhost; issuer CN=smsgw test CA; valid until \d{4}-\d\d-\d\dT[\d:.]+Z; SHA-256 [0-9A-F:]{95}\n/);

      const wrongCa = await runCli(['check-bind'], production(url, { SMSGW_SMSC_TLS_CA_FILE: pki.otherCaFile }));
      expect(wrongCa.code).toBe(1);
      expect(wrongCa.stdout).toMatch(/connect failed: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    } finally {
      pki.remove();
    }
  });
});

describe('smsgw check-bind with the service host\'s files (--env-file, --credentials)', () => {
  /** smsgw.env from deploy/smsgw.env.example, pointed at `url`; the SMPP password in the credentials directory. */
  function host(url: string, smppPassword: string) {
    const files = serviceHost(smppPassword, { SMSGW_SMSC_URL: url, SMSGW_SMSC_SYSTEM_ID: 'acme-otp' });
    stops.push(async () => files.remove());
    return files;
  }
  const printed = (run: { stdout: string; stderr: string }) => run.stdout + run.stderr;

  it('binds with the password from the credentials directory, with nothing in the environment; exit 0; no secret printed, --json and --verbose included', async () => {
    const { smsc, url } = await fakeSmsc({ systemId: 'acme-otp', password: PASSWORD });
    const seen = recordPdus(smsc);
    const files = host(url, PASSWORD);
    // As the README writes it (options first), and as the command's own options.
    const text = await runCli(['--env-file', files.envFile, '--credentials', files.credentials, 'check-bind', '--verbose']);
    expect([text.code, text.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^default: ${url}, system_id "acme-otp", bind_transceiver\n {2}connect: ok, [\\d.]+ ms\n {2}bind: ok \\(ESME_ROK\\)`))]);
    expect(text.stderr).toContain('SMPP bind binding -> bound');
    const json = await runCli(['check-bind', '--json', '--env-file', files.envFile, '--credentials', files.credentials]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, binds: [{ smsc: 'default', systemId: 'acme-otp', ok: true, commandStatus: { name: 'ESME_ROK' } }] });
    expect(seen).toEqual(['bind_transceiver', 'enquire_link', 'unbind', 'bind_transceiver', 'enquire_link', 'unbind']);
    for (const run of [text, json]) {
      for (const secret of Object.values(files.secrets)) expect(printed(run)).not.toContain(secret);
    }
  });

  it('with a wrong password in the credentials directory: "bind refused: ESME_RINVPASWD (0x0E)", exit 1, neither password printed', async () => {
    const { smsc, url } = await fakeSmsc({ systemId: 'acme-otp', password: PASSWORD });
    const files = host(url, 'an-old-password-91');
    const options = ['--env-file', files.envFile, '--credentials', files.credentials];
    const text = await runCli(['check-bind', ...options]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/\n {2}connect: ok, [\d.]+ ms\n {2}bind refused: ESME_RINVPASWD \(0x0E\), [\d.]+ ms\n$/);
    const json = await runCli(['check-bind', '--json', ...options]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).binds).toEqual([expect.objectContaining({ ok: false, outcome: 'bind refused: ESME_RINVPASWD (0x0E)' })]);
    for (const run of [text, json]) {
      for (const password of ['an-old-password-91', PASSWORD]) expect(printed(run)).not.toContain(password);
    }
    expect(smsc.bindAttempts).toHaveLength(2);
  });

  it('a missing credential or credentials directory: the configuration\'s one line naming the file, exit 1, and no bind is tried', async () => {
    const { smsc, url } = await fakeSmsc({ systemId: 'acme-otp', password: PASSWORD });
    for (const [name, setting] of Object.entries(CREDENTIAL_SETTINGS)) {
      const files = host(url, PASSWORD);
      const file = path.join(files.credentials, name);
      rmSync(file);
      const run = await runCli(['check-bind', '--env-file', files.envFile, '--credentials', files.credentials]);
      expect([name, run.code, run.stderr, run.stdout]).toEqual([name, 1, expect.stringMatching(new RegExp(`^Invalid configuration: \\S+ \\(${setting}\\): cannot read ${file}: ENOENT\n$`)), '']);
    }

    const files = host(url, PASSWORD);
    const typo = `${files.credentials}-typo`;
    const noDirectory = await runCli(['check-bind', '--env-file', files.envFile, '--credentials', typo]);
    expect([noDirectory.code, noDirectory.stderr]).toEqual([1, `Invalid configuration: smsc.passwordFile (SMSGW_SMSC_PASSWORD_FILE): cannot read ${typo}/smpp-password: ENOENT\n`]);
    expect(smsc.bindAttempts).toEqual([]);
  });

  it('a missing env file: one line naming it, exit 1 (Node 20 itself: exit 9), nothing else', async () => {
    const files = host('smpp://127.0.0.1:1', PASSWORD);
    const missing = `${files.envFile}.missing`;
    const ours = `smsgw check-bind: cannot read --env-file ${missing}: ENOENT`;
    // Started as npx and the bin start it: Node 20 checks every --env-file on its command line, even
    // after the script, and stops before the CLI runs; a Node that leaves it to the script gets ours.
    const asInstalled = await runCli(['--env-file', missing, '--credentials', files.credentials, 'check-bind']);
    expect([[1, `${ours}\n`], [9, `${process.execPath}: ${missing}: not found\n`]]).toContainEqual([asInstalled.code, asInstalled.stderr]);
    expect(asInstalled.stdout).toBe('');

    const afterDashes = { nodeOptions: ['--'] };
    const text = await runCli(['check-bind', '--env-file', missing, '--credentials', files.credentials], {}, afterDashes);
    expect([text.code, text.stderr, text.stdout]).toEqual([1, `${ours}\n`, '']);
    const json = await runCli(['--env-file', missing, 'check-bind', '--json'], {}, afterDashes);
    expect([json.code, JSON.parse(json.stdout), json.stderr]).toEqual([1, { ok: false, error: ours }, '']);
  });
});
