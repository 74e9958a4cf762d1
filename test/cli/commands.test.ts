// The other `smsgw` commands as real processes: send and status through a running gateway (its
// settings and token file from an --env-file, as on a service host),
// config check, token, backup of a live SQLite store, and --help on every command.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, TEST_TOKEN, withGateway } from '../support/gateway';

const work = mkdtempSync(path.join(tmpdir(), 'smsgw-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The host's files: an env file with the gateway's address and the name of its token file, as /etc/smsgw/smsgw.env. */
function hostFiles(gatewayUrl: string): string[] {
  const dir = mkdtempSync(path.join(work, 'host-'));
  const envFile = path.join(dir, 'smsgw.env');
  const tokenFile = path.join(dir, 'exsign-token');
  writeFileSync(tokenFile, `${TEST_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(envFile, `# as /etc/smsgw/smsgw.env\nNODE_ENV=test\nSMSGW_HTTP_PORT=${new URL(gatewayUrl).port}\nSMSGW_SMSC_URL=smpp://127.0.0.1:2775\nSMSGW_AUTH_TOKEN_FILE=${tokenFile}\n`);
  return ['--env-file', envFile];
}

describe('smsgw send and status', () => {
  it('sends through the running gateway with the configured token, prints IsSuccess and the id; status shows the record', async () => {
    const { smsc, url } = await startFakeSmsc({ receiptDelayMs: 50 });
    try {
      await withGateway(url, {}, async (gw) => {
        const host = hostFiles(gw.url);
        const sent = await runCli(['send', ...host, '--to', '+447400123456', '--text', 'Your code is 5521']);
        expect(sent.code).toBe(0);
        const id = /^message id: (\S+)$/m.exec(sent.stdout)?.[1];
        expect(sent.stdout).toBe(`IsSuccess: true\nErrorDetails: \nmessage id: ${id}\n`);
        expect(smsc.submits.map((s) => [s.destinationAddr, s.text])).toEqual([['447400123456', 'Your code is 5521']]);

        const status = await runCli(['status', id!, ...host, '--json']);
        expect(status.code).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({ id, smsc: 'default', segments: [{ smscMessageId: smsc.submits[0]!.messageId }] });
        const readable = await runCli(['status', id!, ...host]);
        expect(readable.stdout).toMatch(new RegExp(`^id: ${id}\nstatus: (accepted|delivered)\nsmsc: default\nsubmitted: \\S+\nupdated: \\S+\npart 1: (accepted|delivered), SMSC message id ${smsc.submits[0]!.messageId}\n$`));

        const refused = await runCli(['send', ...host, '--json', '--to', '12', '--text', 'x']);
        expect(refused.code).toBe(1);
        expect(JSON.parse(refused.stdout)).toMatchObject({ IsSuccess: false, ErrorDetails: expect.stringMatching(/^MobileNumber is not a valid phone number/) });

        const unknown = await runCli(['status', '0193aaaa-0000-7000-8000-000000000000', ...host]);
        expect(unknown.code).toBe(1);
        expect(unknown.stdout).toMatch(/^No message with this id .*\(HTTP 404\)\n$/);
        expect(gw.logs.records().filter((r) => r.msg === 'exsign request').map((r) => r.outcome)).toEqual(['SUCCESS', 'INVALID_NUMBER']);
      });
    } finally {
      await smsc.stop();
    }
  });

  it('without the right token the gateway refuses, and an unreachable gateway is named; both exit 1', async () => {
    await withGateway('smpp://127.0.0.1:1', {}, async (gw) => {
      const wrongToken = await runCli(['send', '--to', '+447400123456', '--text', 'x'], { NODE_ENV: 'test', SMSGW_HTTP_PORT: new URL(gw.url).port, SMSGW_AUTH_TOKEN: 'not-the-token', SMSGW_SMSC_URL: 'smpp://127.0.0.1:1' });
      expect([wrongToken.code, wrongToken.stdout]).toEqual([1, expect.stringContaining('ErrorDetails: Authorization token not accepted\n')]);
    });
    const nobody = 'http://127.0.0.1:0'; // nothing can listen on port 0
    const down = await runCli(['send', '--to', '+447400123456', '--text', 'x', '--url', nobody], { NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 't', SMSGW_SMSC_URL: 'smpp://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`smsgw send: cannot reach the gateway at ${nobody}/exsign/sms: ECONNREFUSED\n`);
  });
});

describe('smsgw config check', () => {
  const production = {
    NODE_ENV: 'production',
    SMSGW_SMSC_URL: 'smpp://smsc.example:2775',
    SMSGW_SMSC_SYSTEM_ID: 'acme',
    SMSGW_SMSC_PASSWORD: 'carrier-password-55',
    SMSGW_AUTH_TOKEN: 'config-check-token-0123456789',
    SMSGW_DEFAULT_REGION: 'GB',
    SMSGW_NUMBER_HASH_KEY: 'config-check-number-hash-key-0123456789',
  };

  it('prints the effective configuration with every secret redacted', async () => {
    const run = await runCli(['config', 'check'], production);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^configuration valid \(production profile\)\n/);
    expect(run.stdout).toContain('\nsmsc.url = "smpp://smsc.example:2775"\n');
    expect(run.stdout).toContain('\nsmsc.password = "[redacted]"\n');
    expect(run.stdout).toContain('\nauth.token = "[redacted]"\n');
    expect(run.stdout).not.toMatch(/carrier-password-55|config-check-token|config-check-number-hash-key/);
    const json = JSON.parse((await runCli(['config', 'check', '--json'], production)).stdout);
    expect(json).toMatchObject({ ok: true, config: { env: 'production', smsc: { systemId: 'acme', password: '[redacted]' } } });
  });

  it('an invalid configuration: the one-line error the gateway would print, exit 1', async () => {
    const run = await runCli(['config', 'check'], { ...production, SMSGW_SMSC_URL: 'http://smsc.example' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: smsc.url (SMSGW_SMSC_URL): must start with smpp:// or ssmpp://: value was "http://smsc.example"\n');
    expect(run.stdout).toBe('');
  });
});

describe('smsgw token', () => {
  it('prints a new random token of 43 base64url characters each time', async () => {
    const [a, b] = await Promise.all([runCli(['token']), runCli(['token', '--json'])]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const { token } = JSON.parse(b.stdout) as { token: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(a.stdout.trim());
  });
});

describe('smsgw backup', () => {
  it('copies the live SQLite store while the gateway keeps writing; the copy is consistent and never overwritten', async () => {
    const { smsc, url } = await startFakeSmsc();
    const dataDir = path.join(work, 'data');
    try {
      await withGateway(url, { SMSGW_STORE: 'sqlite', SMSGW_DATA_DIR: dataDir }, async (gw) => {
        for (let i = 0; i < 20; i++) expect((await gw.post(sms(`code ${i}`))).json.IsSuccess).toBe(true);
        // Traffic goes on during the backup.
        let writing = true;
        const traffic = (async () => {
          let sent = 0;
          while (writing && sent < 500) await gw.post(sms(`during ${sent++}`));
          return sent;
        })();
        const target = path.join(work, 'backup.sqlite');
        const env = { NODE_ENV: 'test', SMSGW_STORE: 'sqlite', SMSGW_DATA_DIR: dataDir, SMSGW_AUTH_TOKEN: 't', SMSGW_SMSC_URL: url };
        const run = await runCli(['backup', target], env);
        writing = false;
        const duringBackup = await traffic;
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(new RegExp(`^backup written: ${target} \\((\\d+) messages, \\d+ bytes, store schema version 1, \\d+ ms\\) from ${dataDir}/messages.sqlite\n$`));
        const copied = Number(/\((\d+) messages/.exec(run.stdout)![1]);
        expect(copied).toBeGreaterThanOrEqual(20);
        expect(copied).toBeLessThanOrEqual(20 + duringBackup);
        expect(statSync(target).mode & 0o777).toBe(0o600);
        const copy = new Database(target, { readonly: true });
        try {
          expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
          expect(copy.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages').get()!.n).toBe(copied);
        } finally {
          copy.close();
        }

        const again = await runCli(['backup', target], env);
        expect([again.code, again.stderr]).toEqual([1, `smsgw backup: ${target} exists; a backup never overwrites a file\n`]);
      });
    } finally {
      await smsc.stop();
    }
  });

  it('refuses when records live in memory', async () => {
    const run = await runCli(['backup', path.join(work, 'never.sqlite')], { NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 't', SMSGW_SMSC_URL: 'smpp://127.0.0.1:1' });
    expect([run.code, run.stdout]).toEqual([1, "nothing to back up: SMSGW_STORE is memory, so message records live in the gateway's memory\n"]);
  });

  it('refuses when records live in Redis, naming what to back up instead', async () => {
    const run = await runCli(['backup', path.join(work, 'never.sqlite')], { NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 't', SMSGW_SMSC_URL: 'smpp://127.0.0.1:1', SMSGW_REDIS_URL: 'redis://127.0.0.1:1/0' });
    expect([run.code, run.stdout]).toEqual([1, 'nothing to back up here: with SMSGW_REDIS_URL set, message records live in Redis; back up its AOF or RDB file (BGSAVE), as its persistence settings say\n']);
  });
});

describe('smsgw --help and usage errors', () => {
  it('every command has --help (exit 0); an unknown command or option is a usage error (exit 2)', async () => {
    for (const command of [['check-bind'], ['send'], ['status'], ['config', 'check'], ['token'], ['backup']]) {
      const run = await runCli([...command, '--help']);
      expect([command.join(' '), run.code]).toEqual([command.join(' '), 0]);
      expect(run.stdout).toMatch(new RegExp(`^Usage: smsgw ${command.join(' ')}\\b[^\\n]*\\n\\n\\S`));
      expect(run.stdout).toContain('--json');
    }
    const overview = await runCli(['--help']);
    expect(overview.code).toBe(0);
    for (const name of ['check-bind', 'send', 'status ID', 'config check', 'token', 'backup FILE']) expect(overview.stdout).toContain(`smsgw ${name}`);
    expect((await runCli([])).code).toBe(2);
    const unknown = await runCli(['frobnicate']);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'smsgw: unknown command "frobnicate"\nRun "smsgw --help" for the commands and their options.\n']);
    expect((await runCli(['send', '--to', '+447400123456'])).code).toBe(2);
  });
});
