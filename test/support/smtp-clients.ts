// Real SMTP clients for the Email-to-SMS tests: Debian's swaks (a process; skipped where it is not
// installed, required in CI by SMSGW_TEST_REQUIRE_TOOLS) and nodemailer (a dev dependency).
import { spawn } from 'node:child_process';
import { hasTool } from './tools';

export const hasSwaks = hasTool('swaks', ['--version']);

export interface SwaksRun {
  code: number | null;
  /** Every reply line the server sent, without swaks' "<-  " / "<** " / "<~  " prefixes. */
  replies: string[];
  output: string;
}

/**
 * Runs swaks with `args` (without waiting on the event loop, so an in-process gateway keeps
 * serving); `via` is a command that runs it elsewhere, e.g. `ip netns exec NAME`.
 */
export function swaks(args: string[], via: string[] = [], timeoutMs = 15_000): Promise<SwaksRun> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = [...via, 'swaks', ...args];
    // Perl's Getopt::Long reads "+447…" as an option unless POSIXLY_CORRECT is set.
    const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POSIXLY_CORRECT: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const replies = output
        .split('\n')
        .filter((line) => line.startsWith('<'))
        .map((line) => line.replace(/^<\S*\s+/, '').trimEnd());
      resolve({ code, replies, output });
    });
  });
}

/** The id in "250 2.0.0 sent <id>", or undefined. */
export function sentId(reply: string | undefined): string | undefined {
  return /^250 2\.0\.0 sent (\S+)$/.exec(reply ?? '')?.[1];
}
