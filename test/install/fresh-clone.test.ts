// The README's production recipe run as a user runs it: a fresh clone of this repository's HEAD
// (committed work only), the recipe's own lines in sh (`export NODE_ENV=production` … `npm ci &&
// npm start`, so npm leaves out the devDependencies and the build must happen at install time),
// against a fake SMSC on loopback, until /readyz is 200 and an OTP goes through. Its npm ci compiles
// better-sqlite3 (about 2 minutes here), so it is not part of `npm test`: `npm run test:install`
// runs it, and .ci/run does so after the suite.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, waitFor } from '../support/gateway';
import { runCommand } from '../support/run-command';

const root = path.resolve(__dirname, '../..');
const NPM_CI_TIMEOUT_MS = 8 * 60_000;

/** The sh block under "Point it at a real carrier", line by line. */
function productionRecipe(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Point it at a real carrier$/m)[1]!;
  return /```sh\n([\s\S]*?)```/.exec(section)![1]!.trimEnd().split('\n');
}

/** The recipe with the values that name the outside world (SMSC, secret files) replaced; every other line as written. */
function withLocalValues(recipe: string[], values: Record<string, string>): string {
  const replaced = new Set<string>();
  const lines = recipe.map((line) => {
    const name = /^export (\w+)=/.exec(line)?.[1];
    if (!name || values[name] === undefined) return line;
    replaced.add(name);
    return `export ${name}=${values[name]}`;
  });
  expect([...replaced].sort()).toEqual(Object.keys(values).sort());
  return lines.join('\n');
}

test(
  'the README production recipe works on a fresh clone: npm ci builds, npm start runs without a compiler, /readyz 200, an OTP is sent',
  async () => {
    const recipe = productionRecipe();
    expect(recipe).toContain('export NODE_ENV=production');
    expect(recipe[recipe.length - 1]).toBe('npm ci && npm start');

    const work = mkdtempSync(path.join(tmpdir(), 'smsgw-fresh-clone-'));
    const clone = path.join(work, 'smsgw');
    const secrets = path.join(work, 'secrets');
    mkdirSync(secrets, { mode: 0o700 });
    const secret = (name: string, value: string) => {
      const file = path.join(secrets, name);
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      return file;
    };
    const token = 'fresh-clone-token-4c1d9e7a0b3f5a2c';
    const { smsc, url } = await startFakeSmsc({ systemId: 'your-account', password: 'carrier-pw-1' });
    let child: ReturnType<typeof spawn> | undefined;
    try {
      execFileSync('git', ['clone', '--quiet', root, clone]);
      const script = withLocalValues(recipe, {
        SMSGW_SMSC_URL: url,
        SMSGW_SMSC_PASSWORD_FILE: secret('smpp-password', 'carrier-pw-1'),
        SMSGW_AUTH_TOKEN_FILE: secret('exsign-token', token),
        SMSGW_NUMBER_HASH_KEY_FILE: secret('number-hash-key', 'k'.repeat(48)),
      });
      // A user's shell: no NODE_ENV=test from jest, no npm_config_* from the npm running jest.
      child = spawn('sh', ['-c', script], {
        cwd: clone,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SMSGW_HTTP_PORT: '0', SMSGW_METRICS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: npm, sh and node are stopped together, by its id
      });
      const logs: Record<string, unknown>[] = [];
      const output: string[] = [];
      const stdout = createInterface({ input: child.stdout! });
      // npm, sh and the gateway share the pipe: it closes once the last of them has exited.
      const allExited = once(stdout, 'close');
      stdout.on('line', (line) => {
        output.push(line);
        if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
      });
      createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));

      await waitFor(() => logs.some((l) => l.msg === 'gateway listening') || child!.exitCode !== null, 'the gateway to listen', NPM_CI_TIMEOUT_MS).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${output.slice(-30).join('\n')}`);
        },
      );
      const listening = logs.find((l) => l.msg === 'gateway listening');
      if (!listening) throw new Error(`the recipe exited with ${child.exitCode}:\n${output.slice(-30).join('\n')}`);
      expect(output.join('\n')).not.toMatch(/tsc: not found|error TS\d+/);
      const gatewayUrl = String(listening.http);

      let ready = 0;
      for (const until = Date.now() + 10_000; ready !== 200 && Date.now() < until; ) {
        ready = await fetch(`${gatewayUrl}/readyz`).then((res) => res.status, () => 0);
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(200);

      const answer = await fetch(`${gatewayUrl}/exsign/sms`, {
        method: 'POST',
        headers: { authorization: `token ${Buffer.from(token).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify(sms('Your code is 4821', '+447400123456')),
      }).then((res) => res.json());
      expect(answer).toEqual({ IsSuccess: true, ErrorDetails: '' });
      expect(smsc.submits.map((s) => s.destinationAddr)).toEqual(['447400123456']);

      // The operator CLI of the same install, through npx, with the recipe's settings.
      const settings = script.split('\n').filter((line) => line.startsWith('export ')).join('\n');
      // Not spawnSync: the fake SMSC lives in this process and must keep answering.
      const cli = await runCommand('sh', ['-c', `${settings}\nnpx smsgw check-bind && npx smsgw send --to +447400123457 --text 'Your code is 9034'`], {
        cwd: clone,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SMSGW_HTTP_PORT: new URL(gatewayUrl).port },
      });
      expect({ status: cli.status, stderr: cli.stderr, stdout: cli.status === 0 ? '' : cli.stdout }).toEqual({ status: 0, stderr: '', stdout: '' });
      expect(cli.stdout).toMatch(/^default: .*\n {2}connect: ok.*\n {2}bind: ok \(ESME_ROK\).*\n {2}enquire_link: ok.*\n {2}unbind: ok.*\nIsSuccess: true\nErrorDetails: \nmessage id: \S+\n$/);
      expect(smsc.submits.map((s) => s.destinationAddr)).toEqual(['447400123456', '447400123457']);

      process.kill(-child.pid!, 'SIGTERM');
      await allExited;
      expect(logs.some((l) => l.msg === 'gateway stopped')).toBe(true);
    } finally {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
      await smsc.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
  NPM_CI_TIMEOUT_MS + 60_000,
);
