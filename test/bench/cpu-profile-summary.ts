// Top self-time functions of a V8 .cpuprofile (node --cpu-prof), grouped by function and file.
// Usage: node dist/test/bench/cpu-profile-summary.js FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    byOrigin.set(origin(frame.url, frame.functionName), (byOrigin.get(origin(frame.url, frame.functionName)) ?? 0) + dt);
    total += dt;
  });
  const pct = (us: number) => ((100 * us) / total).toFixed(1);
  const busy = total - (self.get('(idle)') ?? 0);
  const lines = [`${(total / 1e6).toFixed(2)} s sampled, ${pct(busy)}% busy. Self time by origin (% of busy):`, ''];
  lines.push(
    [...byOrigin]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => `${name} ${((100 * us) / busy).toFixed(1)}%`)
      .join(', '),
    '',
    '| self % of busy | self ms | function |',
    '|---:|---:|---|',
  );
  for (const [key, us] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`| ${((100 * us) / busy).toFixed(1)} | ${(us / 1000).toFixed(0)} | ${key.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/** Where a frame's code comes from: a package, a node: module, a file of ours, or a V8 pseudo-frame. */
function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const ours = /\/dist\/(src\/.+)\.js$/.exec(url);
  return ours ? ours[1]! : url;
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: cpu-profile-summary FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(file, top ? Number(top) : 25)}\n`);
}
