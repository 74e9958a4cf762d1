import { createErrorPolicy } from '../smpp/error-policy';
import type { Config } from './load-config';
import { schema, type RouteConfig } from './schema';
import { readSecretFile } from './secret-file';
import { untypedConvict } from './untyped-convict';

/** Everything one SMSC needs: the smsc.* keys plus its sender. */
export type SmscSettings = Config['smsc'] & { sourceAddr: string };

/** A list entry or route that cannot be used; `key` is the config key at fault, the message names the entry. */
export class SmscConfigError extends Error {
  constructor(
    readonly key: 'smscs' | 'routes' | 'smsc.errorPolicy',
    message: string,
  ) {
    super(message);
    this.name = 'SmscConfigError';
  }
}

/** The smsc.* schema plus a sender. Entries are read with an empty environment (validateEntry),
 * so the schema's SMSGW_SMSC_* bindings never leak into them: they come from the file or SMSGW_SMSCS only. */
function entrySchema(defaultSender: string): Record<string, unknown> {
  return { ...schema.smsc, sourceAddr: { doc: 'Sender id of this SMSC.', format: String, default: defaultSender } };
}

const resolved = new WeakMap<Config, readonly SmscSettings[]>();

/**
 * The SMSCs in use, in failover order: the one configured by smsc.* (SMSGW_SMSC_URL, or the
 * development simulator: see withSimulator) first, then the `smscs` entries. Entry keys left out
 * take the schema defaults; sourceAddr defaults to message.sourceAddr. Worked out once per
 * configuration: loading it checks the list, the gateway and the CLI take the same one.
 */
export function smscSettings(config: Config): readonly SmscSettings[] {
  let list = resolved.get(config);
  if (!list) {
    list = resolve(config);
    resolved.set(config, list);
  }
  return list;
}

/** The list with the development simulator's URL on the smsc.* entry, which comes first whenever the simulator is on. */
export function withSimulator(list: readonly SmscSettings[], simulatorUrl: string | undefined): readonly SmscSettings[] {
  return simulatorUrl ? list.map((smsc, i) => (i === 0 ? { ...smsc, url: simulatorUrl } : smsc)) : list;
}

function resolve(config: Config): SmscSettings[] {
  const list: SmscSettings[] = [];
  const defaultIncluded = Boolean(config.smsc.url || config.simulator.enabled);
  if (defaultIncluded) list.push({ ...config.smsc, sourceAddr: config.message.sourceAddr });
  config.smscs.forEach((entry, i) => {
    const where = `smscs[${i}]${typeof entry.name === 'string' ? ` ("${entry.name}")` : ''}`;
    if (typeof entry.name !== 'string' || !entry.name) throw new SmscConfigError('smscs', `${where}: name is required`);
    const settings = validateEntry(entry, config.message.sourceAddr, where);
    if (!settings.url) throw new SmscConfigError('smscs', `${where}: url is required (smpp://host:port or ssmpp://host:port)`);
    if (settings.passwordFile) settings.password = readSecret(settings.passwordFile, where);
    if (config.env === 'production' && (!settings.systemId || !settings.password)) throw new SmscConfigError('smscs', `${where}: systemId and password are required in production`);
    list.push(settings);
  });
  const names = new Set<string>();
  for (const smsc of list) {
    if (names.has(smsc.name)) throw new SmscConfigError('smscs', `SMSC name "${smsc.name}" is used twice; names label metrics and routes`);
    names.add(smsc.name);
    try {
      createErrorPolicy(smsc.errorPolicy);
    } catch (err) {
      throw new SmscConfigError(smsc === list[0] && defaultIncluded ? 'smsc.errorPolicy' : 'smscs', `SMSC "${smsc.name}": ${(err as Error).message}`);
    }
  }
  checkRoutes(config.routes, names);
  return list;
}

function validateEntry(entry: Record<string, unknown>, defaultSender: string, where: string): SmscSettings {
  const conf = untypedConvict(entrySchema(defaultSender), { env: {}, args: [] });
  try {
    conf.load(entry);
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    throw new SmscConfigError('smscs', `${where}: ${(err as Error).message.split('\n').filter(Boolean).join('; ')}`);
  }
  return conf.getProperties() as SmscSettings;
}

function readSecret(file: string, where: string): string {
  try {
    return readSecretFile(file);
  } catch (err) {
    throw new SmscConfigError('smscs', `${where}: passwordFile: ${(err as Error).message}`);
  }
}

function checkRoutes(routes: readonly RouteConfig[], names: ReadonlySet<string>): void {
  const prefixes = new Set<string>();
  routes.forEach((route, i) => {
    const prefix = route.prefix.replace(/^\+/, '');
    if (prefixes.has(prefix)) throw new SmscConfigError('routes', `routes[${i}]: prefix "${route.prefix}" appears twice`);
    prefixes.add(prefix);
    for (const name of route.smscs) {
      if (!names.has(name)) throw new SmscConfigError('routes', `routes[${i}]: no SMSC named "${name}" (configured: ${[...names].join(', ') || 'none'})`);
    }
  });
}
