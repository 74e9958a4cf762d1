import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root';
import { schemaLeaves } from './load-config';

export const CONFIGURATION_DOC = 'docs/configuration.md';

const INTRO = `# Configuration

This file is generated from \`src/config/schema.ts\` by \`npm run docs\`; edit the schema, not this file.

Configuration is layered: schema defaults → \`config/<NODE_ENV>.json\` → an optional JSON file named by
\`SMSGW_CONFIG\` → environment variables. Validation is strict (unknown keys in files are refused), and a
bad value stops start-up with one line naming the key and its environment variable. In a JSON file a
key is written nested: \`smsc.url\` is \`{"smsc": {"url": "smpp://…"}}\`.

Secrets (\`sensitive\`, shown as \`(secret)\` below) are never printed: the effective configuration is logged at
start-up with them redacted. Secrets come from the environment or from files (\`*_FILE\`), never from the
repository.`;

/** docs/configuration.md: the introduction and one row per setting, from the schema. */
export function configurationDoc(): string {
  const rows: string[] = ['| Env var | Key | Default | Description |', '|---|---|---|---|'];
  for (const [key, spec] of schemaLeaves()) {
    const shown = spec.sensitive ? '(secret)' : JSON.stringify(spec.default);
    rows.push(`| \`${spec.env}\` | \`${key}\` | \`${shown}\` | ${String(spec.doc).replace(/\|/g, '\\|')} |`);
  }
  return `${INTRO}\n\n${rows.join('\n')}\n`;
}

if (require.main === module) {
  writeFileSync(path.join(projectRoot(), CONFIGURATION_DOC), configurationDoc());
  process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
}
