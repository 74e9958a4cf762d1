import { redactedConfig } from '../config/load-config';
import { startupWarnings } from '../config/startup-warnings';
import type { Command } from './command';

/** key = value lines of a nested object, keys as the configuration names them (smsc.url). */
function flatten(value: unknown, prefix = ''): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix} = ${JSON.stringify(value)}`];
}

export const configCheckCommand: Command = {
  name: 'config check',
  args: [],
  summary: 'validate the configuration and print it with secrets redacted',
  help: `Loads the configuration exactly as the gateway does (schema defaults, config/<NODE_ENV>.json, the
file named by SMSGW_CONFIG, environment variables, *_FILE secrets) and prints the effective values with
every secret redacted, plus the warnings the gateway would log at start-up. An invalid configuration
prints the gateway's one-line error and exits 1.`,
  options: {},
  async run(ctx) {
    const config = ctx.config();
    const effective = redactedConfig(config);
    const warnings = startupWarnings(config);
    const text = [`configuration valid (${config.env} profile)`, ...warnings.map((w) => `warning: ${w}`), '', ...flatten(effective)].join('\n');
    return { ok: true, text, json: { ok: true, warnings, config: effective } };
  },
};
