// The SMTP listener's session rules over a raw loopback socket (the wire, line by line): client
// address, the session cap, repeated AUTH failures, the idle and session time limits, and
// shutdown, which answers the mail in progress before closing the sessions.
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { behaviours, startFakeSmsc } from '../support/fake-smsc';
import { startGateway, withGateway, type TestGateway } from '../support/gateway';
import { metricValue } from '../support/status-api';

/** A line-reading SMTP client: send() writes a command, next() waits for the next reply line. */
async function connect(gw: TestGateway): Promise<{ socket: Socket; next(): Promise<string>; send(line: string): void; closed: Promise<void> }> {
  const { hostname, port } = new URL(gw.gateway.smtpUrl()!);
  const socket = createConnection({ host: hostname, port: Number(port) });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  socket.on('data', (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\r\n');
    partial = parts.pop()!;
    for (const line of parts) {
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    send: (line) => socket.write(`${line}\r\n`),
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), closed.then(() => '(closed)')]),
  };
}

const SMTP = { SMSGW_SMTP_PORT: '0' };

let fake: Awaited<ReturnType<typeof startFakeSmsc>>;
beforeAll(async () => {
  fake = await startFakeSmsc(behaviours.slow(300));
});
afterAll(() => fake.smsc.stop());

test('a client outside SMSGW_SMTP_ALLOWED_IPS is refused at connect with 554 5.7.1', async () => {
  await withGateway(fake.url, { ...SMTP, SMSGW_SMTP_ALLOWED_IPS: '10.1.2.3' }, async (gw) => {
    const client = await connect(gw);
    expect(await client.next()).toBe('554 5.7.1 Client address not allowed');
    await client.closed;
    expect(await metricValue(gw, 'smsgw_smtp_sessions_total{result="ip_not_allowed"}')).toBe(1);
  });
});

test('sessions beyond SMSGW_SMTP_MAX_SESSIONS are refused with 421 4.3.2', async () => {
  await withGateway(fake.url, { ...SMTP, SMSGW_SMTP_MAX_SESSIONS: '1' }, async (gw) => {
    const first = await connect(gw);
    expect(await first.next()).toMatch(/^220 /);
    const second = await connect(gw);
    expect(await second.next()).toBe('421 4.3.2 Too many SMTP sessions (1); try again later');
    await second.closed;
    expect(await metricValue(gw, 'smsgw_smtp_open_sessions')).toBe(1);
    first.socket.destroy();
  });
});

test('the third failed AUTH in a session gets 421 4.7.0 and the connection is closed', async () => {
  await withGateway(fake.url, { ...SMTP, SMSGW_SMTP_USER: 'relay', SMSGW_SMTP_PASSWORD: 'relay-password-8f2c41' }, async (gw) => {
    const client = await connect(gw);
    expect(await client.next()).toMatch(/^220 /);
    client.send('EHLO test');
    let line = await client.next();
    while (line.startsWith('250-')) line = await client.next();
    expect(line).toMatch(/^250 /);
    const wrong = Buffer.from('\0relay\0guess').toString('base64');
    for (const attempt of [1, 2]) {
      client.send(`AUTH PLAIN ${wrong}`);
      expect([attempt, await client.next()]).toEqual([attempt, '535 5.7.8 Authentication credentials invalid']);
    }
    client.send(`AUTH PLAIN ${wrong}`);
    expect(await client.next()).toBe('421 4.7.0 Too many failed authentication attempts; closing');
    await client.closed;
    expect(await metricValue(gw, 'smsgw_smtp_auth_failures_total{reason="invalid_credentials"}')).toBe(3);
  });
});

test('an idle client is closed after SMSGW_SMTP_IDLE_TIMEOUT_MS', async () => {
  await withGateway(fake.url, { ...SMTP, SMSGW_REQUEST_DEADLINE_MS: '200', SMSGW_SMTP_IDLE_TIMEOUT_MS: '400' }, async (gw) => {
    const client = await connect(gw);
    expect(await client.next()).toMatch(/^220 /);
    expect(await client.next()).toBe('421 Timeout - closing connection');
    await client.closed;
  });
});

test('a session longer than SMSGW_SMTP_SESSION_TIMEOUT_MS is closed with 421 4.4.2, however busy', async () => {
  await withGateway(fake.url, { ...SMTP, SMSGW_SMTP_SESSION_TIMEOUT_MS: '500' }, async (gw) => {
    const client = await connect(gw);
    expect(await client.next()).toMatch(/^220 /);
    const noop = setInterval(() => client.send('NOOP'), 50);
    try {
      let line = '';
      while (!line.startsWith('421') && line !== '(closed)') line = await client.next();
      expect(line).toBe('421 4.4.2 Session time limit reached; closing');
      await client.closed;
    } finally {
      clearInterval(noop);
    }
  });
});

test('on shutdown a mail waiting for the SMSC gets its 250 first, then idle sessions get 421 4.3.2', async () => {
  const gw = await startGateway(fake.url, SMTP);
  const idle = await connect(gw);
  const busy = await connect(gw);
  expect(await idle.next()).toMatch(/^220 /);
  expect(await busy.next()).toMatch(/^220 /);
  for (const command of ['EHLO test', 'MAIL FROM:<app@example.net>', 'RCPT TO:<+447400123456@sms.example.com>', 'DATA']) {
    busy.send(command);
    let line = await busy.next();
    while (line.startsWith('250-')) line = await busy.next();
    expect(line).toMatch(/^(250|354) /);
  }
  const atSmsc = once(fake.smsc, 'submit');
  busy.send('Subject: otp\r\n\r\nCode 4821\r\n.');
  // The SMSC answers 300 ms after it has the submit: stop() begins while the mail is in flight.
  await atSmsc;
  const stopped = gw.stop();
  expect(await busy.next()).toMatch(/^250 2\.0\.0 sent \S+$/);
  expect(await idle.next()).toBe('421 4.3.2 Gateway shutting down; try again later');
  await stopped;
  expect(fake.smsc.submits.filter((s) => s.destinationAddr === '447400123456')).toHaveLength(1);
});
