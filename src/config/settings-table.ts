import { schemaLeaves } from './load-config';

/** The README's settings table, generated from the schema (`npm run settings`). */
function settingsTable(): string {
  const rows: string[] = ['| Env var | Key | Default | Description |', '|---|---|---|---|'];
  for (const [key, spec] of schemaLeaves()) {
    const shown = spec.sensitive ? '(secret)' : JSON.stringify(spec.default);
    rows.push(`| \`${spec.env}\` | \`${key}\` | \`${shown}\` | ${String(spec.doc).replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

if (require.main === module) process.stdout.write(`${settingsTable()}\n`);
