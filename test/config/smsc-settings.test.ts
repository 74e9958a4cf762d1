import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { smscSettings } from '../../src/config/smsc-settings';

const base = { NODE_ENV: 'test', SMSGW_AUTH_TOKEN: 'a-token-of-16-chars-or-more', SMSGW_SOURCE_ADDR: 'ExSign' };
const uk = { name: 'uk', url: 'smpp://127.0.0.1:2775', systemId: 'acme', password: 'pw' };

describe('several SMSCs in the configuration', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'smsgw-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads SMSCs and routes from the config file; the SMSGW_SMSC_* one comes first', () => {
    const file = path.join(dir, 'smscs.json');
    writeFileSync(path.join(dir, 'uk.password'), 'from-file\n');
    writeFileSync(
      file,
      JSON.stringify({
        smscs: [
          { ...uk, password: undefined, passwordFile: path.join(dir, 'uk.password'), sessions: 2, tps: 40, window: 5, sourceAddr: 'ACME', dataCoding: 3, tls: { verify: true } },
          { name: 'global', url: 'ssmpp://smpp.example.net:3550', systemId: 'g', password: 'x', bindMode: 'transmitter-receiver', errorPolicy: { '0x0400': 'retry' } },
        ],
        routes: [{ prefix: '44', smscs: ['uk', 'global'] }],
      }),
    );
    const config = loadConfig({ env: { ...base, SMSGW_CONFIG: file, SMSGW_SMSC_URL: 'smpp://127.0.0.1:2776', SMSGW_SMSC_TPS: '25' } });
    const list = smscSettings(config);
    expect(list.map((s) => s.name)).toEqual(['default', 'uk', 'global']);
    expect(list[0]).toMatchObject({ url: 'smpp://127.0.0.1:2776', tps: 25, sourceAddr: 'ExSign' });
    expect(list[1]).toMatchObject({ password: 'from-file', sessions: 2, tps: 40, window: 5, sourceAddr: 'ACME', dataCoding: 3, responseTimeoutMs: 5000 });
    // Entries take schema defaults, not the SMSGW_SMSC_* values of the first SMSC.
    expect(list[2]).toMatchObject({ sourceAddr: 'ExSign', tps: 0, window: 10, bindMode: 'transmitter-receiver', errorPolicy: { '0x0400': 'retry' } });
    expect(config.routes).toEqual([{ prefix: '44', smscs: ['uk', 'global'] }]);
    // Worked out once, when the configuration was loaded: the password file is not read again.
    rmSync(path.join(dir, 'uk.password'));
    expect(smscSettings(config)).toBe(list);
  });

  it('reads an entry\'s passwordFile as the other secret files are: text, trimmed, never empty', () => {
    const empty = path.join(dir, 'empty.password');
    const binary = path.join(dir, 'binary.password');
    writeFileSync(empty, '\n');
    writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00]));
    const load = (passwordFile: string) => loadConfig({ env: { ...base, SMSGW_SMSCS: JSON.stringify([{ ...uk, password: undefined, passwordFile }]) } });
    expect(() => load(empty)).toThrow(`smscs (SMSGW_SMSCS): smscs[0] ("uk"): passwordFile: ${empty} is empty`);
    expect(() => load(binary)).toThrow(`passwordFile: ${binary} is not text (UTF-8)`);
    expect(() => load(path.join(dir, 'missing'))).toThrow(`passwordFile: cannot read ${path.join(dir, 'missing')}: ENOENT`);
  });

  it('needs no SMSGW_SMSC_URL when SMSCs are listed', () => {
    const config = loadConfig({ env: { ...base, SMSGW_SMSCS: JSON.stringify([uk]) } });
    expect(smscSettings(config).map((s) => s.name)).toEqual(['uk']);
  });

  it.each([
    ['an unknown key', [{ ...uk, windw: 5 }], /^Invalid configuration: smscs \(SMSGW_SMSCS\): smscs\[0\] \("uk"\): .*windw/],
    ['a bad value', [{ ...uk, window: 0 }], /smscs\[0\] \("uk"\): window: must be a positive integer/],
    ['no url', [{ name: 'uk' }], /smscs\[0\] \("uk"\): url is required/],
    ['no name', [{ url: uk.url }], /smscs\[0\]: name is required/],
    ['a name used twice', [uk, uk], /SMSC name "uk" is used twice/],
    ['a bad error policy', [{ ...uk, errorPolicy: { ESME_RSYSERR: 'later' } }], /SMSC "uk": error policy entry "ESME_RSYSERR": "later"/],
    ['not JSON', '[{"name":', /smscs \(SMSGW_SMSCS\): must be a JSON array/],
  ])('rejects %s with one line naming the entry and key', (_what, smscs, message) => {
    const env = { ...base, SMSGW_SMSCS: typeof smscs === 'string' ? smscs : JSON.stringify(smscs) };
    expect(() => loadConfig({ env })).toThrow(ConfigError);
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('rejects routes to SMSCs that do not exist, and repeated prefixes', () => {
    const env = { ...base, SMSGW_SMSCS: JSON.stringify([uk]) };
    expect(() => loadConfig({ env: { ...env, SMSGW_ROUTES: JSON.stringify([{ prefix: '44', smscs: ['ukk'] }]) } })).toThrow(
      /^Invalid configuration: routes \(SMSGW_ROUTES\): routes\[0\]: no SMSC named "ukk" \(configured: uk\)$/,
    );
    expect(() => loadConfig({ env: { ...env, SMSGW_ROUTES: JSON.stringify([{ prefix: '44', smscs: ['uk'] }, { prefix: '+44', smscs: ['uk'] }]) } })).toThrow(/prefix "\+44" appears twice/);
    expect(() => loadConfig({ env: { ...env, SMSGW_ROUTES: JSON.stringify([{ prefix: 'UK', smscs: ['uk'] }]) } })).toThrow(/prefix must be digits/);
  });

  it('names SMSGW_SMSC_ERROR_POLICY when the first SMSC\'s policy is wrong', () => {
    const env = { ...base, SMSGW_SMSC_URL: 'smpp://127.0.0.1:2775', SMSGW_SMSC_ERROR_POLICY: '{"ESME_RTHROTLED":"throttle"}' };
    expect(() => loadConfig({ env })).toThrow(/^Invalid configuration: smsc\.errorPolicy \(SMSGW_SMSC_ERROR_POLICY\): SMSC "default": error policy entry "ESME_RTHROTLED"/);
  });

  it('requires credentials for every listed SMSC in production', () => {
    const env = { ...base, NODE_ENV: 'production', SMSGW_SMSCS: JSON.stringify([{ name: 'uk', url: uk.url }]) };
    expect(() => loadConfig({ env })).toThrow(/smscs\[0\] \("uk"\): systemId and password are required in production/);
  });
});
