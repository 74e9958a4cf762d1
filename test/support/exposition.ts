// Reads the Prometheus text format a real scrape returns, so tests can ask for one series' value.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    // Groups outside (?:…)? take part in every match.
    for (const [, label, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the series with exactly these labels; throws when the series does not exist. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === wanted.length &&
      wanted.every(([label, value]) => s.labels[label] === value),
  );
  const [sample, ...others] = found;
  if (!sample || others.length > 0) throw new Error(`${name}${JSON.stringify(labels)}: ${found.length} series found`);
  return sample.value;
}

/** Every series of one metric, as "label=value,…" → value (for whole-metric comparisons). */
export function seriesOf(samples: Sample[], name: string): Record<string, number> {
  const series: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === name)) {
    const key = Object.entries(s.labels)
      .map(([label, value]) => `${label}=${value}`)
      .join(',');
    series[key] = s.value;
  }
  return series;
}
