import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root';
import { schemaLeaves } from './load-config';
import { isReloadable } from './reload';

export const CONFIGURATION_DOC = 'docs/configuration.md';

const INTRO = `# Configuration

This file is generated from \`src/config/schema.ts\` by \`npm run docs\`; edit the schema, not this file.

Configuration is layered: schema defaults → \`config/<NODE_ENV>.json\` → an optional JSON file named by
\`SMSGW_CONFIG\` → environment variables. Validation is strict (unknown keys in files are refused), and a
bad value stops start-up with one line naming the key and its environment variable. In a JSON file a
key is written nested: \`smsc.url\` is \`{"smsc": {"url": "smpp://…"}}\`.

Secrets (\`sensitive\`, shown as \`(secret)\` below) are never printed: the effective configuration is logged at
start-up with them redacted. Secrets come from the environment or from files (\`*_FILE\`), never from the
repository. \`smsgw config check\` prints the effective configuration without starting the gateway.

**Live reload.** On SIGHUP (\`systemctl reload smsgw\` for the service) the gateway reads its configuration
again, as at start-up, and takes over the settings marked \`SIGHUP\` below: the token and its files, the
allowlists (ExSign's and the SMTP listener's) and trusted proxies, the abuse limits and the log level. Binds and requests in flight are not
touched, and the abuse counters keep what they counted. An invalid configuration is refused with one
error line and the running one stays. Changed settings marked \`restart\` are named in a warning and take
effect at the next start. The environment of a running process never changes: put settings you want to
reload in the file named by \`SMSGW_CONFIG\` (or, for secrets, in their \`*_FILE\`), not in environment
variables, which would also win over the file.`;

/** docs/configuration.md: the introduction and one row per setting, from the schema. */
export function configurationDoc(): string {
  const rows: string[] = ['| Env var | Key | Default | Reload | Description |', '|---|---|---|---|---|'];
  for (const [key, spec] of schemaLeaves()) {
    const shown = spec.sensitive ? '(secret)' : JSON.stringify(spec.default);
    const reload = isReloadable(key) ? 'SIGHUP' : 'restart';
    rows.push(`| \`${spec.env}\` | \`${key}\` | \`${shown}\` | ${reload} | ${String(spec.doc).replace(/\|/g, '\\|')} |`);
  }
  return `${INTRO}\n\n${rows.join('\n')}\n`;
}

if (require.main === module) {
  writeFileSync(path.join(projectRoot(), CONFIGURATION_DOC), configurationDoc());
  process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
}
