// The gateway's lifecycle: building opens nothing, start() opens, listens and binds, stop() undoes
// whatever start() did (also a start that failed halfway, or one still running) and drains on the
// in-flight count, not on a clock.
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGateway } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/log';
import { behaviours, startFakeSmsc } from './support/fake-smsc';
import { LogCapture, sms, tokenHeader, TEST_TOKEN } from './support/gateway';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'smsgw-app-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

/** A development-profile gateway (built-in simulator, SQLite, a generated number-hash key) on port 0. */
function build(env: Record<string, string> = {}) {
  const dataDir = path.join(workDir, 'data');
  const config = loadConfig({
    env: { NODE_ENV: 'development', SMSGW_HTTP_HOST: '127.0.0.1', SMSGW_HTTP_PORT: '0', SMSGW_METRICS_PORT: '0', SMSGW_SMTP_PORT: '0', SMSGW_AUTH_TOKEN: TEST_TOKEN, SMSGW_DATA_DIR: dataDir, ...env },
  });
  const logs = new LogCapture();
  return { gateway: createGateway(config, createLogger('info', logs)), dataDir, logs };
}

/** Whether something accepts connections at `url` (host:port of an smpp:// or http:// URL). */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('gateway lifecycle', () => {
  it('opens nothing while it is built: no data directory, key file or simulator until start()', async () => {
    const { gateway, dataDir } = build();
    expect(existsSync(dataDir)).toBe(false);
    expect(gateway.simulator).toBeUndefined();
    expect(() => gateway.httpUrl()).toThrow('the gateway has not been started');
    await gateway.stop();
    await expect(gateway.start()).rejects.toThrow('the gateway has been stopped');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('start() opens the store, the simulator and the listeners; stop() closes every one, once', async () => {
    const { gateway, dataDir, logs } = build();
    await gateway.start();
    expect(existsSync(path.join(dataDir, 'number-hash.key'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'messages.sqlite'))).toBe(true);
    const simulatorUrl = logs.records().find((r) => r.simulatorUrl)!.simulatorUrl as string;
    const urls = [gateway.httpUrl(), gateway.metricsUrl(), gateway.smtpUrl()!, simulatorUrl];
    for (const url of urls) expect(await accepts(url)).toBe(true);
    const [first, second] = [gateway.stop(), gateway.stop()];
    expect(second).toBe(first);
    await first;
    for (const url of urls) expect(await accepts(url)).toBe(false);
    // SQLite removes the WAL file when its last connection closes.
    expect(existsSync(path.join(dataDir, 'messages.sqlite-wal'))).toBe(false);
    expect(logs.records().filter((r) => r.msg === 'gateway stopped')).toHaveLength(1);
  });

  it('a start that fails halfway (the HTTP port taken) leaves what it opened to stop()', async () => {
    const taken: Server = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const { gateway, dataDir, logs } = build({ SMSGW_HTTP_PORT: String((taken.address() as { port: number }).port) });
      await expect(gateway.start()).rejects.toThrow(/EADDRINUSE/);
      const simulatorUrl = logs.records().find((r) => r.simulatorUrl)!.simulatorUrl as string;
      expect(await accepts(simulatorUrl)).toBe(true);
      await gateway.stop();
      expect(await accepts(simulatorUrl)).toBe(false);
      expect(existsSync(path.join(dataDir, 'messages.sqlite-wal'))).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('stop() during start() ends the start and undoes it', async () => {
    const { gateway, dataDir, logs } = build();
    const starting = gateway.start();
    const stopped = gateway.stop();
    await expect(starting).rejects.toThrow('the gateway was stopped while starting');
    await stopped;
    expect(logs.records().some((r) => r.simulatorUrl)).toBe(false);
    expect(existsSync(path.join(dataDir, 'messages.sqlite-wal'))).toBe(false);
  });

  it('drains on the in-flight count: stop() ends when the last request is answered, long before the drain timeout', async () => {
    const { smsc, url } = await startFakeSmsc(behaviours.slow(300));
    try {
      const { gateway } = build({ SMSGW_SIMULATOR: 'false', SMSGW_SMSC_URL: url, SMSGW_SMSC_SYSTEM_ID: 'smsgw', SMSGW_SMSC_PASSWORD: 'secret12', SMSGW_SOURCE_ADDR: 'ExSign', SMSGW_SHUTDOWN_DRAIN_MS: '600000' });
      await gateway.start();
      const submitted = once(smsc, 'submit');
      const answer = fetch(`${gateway.httpUrl()}/exsign/sms`, { method: 'POST', headers: { authorization: tokenHeader() }, body: JSON.stringify(sms('drain 1', '+447400123456')) });
      await submitted;
      const stopped = gateway.stop();
      expect(await (await answer).json()).toEqual({ IsSuccess: true, ErrorDetails: '' });
      // With the drain timeout at ten minutes, only the in-flight count reaching zero lets this resolve within the test's time.
      await stopped;
    } finally {
      await smsc.stop();
    }
  });
});
