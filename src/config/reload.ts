import type { Config } from './load-config';
import { envVarsByKey, schemaLeaves } from './load-config';

/**
 * Settings a running gateway takes over on SIGHUP (key paths, or prefixes ending in '.'): the
 * token and its files, the allowlists (ExSign's and the SMTP listener's), trusted proxies, the abuse
 * limits and the log level. Every other setting is read once at start-up; binds, listeners and the
 * store are built from them.
 */
const RELOADABLE = ['auth.', 'allowedIps', 'trustedProxies', 'smtp.allowedIps', 'limits.', 'log.level'];

export function isReloadable(key: string): boolean {
  return RELOADABLE.some((entry) => (entry.endsWith('.') ? key.startsWith(entry) : key === entry));
}

export interface ConfigChanges {
  /** Changed keys the gateway applies at once. */
  reloadable: string[];
  /** Changed keys that take effect only after a restart, as "key (ENV_VAR)". */
  needRestart: string[];
}

const valueAt = (config: Config, key: string): unknown => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], config);

/** Which settings differ between the running configuration and a newly loaded one (names only: values may be secrets). */
export function configChanges(running: Config, next: Config): ConfigChanges {
  const envNames = envVarsByKey();
  const changes: ConfigChanges = { reloadable: [], needRestart: [] };
  for (const [key] of schemaLeaves()) {
    if (JSON.stringify(valueAt(running, key)) === JSON.stringify(valueAt(next, key))) continue;
    if (isReloadable(key)) changes.reloadable.push(key);
    else changes.needRestart.push(`${key} (${envNames.get(key)})`);
  }
  return changes;
}

/** The running configuration after a reload: the reloadable settings from `next`, everything else as it was. */
export function reloadedConfig(running: Config, next: Config): Config {
  const result = structuredClone(running);
  for (const [key] of schemaLeaves()) {
    if (!isReloadable(key)) continue;
    const parts = key.split('.');
    const parent = parts.slice(0, -1).reduce<Record<string, unknown>>((node, part) => node[part] as Record<string, unknown>, result as unknown as Record<string, unknown>);
    parent[parts[parts.length - 1]!] = valueAt(next, key);
  }
  return result;
}
