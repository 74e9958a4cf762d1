// The docs' examples as a user copies them: a command from one of the sh blocks (with its
// continuation lines, exactly as written) and what the docs show it printing (the `# ` lines right
// after it), run by bash with only the address of the development profile replaced.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

export interface ShellExample {
  command: string;
  /** The lines the docs show it printing, without their "# ". */
  printed: string[];
}

/** The example in `file` (README.md, docs/…) whose first line starts with `start`, from its sh blocks. */
export function shellExample(file: string, start: string): ShellExample {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  for (const [, block] of text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = block!.split('\n');
    const first = lines.findIndex((line) => line.startsWith(start));
    if (first === -1) continue;
    let last = first;
    while (lines[last]!.endsWith('\\')) last++;
    const printed: string[] = [];
    for (let i = last + 1; lines[i]?.startsWith('# '); i++) printed.push(lines[i]!.slice(2));
    return { command: lines.slice(first, last + 1).join('\n'), printed };
  }
  throw new Error(`${file} has no sh example starting with "${start}"`);
}

/**
 * Runs the example's command in bash, as a user's shell would (PATH and HOME only), with the
 * address `from` (which must occur in it exactly once) replaced by `to`.
 */
export function runExample(example: ShellExample, from: string, to: string, timeoutMs = 15_000): SpawnSyncReturns<string> {
  const occurrences = example.command.split(from).length - 1;
  if (occurrences !== 1) throw new Error(`"${from}" occurs ${occurrences} times in: ${example.command}`);
  return spawnSync('bash', ['-c', example.command.replace(from, to)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' },
  });
}
