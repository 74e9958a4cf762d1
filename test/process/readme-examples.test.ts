// The examples the README gives for trying the development profile, copied as a user copies them
// and run with the real clients (Debian's curl and swaks) against `npm start`'s profile, on free
// ports: only the port in the command is replaced. What they print must be what the README shows.
import { startDevelopmentProfile, type GatewayProcess } from '../support/gateway-process';
import { runExample, shellExample } from '../support/readme';
import { hasSwaks } from '../support/smtp-clients';
import { hasTool } from '../support/tools';

const hasCurl = hasTool('curl', ['--version']);

describe('the README examples, against the development profile', () => {
  let gw: GatewayProcess & { smtpPort: number };
  beforeAll(async () => {
    gw = await startDevelopmentProfile();
  }, 30_000);
  afterAll(async () => {
    await gw?.stop();
  });

  (hasCurl ? test : test.skip)('the quick start curl prints the answer the README shows', () => {
    const example = shellExample('README.md', 'curl ');
    expect(example.printed).toEqual(['{"IsSuccess":true,"ErrorDetails":""}']);
    const result = runExample(example, '127.0.0.1:8080', `127.0.0.1:${new URL(gw.httpUrl).port}`);
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({ status: 0, stderr: '', stdout: example.printed.join('\n') });
  });

  (hasSwaks ? test : test.skip)('the Email-to-SMS swaks example prints 250 2.0.0 sent <id>, as the README shows', () => {
    const example = shellExample('README.md', 'swaks ');
    // The README elides the id ("01a2…"): it differs on every run.
    expect(example.printed).toEqual([expect.stringMatching(/^<- {2}250 2\.0\.0 sent [0-9a-f]+…$/)]);
    // docs/email-to-sms.md gives the same command.
    expect(shellExample('docs/email-to-sms.md', 'swaks ').command).toBe(example.command);
    const result = runExample(example, '127.0.0.1:2525', `127.0.0.1:${gw.smtpPort}`);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^<- {2}250 2\.0\.0 sent [0-9a-f-]{36}$/m);
  });
});
