// Email to SMS end to end: the gateway as a real process (src/main.ts) with its SMTP listener,
// real SMTP clients (Debian's swaks, nodemailer) on loopback, and a fake SMSC on port 0. Every
// reply line is checked as the client printed it; every accepted mail must be exactly its parts
// at the SMSC and a record under the id of its 250 line; refused mails must reach the SMSC never.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { startFakeSmsc } from '../support/fake-smsc';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { hasSwaks, sentId, swaks } from '../support/smtp-clients';
import { createTestPki, hasOpenssl, type TestPki } from '../support/test-certs';
import { parseExposition, valueOf } from '../support/exposition';

const TOKEN = 'smtp-test-token-5d1e0b7a';
const USER = 'relay';
const PASSWORD = 'relay-password-8f2c41';
const DOMAIN = 'sms.example.com';
const DEADLINE_MS = 2000;
const MAX_BYTES = 8192;
/** A number the fake SMSC refuses with ESME_RINVDSTADR, one it throttles for ever. */
const REFUSED = '447400123490';
const THROTTLED = '447400123491';

const run = hasSwaks && hasOpenssl ? describe : describe.skip;

run('Email to SMS (swaks and nodemailer against the gateway process)', () => {
  let fake: Awaited<ReturnType<typeof startFakeSmsc>>;
  let gw: GatewayProcess;
  let pki: TestPki;
  let smtpPort: number;
  /** Every id a 250 line gave, with the parts the SMSC must have seen for it. */
  const accepted = new Map<string, string>();

  const auth = ['--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD];
  const send = (to: string, more: string[] = [], withAuth = true) =>
    swaks(['--server', `127.0.0.1:${smtpPort}`, '--from', 'monitor@example.net', '--to', to, ...(withAuth ? auth : []), ...more]);
  const mailer = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, auth: { user: USER, pass: PASSWORD }, tls: { ca: readFileSync(pki.caFile) } });
  const submitsTo = (digits: string) => fake.smsc.submits.filter((s) => s.destinationAddr === digits);
  const record = async (id: string) => {
    const res = await fetch(`${gw.httpUrl}/messages/${id}`, { headers: { authorization: `token ${Buffer.from(TOKEN).toString('base64')}` } });
    return { status: res.status, json: (await res.json()) as { id: string; status: string; segments: unknown[] } };
  };
  const remember = (reply: string | undefined, digits: string) => {
    const id = sentId(reply);
    expect(id).toBeDefined();
    accepted.set(id!, digits);
    return id!;
  };

  beforeAll(async () => {
    pki = createTestPki();
    fake = await startFakeSmsc({
      onSubmit: (submit) => {
        if (submit.destinationAddr === REFUSED) return { status: 0x0b };
        if (submit.destinationAddr === THROTTLED) return { status: 0x58 };
        return {};
      },
    });
    gw = await startGatewayProcess({
      NODE_ENV: 'test',
      SMSGW_LOG_LEVEL: 'debug',
      SMSGW_AUTH_TOKEN: TOKEN,
      SMSGW_SMSC_URL: fake.url,
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_SMSC_RECONNECT_MIN_DELAY_MS: '50',
      SMSGW_SMSC_RECONNECT_MAX_DELAY_MS: '200',
      SMSGW_SMSC_THROTTLE_PAUSE_MS: '200',
      SMSGW_REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      SMSGW_DEFAULT_REGION: 'GB',
      SMSGW_LIMIT_PER_NUMBER: '2',
      SMSGW_LIMIT_PER_PREFIX: '0',
      SMSGW_DEDUPE_WINDOW_MS: '0', // the text filter off: the resent mail below must be caught by its Message-ID
      SMSGW_SMTP_PORT: '0',
      SMSGW_SMTP_DOMAINS: DOMAIN,
      SMSGW_SMTP_USER: USER,
      SMSGW_SMTP_PASSWORD: PASSWORD,
      SMSGW_SMTP_TLS_CERT_FILE: pki.serverCertFile,
      SMSGW_SMTP_TLS_KEY_FILE: pki.serverKeyFile,
      SMSGW_SMTP_MAX_BYTES: String(MAX_BYTES),
    });
    smtpPort = Number(new URL(gw.smtpUrl!).port);
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await fake?.smsc.stop();
    pki?.remove();
  });

  test('a plain-text mail is one submit, answered 250 with the id GET /messages/:id finds', async () => {
    const { replies } = await send(`+447400123401@${DOMAIN}`, ['--header', 'Subject: disk', '--body', 'Disk /var 95% full on db1']);
    expect(replies).toContain('250 Accepted');
    const id = remember(replies.find((r) => r.startsWith('250 2.0.0')), '447400123401');
    expect(submitsTo('447400123401').map((s) => s.text)).toEqual(['Disk /var 95% full on db1']);
    const { status, json } = await record(id);
    expect(status).toBe(200);
    expect(json).toMatchObject({ id, status: expect.stringMatching(/accepted|delivered/) });
    expect(json.segments).toHaveLength(1);
  });

  test('the local part may be 00-international, bare international digits or national with the default region', async () => {
    for (const [local, digits] of [['00447400123402', '447400123402'], ['447400123403', '447400123403'], ['07400123404', '447400123404']]) {
      const { replies } = await send(`${local}@${DOMAIN}`, ['--body', `forms ${local}`]);
      remember(replies.at(-2), digits!);
      expect(submitsTo(digits!).map((s) => s.text)).toEqual([`forms ${local}`]);
    }
  });

  test('without AUTH the mail is refused with 530 5.7.0; a wrong password gets 535 5.7.8', async () => {
    const before = fake.smsc.submits.length;
    const noAuth = await send(`+447400123405@${DOMAIN}`, ['--body', 'x'], false);
    expect(noAuth.replies).toContain('530 5.7.0 Authentication required');
    const wrong = await swaks(['--server', `127.0.0.1:${smtpPort}`, '--to', `+447400123405@${DOMAIN}`, '--auth', 'LOGIN', '--auth-user', USER, '--auth-password', 'guess', '--body', 'x']);
    expect(wrong.replies).toContain('535 5.7.8 Authentication credentials invalid');
    expect(fake.smsc.submits.length).toBe(before);
  });

  test('STARTTLS is offered, and AUTH then works over TLS', async () => {
    const { replies } = await send(`+447400123406@${DOMAIN}`, ['--tls', '--tls-verify', '--tls-ca-path', pki.caFile, '--body', 'over tls']);
    expect(replies).toEqual(expect.arrayContaining(['250-STARTTLS', '220 Ready to start TLS', '250-AUTH PLAIN LOGIN']));
    remember(replies.at(-2), '447400123406');
  });

  test('a second recipient gets 452 4.5.3; the mail goes to the first only', async () => {
    const { replies } = await send(`+447400123407@${DOMAIN},+447400123408@${DOMAIN}`, ['--body', 'two recipients']);
    expect(replies).toContain('452 4.5.3 one recipient per message');
    remember(replies.at(-2), '447400123407');
    expect(submitsTo('447400123407')).toHaveLength(1);
    expect(submitsTo('447400123408')).toHaveLength(0);
  });

  test('a bad number is refused at RCPT with 550 5.1.1 and the reason; another domain with 550 5.1.2', async () => {
    const bad = await send(`+4474001234@${DOMAIN}`, ['--body', 'x']);
    expect(bad.replies).toContain('550 5.1.1 Recipient number is not a valid phone number (E.164, or national for GB)');
    const elsewhere = await send('+447400123409@mail.example.org', ['--body', 'x']);
    expect(elsewhere.replies).toContain('550 5.1.2 Domain mail.example.org is not an SMS domain of this gateway');
    expect(submitsTo('447400123409')).toHaveLength(0);
  });

  test('a mail over SMSGW_SMTP_MAX_BYTES is read to its end and refused with 552 5.3.4', async () => {
    const { replies } = await send(`+447400123410@${DOMAIN}`, ['--body', 'a'.repeat(MAX_BYTES + 100)]);
    expect(replies).toContain(`552 5.3.4 Message larger than ${MAX_BYTES} bytes`);
    expect(submitsTo('447400123410')).toHaveLength(0);
  });

  test('quoted-printable and base64 bodies are decoded; UTF-8 text outside GSM goes out as UCS-2', async () => {
    const transport = mailer();
    try {
      const qp = await transport.sendMail({ from: 'app@example.net', to: `+447400123411@${DOMAIN}`, subject: 'otp', text: 'Código=4821; válido 5 min', textEncoding: 'quoted-printable' });
      remember(qp.response, '447400123411');
      const b64 = await transport.sendMail({ from: 'app@example.net', to: `+447400123412@${DOMAIN}`, subject: 'otp', text: 'Ваш код 4821', textEncoding: 'base64' });
      remember(b64.response, '447400123412');
    } finally {
      transport.close();
    }
    expect(submitsTo('447400123411').map((s) => [s.text, s.dataCoding])).toEqual([['Código=4821; válido 5 min', 8]]);
    expect(submitsTo('447400123412').map((s) => [s.text, s.dataCoding])).toEqual([['Ваш код 4821', 8]]);
  });

  test('an HTML-only mail is sent as its text; quoted reply and signature are dropped', async () => {
    const transport = mailer();
    try {
      const html = await transport.sendMail({ from: 'app@example.net', to: `+447400123413@${DOMAIN}`, subject: 's', html: '<p>Your code is <b>4821</b></p>\n<p>Valid   5 minutes</p>' });
      remember(html.response, '447400123413');
      const reply = await transport.sendMail({
        from: 'app@example.net',
        to: `+447400123414@${DOMAIN}`,
        subject: 'Re: deploy',
        text: 'Deploy done.\n\nOn Mon, 5 Jan 2026, Ann <ann@example.net> wrote:\n> Is the deploy done?\n> Thanks\n\n-- \nBob\nOps team',
      });
      remember(reply.response, '447400123414');
    } finally {
      transport.close();
    }
    expect(submitsTo('447400123413').map((s) => s.text)).toEqual(['Your code is 4821 Valid 5 minutes']);
    expect(submitsTo('447400123414').map((s) => s.text)).toEqual(['Deploy done.']);
  });

  test('a long mail is split into segments, one submit per part, one record with every part', async () => {
    const text = 'Alert: replication lag on db2 is above threshold. '.repeat(5).trim();
    const { replies } = await send(`+447400123415@${DOMAIN}`, ['--body', text]);
    const id = remember(replies.at(-2), '447400123415');
    const parts = submitsTo('447400123415');
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.udh !== undefined && p.dataCoding === 0)).toBe(true);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect((await record(id)).json.segments).toHaveLength(2);
  });

  test('an MTA resending a mail (same Message-ID and recipient) gets the first id again, and nothing is sent twice', async () => {
    const transport = mailer();
    const mail = { from: 'app@example.net', to: `+447400123416@${DOMAIN}`, subject: 'otp', text: 'Code 1111', messageId: '<resend-1@example.net>' };
    try {
      const first = await transport.sendMail(mail);
      const again = await transport.sendMail(mail);
      expect(sentId(again.response)).toBe(remember(first.response, '447400123416'));
    } finally {
      transport.close();
    }
    expect(submitsTo('447400123416')).toHaveLength(1);
  });

  test('an abuse limit is a 550 5.7.1 with the reason, and nothing reaches the SMSC', async () => {
    for (const n of [1, 2]) remember((await send(`+447400123417@${DOMAIN}`, ['--body', `code ${n}`])).replies.at(-2), '447400123417');
    const { replies } = await send(`+447400123417@${DOMAIN}`, ['--body', 'code 3']);
    expect(replies).toContain('550 5.7.1 Too many messages to this number: at most 2 per 10 min; retry in 10 min');
    expect(submitsTo('447400123417')).toHaveLength(2);
  });

  test('a permanent SMSC refusal is 550 5.0.0; throttling until the deadline is 451 4.4.5', async () => {
    const refused = await send(`+${REFUSED}@${DOMAIN}`, ['--body', 'refused']);
    expect(refused.replies).toContain('550 5.0.0 SMSC rejected the message: ESME_RINVDSTADR (0x0B)');
    const throttled = await send(`+${THROTTLED}@${DOMAIN}`, ['--body', 'throttled']);
    expect(throttled.replies.at(-2)).toMatch(/^451 4\.4\.5 SMSC (throttling|rejected the message): ESME_RTHROTTLED \(0x58\)/);
  });

  test('every accepted mail is exactly its parts at the SMSC and a record; the metrics count the outcomes', async () => {
    const expected = [...accepted.values()].flatMap((digits) => submitsTo(digits));
    const refusedOrThrottled = fake.smsc.submits.filter((s) => s.destinationAddr === REFUSED || s.destinationAddr === THROTTLED);
    expect(fake.smsc.submits.length).toBe(new Set(expected).size + refusedOrThrottled.length);
    for (const id of accepted.keys()) expect((await record(id)).status).toBe(200);

    const samples = parseExposition(await (await fetch(`${gw.metricsUrl}/metrics`)).text());
    const outcome = (name: string) => valueOf(samples, 'smsgw_smtp_messages_total', { outcome: name });
    expect(outcome('success')).toBe(accepted.size + 1); // the resent mail is a success too
    expect(outcome('invalid_number')).toBe(1);
    expect(outcome('unknown_domain')).toBe(1);
    expect(outcome('body_too_large')).toBe(1);
    expect(outcome('number_rate_limited')).toBe(1);
    expect(valueOf(samples, 'smsgw_smtp_auth_failures_total', { reason: 'invalid_credentials' })).toBe(1);
    expect(valueOf(samples, 'smsgw_abuse_duplicates_total')).toBe(1);
    expect(valueOf(samples, 'smsgw_smtp_sessions_total', { result: 'accepted' })).toBeGreaterThanOrEqual(20);
  });

  test('the logs name no full number and no text', () => {
    const logs = gw.stdout.join('\n');
    expect(logs).toContain('"msg":"smtp message"');
    for (const secret of ['7400123401', '7400123415', 'Disk /var', 'Code 1111', 'replication lag', PASSWORD]) expect(logs).not.toContain(secret);
  });

  test('with the SMSC down, a mail is answered 451 4.4.1 within the deadline, so the MTA retries', async () => {
    await fake.smsc.stop();
    const { replies } = await send(`+447400123418@${DOMAIN}`, ['--body', 'while down']);
    // The reply the request deadline gives: no session came up before it.
    expect(replies.at(-2)).toMatch(/^451 4\.4\.1 SMSC not bound: no SMPP session was available before the request deadline/);
  });
});

run('SMSGW_SMTP_TEXT=subject and subject+body (swaks against the gateway process)', () => {
  let fake: Awaited<ReturnType<typeof startFakeSmsc>>;
  const gateways = new Map<string, { gw: GatewayProcess; smtpPort: number }>();
  const modes = { subject: '447400123431', 'subject+body': '447400123432' } as const;

  beforeAll(async () => {
    fake = await startFakeSmsc();
    await Promise.all(
      Object.keys(modes).map(async (mode) => {
        const gw = await startGatewayProcess({ NODE_ENV: 'test', SMSGW_AUTH_TOKEN: TOKEN, SMSGW_SMSC_URL: fake.url, SMSGW_SMSC_SYSTEM_ID: 'smsgw', SMSGW_SMSC_PASSWORD: 'secret12', SMSGW_SMTP_PORT: '0', SMSGW_SMTP_TEXT: mode, SMSGW_LOG_LEVEL: 'info' });
        gateways.set(mode, { gw, smtpPort: Number(new URL(gw.smtpUrl!).port) });
      }),
    );
  }, 30_000);

  afterAll(async () => {
    await Promise.all([...gateways.values()].map(({ gw }) => gw.stop()));
    await fake?.smsc.stop();
  });

  const mail = (mode: keyof typeof modes, more: string[]) =>
    swaks(['--server', `127.0.0.1:${gateways.get(mode)!.smtpPort}`, '--from', 'monitor@example.net', '--to', `+${modes[mode]}@${DOMAIN}`, ...more]);
  const body = 'Valid  5 minutes.\n\n-- \nOps team';

  test('subject: the SMS is the subject alone; a mail without one gets 550 5.6.0', async () => {
    const { replies } = await mail('subject', ['--header', 'Subject: Login   code 4821', '--body', body]);
    expect(sentId(replies.at(-2))).toBeDefined();
    const empty = await mail('subject', ['--header', 'Subject: ', '--body', body]);
    expect(empty.replies).toContain('550 5.6.0 Subject is empty');
    expect(fake.smsc.submits.filter((s) => s.destinationAddr === modes.subject).map((s) => s.text)).toEqual(['Login code 4821']);
  });

  test('subject+body: the subject, a line break, then the body as in body mode', async () => {
    const { replies } = await mail('subject+body', ['--header', 'Subject: Login   code 4821', '--body', body]);
    expect(sentId(replies.at(-2))).toBeDefined();
    expect(fake.smsc.submits.filter((s) => s.destinationAddr === modes['subject+body']).map((s) => s.text)).toEqual(['Login code 4821\nValid 5 minutes.']);
  });
});
