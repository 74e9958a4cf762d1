// Start-up safety of the gateway as a process: the country policy production requires, the
// number-hash key (from outside the data directory, long enough, never empty), the masked number
// everywhere it appears, and the development defaults refused against a real SMSC.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { startFakeSmsc } from '../support/fake-smsc';
import { exsignBody, getMessage, postExsign, PROCESS_TOKEN, productionEnv, runGatewayToExit, startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { waitFor } from '../support/gateway';
import { hasTool } from '../support/tools';

const UK = '+447400123456';
const SOMALIA = '+252612345678';
const IRIDIUM = '+881631234567'; // +8816: Iridium satellite phones, libphonenumber region 001

let work: string;
let smsc: SmscSimulator;
let smscUrl: string;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'smsgw-safety-'));
  ({ smsc, url: smscUrl } = await startFakeSmsc());
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((gw) => gw.stop()));
});
afterAll(async () => {
  await smsc.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A file (mode 0600) in its own directory under the work directory, never inside a data directory. */
function secretFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(path.join(work, 'secrets-'));
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

const production = (extra: Record<string, string> = {}) => productionEnv(smscUrl, work, { SMSGW_ALLOWED_COUNTRIES: '*', ...extra });

async function start(env: Record<string, string>): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(env);
  running.push(gw);
  return gw;
}

const send = (gw: GatewayProcess, number: string, text: string) => postExsign(gw, exsignBody(number, text));

const submitted = (digits: string) => smsc.submits.filter((s) => s.destinationAddr === digits.slice(1)).length;

describe('country policy (SMS pumping)', () => {
  it('production refuses to start without SMSGW_ALLOWED_COUNTRIES or SMSGW_DEFAULT_REGION, naming both', async () => {
    const { SMSGW_ALLOWED_COUNTRIES: _unset, ...env } = production();
    const { code, stderr, stdout } = await runGatewayToExit(env);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "Invalid configuration: limits.countries (SMSGW_ALLOWED_COUNTRIES): production needs a country policy: set SMSGW_ALLOWED_COUNTRIES (e.g. GB,IE; '*' for every country) or SMSGW_DEFAULT_REGION (its country only)\n",
    );
    expect(stdout).toBe('');
  });

  it("'*' means every country but no non-geographic number; 001 lets those in; the default region alone keeps to its country", async () => {
    const [everyCountry, withSatellites, ukOnly] = await Promise.all([
      start(production({ SMSGW_ALLOWED_COUNTRIES: '*' })),
      start(production({ SMSGW_ALLOWED_COUNTRIES: '*,001' })),
      start(production({ SMSGW_ALLOWED_COUNTRIES: '', SMSGW_DEFAULT_REGION: 'GB' })),
    ]);
    const answers = async (gw: GatewayProcess, tag: string) =>
      Promise.all([UK, SOMALIA, IRIDIUM].map(async (number) => (await send(gw, number, `Your code is ${tag}`)).json));
    const ok = { IsSuccess: true, ErrorDetails: '' };
    expect(await answers(everyCountry, '1001')).toEqual([
      ok,
      ok,
      { IsSuccess: false, ErrorDetails: 'MobileNumber refused: non-geographic numbers (+881) are not allowed (allowed: every country)' },
    ]);
    expect(await answers(withSatellites, '1002')).toEqual([ok, ok, ok]);
    expect(await answers(ukOnly, '1003')).toEqual([
      ok,
      { IsSuccess: false, ErrorDetails: 'MobileNumber refused: country SO is not allowed (allowed: GB)' },
      { IsSuccess: false, ErrorDetails: 'MobileNumber refused: non-geographic numbers (+881) are not allowed (allowed: GB)' },
    ]);
    expect([submitted(UK), submitted(SOMALIA), submitted(IRIDIUM)]).toEqual([3, 2, 1]);
    expect(await everyCountry.metric('smsgw_abuse_refusals_total{reason="country_not_allowed"}')).toBe(1);
    expect(await ukOnly.metric('smsgw_abuse_refusals_total{reason="country_not_allowed"}')).toBe(2);
  });
});

describe('number-hash key and masked numbers', () => {
  it('production refuses to start without a key, saying how to make one', async () => {
    const { SMSGW_NUMBER_HASH_KEY_FILE: _unset, ...env } = production();
    const { code, stderr } = await runGatewayToExit(env);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Invalid configuration: privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): required in production: a secret of at least 32 bytes kept outside SMSGW_DATA_DIR, in SMSGW_NUMBER_HASH_KEY or a file named by SMSGW_NUMBER_HASH_KEY_FILE; make one with `smsgw token` or `openssl rand -hex 32`\n',
    );
  });

  it('a short, empty or binary key file, or one inside the data directory, stops start-up with one line', async () => {
    const dataDir = mkdtempSync(path.join(work, 'data-'));
    const inside = path.join(dataDir, 'number-hash.key');
    writeFileSync(inside, randomBytes(32).toString('hex'), { mode: 0o600 });
    const cases: [string, string][] = [
      [secretFile('short.key', 'only-20-bytes-here!!\n'), 'privacy.numberHashKeyFile (SMSGW_NUMBER_HASH_KEY_FILE): the key is 20 bytes; at least 32 are needed'],
      [secretFile('empty.key', '\n'), 'is empty'],
      [secretFile('binary.key', randomBytes(32).fill(0xff, 0, 1)), 'is not text (UTF-8)'],
      [inside, 'privacy.numberHashKeyFile (SMSGW_NUMBER_HASH_KEY_FILE): lies inside SMSGW_DATA_DIR'],
    ];
    const results = await Promise.all(cases.map(([file]) => runGatewayToExit(production({ SMSGW_NUMBER_HASH_KEY_FILE: file, SMSGW_DATA_DIR: dataDir }))));
    results.forEach(({ code, stderr }, i) => {
      expect(code).toBe(1);
      expect(stderr).toContain(cases[i]![1]);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });
  });

  it('outside production, a damaged generated key file stops start-up instead of hashing with an empty key', async () => {
    const results = await Promise.all(
      ['', 'not-hex-at-all'].map((content) => {
        const dataDir = mkdtempSync(path.join(work, 'data-'));
        writeFileSync(path.join(dataDir, 'number-hash.key'), content, { mode: 0o600 });
        return runGatewayToExit({ SMSGW_DATA_DIR: dataDir }).then((result) => ({ ...result, dataDir }));
      }),
    );
    for (const [i, { code, stderr, dataDir }] of results.entries()) {
      expect(code).toBe(1);
      expect(stderr).toBe(
        `Invalid configuration: privacy.numberHashKey (SMSGW_NUMBER_HASH_KEY): ${path.join(dataDir, 'number-hash.key')} is ${i === 0 ? 'empty' : 'corrupt'} (a generated key is 64 hex digits); delete it to have a new one generated (records hashed with the old key then no longer correlate), or set SMSGW_NUMBER_HASH_KEY_FILE\n`,
      );
    }
  });

  (hasTool('openssl', ['version']) ? it : it.skip)(
    'runs with a key made by `openssl rand -hex 32`, keeps no key in the data directory, and shows numbers as +44*******456 only',
    async () => {
      const keyFile = secretFile('openssl.key', execFileSync('openssl', ['rand', '-hex', '32']));
      const env = production({ SMSGW_NUMBER_HASH_KEY_FILE: keyFile, SMSGW_STORE: 'sqlite', SMSGW_LOG_LEVEL: 'info' });
      const gw = await start(env);
      const { json, messageId } = await send(gw, UK, 'Your code is 2002');
      expect(json).toEqual({ IsSuccess: true, ErrorDetails: '' });
      const status = await getMessage(gw, messageId);
      expect(status.status).toBe(200);
      const statusText = status.text;
      expect(await gw.stop()).toBe(0);

      const line = gw.logs().find((l) => l.msg === 'exsign request')!;
      expect(line).toMatchObject({ messageId, to: '+44*******456', outcome: 'SUCCESS' });
      const dataDir = env.SMSGW_DATA_DIR!;
      expect(readdirSync(dataDir)).not.toContain('number-hash.key');
      const stored = readdirSync(dataDir).map((f) => readFileSync(path.join(dataDir, f)).toString('latin1')).join('');
      expect(stored).toContain('+44*******456');
      for (const [where, text] of Object.entries({ logs: gw.stdout.join('\n'), stored, statusApi: statusText, stderr: gw.stderr() })) {
        expect({ where, leaks: ['7400123456', '7400123', '4474001'].filter((digits) => text.includes(digits)) }).toEqual({ where, leaks: [] });
      }
    },
  );
});

describe('development defaults against a real SMSC', () => {
  it('with the simulator off, the public dev token and sender id are refused whatever NODE_ENV says', async () => {
    const dataDir = mkdtempSync(path.join(work, 'data-'));
    const realSmsc = { SMSGW_SIMULATOR: 'false', SMSGW_SMSC_URL: smscUrl, SMSGW_DATA_DIR: dataDir };
    const bindsBefore = smsc.bindAttempts.length;
    const [unset, test, ownToken] = await Promise.all([
      runGatewayToExit(realSmsc), // NODE_ENV unset: the development profile, whose file sets dev-token
      runGatewayToExit({ ...realSmsc, NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 'dev-token' }),
      runGatewayToExit({ ...realSmsc, SMSGW_AUTH_TOKEN: 'an-own-token-0123456789' }), // still the dev sender id
    ]);
    for (const { code } of [unset, test, ownToken]) expect(code).toBe(1);
    const devToken =
      'Invalid configuration: auth.token (SMSGW_AUTH_TOKEN): the public development token "dev-token" from config/development.json serves only the built-in simulator; with a real SMSC set your own token (SMSGW_AUTH_TOKEN or SMSGW_AUTH_TOKEN_FILE)\n';
    expect(unset.stderr).toBe(devToken);
    expect(test.stderr).toBe(devToken);
    expect(ownToken.stderr).toBe(
      'Invalid configuration: message.sourceAddr (SMSGW_SOURCE_ADDR): the development sender id "SMSGW-DEV" from config/development.json serves only the built-in simulator; with a real SMSC set the sender id agreed with the carrier\n',
    );
    expect(smsc.bindAttempts.length).toBe(bindsBefore); // refused before any connection to the SMSC
  });

  it('with its own token and sender id the development profile runs, warning that production checks are off', async () => {
    const gw = await start({
      SMSGW_SIMULATOR: 'false',
      SMSGW_SMSC_URL: smscUrl,
      SMSGW_SMSC_SYSTEM_ID: 'smsgw',
      SMSGW_SMSC_PASSWORD: 'secret12',
      SMSGW_AUTH_TOKEN: PROCESS_TOKEN,
      SMSGW_SOURCE_ADDR: 'ExSign',
      SMSGW_DATA_DIR: mkdtempSync(path.join(work, 'data-')),
    });
    const warning = (l: Record<string, unknown>) => String(l.msg).startsWith('NODE_ENV is not production but a real SMSC is configured');
    await waitFor(() => gw.logs().some(warning), 'the start-up warning');
    expect(gw.logs().find(warning)).toMatchObject({ level: 40 });
    expect((await send(gw, UK, 'Your code is 3003')).json).toEqual({ IsSuccess: true, ErrorDetails: '' });
  });
});
