// Live reload: the gateway as a real process gets SIGHUP after its token file or its config file
// changed. Reloadable settings take effect at once; the SMPP bind and requests in flight are
// untouched; an invalid file is refused in one log line; settings that need a bind are named.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startFakeSmsc } from '../support/fake-smsc';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { sms, waitFor } from '../support/gateway';

const OLD_TOKEN = 'reload-test-old-token-5b2e81';
const NEW_TOKEN = 'reload-test-new-token-c90d47';

async function post(gw: GatewayProcess, body: unknown, token: string): Promise<{ IsSuccess: boolean; ErrorDetails: string }> {
  const res = await fetch(`${gw.httpUrl}/exsign/sms`, {
    method: 'POST',
    headers: { authorization: `token ${Buffer.from(token).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { IsSuccess: boolean; ErrorDetails: string };
}

/** The first line the SMTP listener writes to a new connection. */
async function smtpGreeting(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  try {
    const [line] = (await once(createInterface({ input: socket }), 'line')) as [string];
    return line;
  } finally {
    socket.destroy();
  }
}

const records = (gw: GatewayProcess) => gw.stdout.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * SIGHUP, then the log lines written since, once there are `count` of them. Request lines are left
 * out: the previous request's line may reach the pipe after its answer reached the test.
 */
async function sighup(gw: GatewayProcess, count = 1): Promise<Record<string, unknown>[]> {
  const before = records(gw).length;
  const since = () => records(gw).slice(before).filter((r) => r.msg !== 'exsign request');
  gw.child.kill('SIGHUP');
  await waitFor(() => since().length >= count, `${count} log line(s) after SIGHUP`);
  return since();
}

test('SIGHUP: a new token file and config file take effect, in-flight requests and the bind survive, bad files are refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'smsgw-reload-'));
  const tokenFile = path.join(dir, 'exsign-token');
  const configFile = path.join(dir, 'smsgw.json');
  writeFileSync(tokenFile, `${OLD_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(configFile, '{}\n');
  const { smsc, url } = await startFakeSmsc({ onSubmit: (submit) => (submit.text.startsWith('slow') ? { delayMs: 800 } : {}) });
  const gw = await startGatewayProcess({
    NODE_ENV: 'production',
    SMSGW_SMSC_URL: url,
    SMSGW_SMSC_SYSTEM_ID: 'smsgw',
    SMSGW_SMSC_PASSWORD: 'secret12',
    SMSGW_AUTH_TOKEN_FILE: tokenFile,
    SMSGW_CONFIG: configFile,
    SMSGW_DEFAULT_REGION: 'GB',
    SMSGW_NUMBER_HASH_KEY: 'reload-test-number-hash-key-0123456789ab',
    SMSGW_DATA_DIR: path.join(dir, 'data'),
    SMSGW_METRICS_PORT: '0',
    SMSGW_SMTP_PORT: '0',
  });
  const smtpPort = Number(new URL(gw.smtpUrl!).port);
  try {
    expect(await post(gw, sms('code 1', '+447400100001'), OLD_TOKEN)).toEqual({ IsSuccess: true, ErrorDetails: '' });

    // A new token file; a request is in flight when the signal comes.
    const inflight = post(gw, sms('slow code 2', '+447400100002'), OLD_TOKEN);
    await waitFor(() => smsc.submits.length === 2, 'the slow submit at the SMSC');
    writeFileSync(tokenFile, `${NEW_TOKEN}\n`);
    const tokenReload = await sighup(gw);
    expect(tokenReload.map((r) => [r.level, r.msg])).toEqual([[30, 'configuration reloaded: auth.token']]);
    expect(await inflight).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect(await post(gw, sms('code 3', '+447400100003'), OLD_TOKEN)).toEqual({ IsSuccess: false, ErrorDetails: 'Authorization token not accepted' });
    expect(await post(gw, sms('code 4', '+447400100004'), NEW_TOKEN)).toEqual({ IsSuccess: true, ErrorDetails: '' });

    // An invalid file: one error line, and the running configuration (the new token) stays.
    writeFileSync(configFile, '{"limits": {"perNumber": "lots"}}\n');
    const refused = await sighup(gw);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 50 });
    expect(refused[0]!.msg).toMatch(/^configuration reload refused, the running configuration stays: Invalid configuration: limits\.perNumber \(SMSGW_LIMIT_PER_NUMBER\): /);
    expect(await post(gw, sms('code 5', '+447400100005'), NEW_TOKEN)).toEqual({ IsSuccess: true, ErrorDetails: '' });

    // Abuse limits and log level apply at once; a setting that needs a new bind is named, not applied.
    writeFileSync(configFile, JSON.stringify({ limits: { perNumber: 1 }, log: { level: 'warn' }, smsc: { window: 20, systemType: 'OTP' } }));
    const limits = await sighup(gw, 2);
    expect(limits.map((r) => [r.level, r.msg])).toEqual([
      [30, 'configuration reloaded: limits.perNumber, log.level'],
      [40, 'changed settings need a restart and are not in effect: smsc.systemType (SMSGW_SMSC_SYSTEM_TYPE), smsc.window (SMSGW_SMSC_WINDOW)'],
    ]);
    const logged = records(gw).length;
    expect(await post(gw, sms('code 6', '+447400100006'), NEW_TOKEN)).toEqual({ IsSuccess: true, ErrorDetails: '' });
    expect((await post(gw, sms('code 7', '+447400100006'), NEW_TOKEN)).ErrorDetails).toMatch(/^Too many messages to this number: at most 1 per 10 min/);
    expect(records(gw).slice(logged).filter((r) => r.msg === 'exsign request')).toEqual([]); // level warn now

    // The allowlists: this caller (127.0.0.1) is no longer allowed, on HTTP nor on SMTP.
    expect(await smtpGreeting(smtpPort)).toMatch(/^220 /);
    writeFileSync(configFile, JSON.stringify({ allowedIps: ['10.1.2.3'], smtp: { allowedIps: ['10.1.2.3'] }, log: { level: 'info' } }));
    expect((await sighup(gw, 2)).map((r) => r.msg)).toEqual([
      'configuration reloaded: allowedIps, limits.perNumber, smtp.allowedIps, log.level',
      // The start-up warnings of the configuration now running are logged again.
      'SMSGW_SMTP_ALLOWED_IPS lets 10.1.2.3 send mail to SMS without SMTP AUTH; set SMSGW_SMTP_USER and SMSGW_SMTP_PASSWORD',
    ]);
    expect(await post(gw, sms('code 8', '+447400100008'), NEW_TOKEN)).toEqual({ IsSuccess: false, ErrorDetails: 'Caller address not allowed' });
    expect(await smtpGreeting(smtpPort)).toMatch(/^554 /);

    // Through it all, one bind: the SMSC saw no new bind and the session never changed state.
    expect(smsc.bindAttempts).toHaveLength(1);
    expect(records(gw).filter((r) => typeof r.msg === 'string' && r.msg.startsWith('SMPP bind')).map((r) => r.to)).toEqual(['connecting', 'binding', 'bound']);
    expect(smsc.submits.map((s) => s.text)).toEqual(['code 1', 'slow code 2', 'code 4', 'code 5', 'code 6']);
    expect(await gw.stop()).toBe(0);
  } finally {
    gw.child.kill('SIGKILL');
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
