// The Postfix relay recipe of docs/email-to-sms.md, as written: its master.cf, main.cf, transport
// and password lines go into a private Postfix (test/support/postfix.ts), with only /etc/postfix
// and the gateway's address replaced by this instance's, and its postmap/reload command is run.
// Then one mail to two SMS recipients goes through that Postfix to the gateway (a real process in
// the production profile, with AUTH and STARTTLS as the recipe's gateway side says). Postfix must
// deliver one transaction per recipient: one submit each at the fake SMSC, and its log shows our
// `250 2.0.0 sent <id>` for each.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeSmsc } from '../support/fake-smsc';
import { getMessage, productionEnv, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { hasPostfix, startPrivatePostfix, type PrivatePostfix } from '../support/postfix';
import { hasSwaks, swaks } from '../support/smtp-clients';
import { eventually } from '../support/status-api';
import { createTestPki, hasOpenssl, type TestPki } from '../support/test-certs';

const DOCS = path.join(__dirname, '../../docs/email-to-sms.md');
const GATEWAY_IN_DOCS = 'smsgw.internal.example]:2525';

/** The section's Postfix files (by the `# /etc/postfix/NAME` line above their lines) and its sh command. */
function recipe(): { files: Map<string, string[]>; command: string } {
  const section = readFileSync(DOCS, 'utf8').split(/^## Relaying from Postfix$/m)[1]!.split(/^## /m)[0]!;
  const [config, command] = [/```\n([\s\S]*?)```/.exec(section)![1]!, /```sh\n([\s\S]*?)```/.exec(section)![1]!];
  const files = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of config.split('\n')) {
    const file = /^# \/etc\/postfix\/([\w.]+)/.exec(line)?.[1];
    if (file) files.set(file, (current = []));
    else if (line.trim() !== '') current.push(line);
  }
  return { files, command: command.trim() };
}

const run = hasPostfix && hasSwaks && hasOpenssl ? describe : describe.skip;

run('the Postfix relay recipe of docs/email-to-sms.md', () => {
  const { files, command } = recipe();
  let work: string;
  let pki: TestPki;
  let fake: Awaited<ReturnType<typeof startFakeSmsc>>;
  let gw: GatewayProcess;
  let postfix: PrivatePostfix;
  let smtpPort: number;

  /** The recipe's text with this machine's instance and gateway in place of /etc/postfix and smsgw.internal.example:2525. */
  const here = (text: string) => text.replaceAll('/etc/postfix', postfix.configDir).replaceAll(GATEWAY_IN_DOCS, `127.0.0.1]:${smtpPort}`);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'smsgw-relay-'));
    pki = createTestPki();
    fake = await startFakeSmsc();
    // The gateway side, as the recipe says: the SMS domain, the relay's address, its user and password, a certificate.
    const [user, password] = files.get('smsgw_password')![0]!.split(/\s+/)[1]!.split(':') as [string, string];
    const passwordFile = path.join(work, 'smtp-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    gw = await startGatewayProcess(
      productionEnv(fake.url, work, {
        SMSGW_SMTP_HOST: '127.0.0.1',
        SMSGW_SMTP_PORT: '0',
        SMSGW_SMTP_DOMAINS: 'sms.example.com',
        SMSGW_SMTP_ALLOWED_IPS: '127.0.0.1',
        SMSGW_SMTP_USER: user,
        SMSGW_SMTP_PASSWORD_FILE: passwordFile,
        SMSGW_SMTP_TLS_CERT_FILE: pki.serverCertFile,
        SMSGW_SMTP_TLS_KEY_FILE: pki.serverKeyFile,
      }),
    );
    smtpPort = Number(new URL(gw.smtpUrl!).port);
    postfix = await startPrivatePostfix();
  }, 30_000);

  afterAll(async () => {
    await postfix?.stop();
    await gw?.stop();
    await fake?.smsc.stop();
    pki?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('two SMS recipients in one mail: one transaction each, one submit each, and our 250 in Postfix\'s log', async () => {
    expect([...files.keys()]).toEqual(['master.cf', 'main.cf', 'transport', 'smsgw_password']);
    expect(files.get('main.cf')).toContain('smsgw_destination_recipient_limit = 1');
    expect(files.get('transport')!.join('\n')).toContain(GATEWAY_IN_DOCS);

    const conf = (name: string) => path.join(postfix.configDir, name);
    const lines = (name: string) => `${here(files.get(name)!.join('\n'))}\n`;
    for (const name of ['master.cf', 'main.cf']) appendFileSync(conf(name), lines(name));
    writeFileSync(conf('transport'), lines('transport'));
    writeFileSync(conf('smsgw_password'), lines('smsgw_password'), { mode: 0o600 }); // "(chmod 600)"

    // The recipe's command against the running instance; the reload is done once the queue manager that ran before it is gone.
    await eventually(async () => postfix.children('qmgr').length === 1, 'the queue manager to start');
    const [qmgrBefore] = postfix.children('qmgr');
    const applied = await postfix.shell(here(command));
    expect(applied).toEqual({ status: 0, stdout: '', stderr: '' });
    await eventually(async () => /reload -- version/.test(postfix.log()) && !postfix.children('qmgr').includes(qmgrBefore!), 'postfix reload', 10_000);

    const recipients = ['447400123461', '447400123462'];
    const sent = await swaks([
      '--server', `127.0.0.1:${postfix.port}`,
      '--from', 'monitor@example.com',
      '--to', recipients.map((digits) => `+${digits}@sms.example.com`).join(','),
      '--header', 'Subject: disk full',
      '--body', 'Disk /var is 95% full on db1',
    ]);
    expect(sent.replies.at(-2)).toMatch(/^250 2\.0\.0 Ok: queued as \w+$/);

    const deliveries = () => [...postfix.log().matchAll(/to=<\+(\d+)@sms\.example\.com>, relay=([^,]+), .*status=(\w+) \((.*)\)$/gm)];
    await eventually(async () => deliveries().length >= 2, () => `two deliveries in Postfix's log:\n${postfix.log()}`, 15_000);
    const byRecipient = new Map(deliveries().map(([, digits, relay, status, reply]) => [digits, { relay, status, reply }]));
    expect([...byRecipient.keys()].sort()).toEqual(recipients);
    const ids: string[] = [];
    for (const digits of recipients) {
      const { relay, status, reply } = byRecipient.get(digits)!;
      expect({ relay, status }).toEqual({ relay: `127.0.0.1[127.0.0.1]:${smtpPort}`, status: 'sent' });
      const id = /^250 2\.0\.0 sent (\S+)$/.exec(reply!)?.[1];
      expect([digits, reply]).toEqual([digits, `250 2.0.0 sent ${id}`]);
      expect((await getMessage(gw, id!)).status).toBe(200);
      ids.push(id!);
    }
    expect(new Set(ids).size).toBe(2);
    expect(fake.smsc.submits.map((s) => [s.destinationAddr, s.text]).sort()).toEqual(recipients.map((digits) => [digits, 'Disk /var is 95% full on db1']));
    // Over TLS, as smtp_tls_security_level=encrypt demands; and never a second recipient in one transaction.
    expect(postfix.log()).toMatch(new RegExp(`TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${smtpPort}`));
    expect(await gw.metric('smsgw_smtp_messages_total{outcome="success"}')).toBe(2);
    expect(postfix.log()).not.toMatch(/\b452\b|status=deferred|status=bounced/);
  }, 40_000);
});
