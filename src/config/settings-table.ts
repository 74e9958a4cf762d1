import { schema } from './schema';

/** The README's settings table, generated from the schema (`npm run settings`). */
export function settingsTable(): string {
  const rows: string[] = ['| Env var | Key | Default | Description |', '|---|---|---|---|'];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      const spec = value as Record<string, unknown>;
      if (!('default' in spec)) {
        walk(spec, key);
        continue;
      }
      const shown = spec.sensitive ? '(secret)' : JSON.stringify(spec.default);
      rows.push(`| \`${spec.env}\` | \`${key}\` | \`${shown}\` | ${String(spec.doc).replace(/\|/g, '\\|')} |`);
    }
  };
  walk(schema as unknown as Record<string, unknown>, '');
  return rows.join('\n');
}

if (require.main === module) process.stdout.write(`${settingsTable()}\n`);
