// AUTH from a client that is not on loopback, over a real socket: swaks runs on a client host of
// the test's own (a network namespace joined by a veth pair, root only), so the gateway sees a
// peer address that is not loopback. Before STARTTLS its AUTH gets 538 5.7.11; after STARTTLS the
// same credentials are accepted.
import { startFakeSmsc } from '../support/fake-smsc';
import { createClientHost, hasNetworkNamespaces, type ClientHost } from '../support/client-host';
import { startGateway, type TestGateway } from '../support/gateway';
import { hasSwaks, sentId, swaks } from '../support/smtp-clients';
import { metricValue } from '../support/status-api';
import { createTestPki, hasOpenssl, type TestPki } from '../support/test-certs';

const USER = 'relay';
const PASSWORD = 'relay-password-8f2c41';

const run = hasNetworkNamespaces && hasSwaks && hasOpenssl ? describe : describe.skip;

run('AUTH from a client on another host (a network namespace of the test)', () => {
  let host: ClientHost;
  let pki: TestPki;
  let fake: Awaited<ReturnType<typeof startFakeSmsc>>;
  let gw: TestGateway;
  let server: string;

  beforeAll(async () => {
    host = createClientHost();
    pki = createTestPki();
    fake = await startFakeSmsc();
    gw = await startGateway(fake.url, {
      SMSGW_SMTP_HOST: host.localAddress,
      SMSGW_SMTP_PORT: '0',
      SMSGW_SMTP_ALLOWED_IPS: host.clientAddress,
      SMSGW_SMTP_USER: USER,
      SMSGW_SMTP_PASSWORD: PASSWORD,
      SMSGW_SMTP_TLS_CERT_FILE: pki.serverCertFile,
      SMSGW_SMTP_TLS_KEY_FILE: pki.serverKeyFile,
    });
    server = new URL(gw.gateway.smtpUrl()!).host;
  }, 30_000);

  afterAll(async () => {
    await gw?.stop();
    await fake?.smsc.stop();
    pki?.remove();
    host?.remove();
  });

  const send = (to: string, more: string[]) =>
    swaks(['--server', server, '--from', 'monitor@example.net', '--to', to, '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD, ...more], host.via);

  test('before STARTTLS, AUTH gets 538 5.7.11 and nothing is sent', async () => {
    const { replies } = await send('+447400123451@sms.example.com', ['--body', 'in clear']);
    expect(replies).toContain('250-AUTH PLAIN LOGIN');
    expect(replies).toContain('538 5.7.11 Must issue a STARTTLS command first');
    expect(replies.some((line) => line.startsWith('250 2.0.0'))).toBe(false);
    expect(fake.smsc.submits).toHaveLength(0);
    expect(await metricValue(gw, 'smsgw_smtp_auth_failures_total{reason="encryption_required"}')).toBe(1);
  });

  test('after STARTTLS the same AUTH is accepted and the mail sent; the gateway saw the client host', async () => {
    const { replies } = await send('+447400123452@sms.example.com', ['--tls', '--body', 'over tls']);
    expect(replies).toEqual(expect.arrayContaining(['220 Ready to start TLS', '235 Authentication successful']));
    const id = sentId(replies.at(-2));
    expect(id).toBeDefined();
    expect(fake.smsc.submits.map((s) => [s.destinationAddr, s.text])).toEqual([['447400123452', 'over tls']]);
    const clients = gw.logs.records().filter((r) => r.msg === 'smtp message').map((r) => [r.client, r.messageId]);
    expect(clients).toEqual([[host.clientAddress, id]]);
  });
});
