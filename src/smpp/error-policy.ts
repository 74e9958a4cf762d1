import { commandStatusByName, type CommandStatusName } from './command-status';

/**
 * What a non-zero command_status means for the gateway:
 * - retry: transient; the message is resubmitted after a growing delay while its deadline allows;
 * - throttle: the SMSC asks us to slow down; the whole bind pauses, then the message is resubmitted;
 * - fail: permanent; the request fails at once with the status named;
 * - bind-refused: in a bind response, the credentials were refused: rebind only after a long,
 *   growing delay (accounts get locked after repeated bad logins). In a submit response: fail.
 * A bind response with any other non-zero status is retried on the ordinary reconnect backoff.
 */
export const STATUS_CLASSES = ['retry', 'throttle', 'fail', 'bind-refused'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Statuses not listed are 'fail'. Kannel's temporary set plus the bind refusals; override per SMSC. */
export const DEFAULT_ERROR_POLICY: Readonly<Partial<Record<CommandStatusName, StatusClass>>> = {
  ESME_RTHROTTLED: 'throttle',
  ESME_RMSGQFUL: 'throttle',
  ESME_RSYSERR: 'retry',
  ESME_RX_T_APPN: 'retry',
  ESME_RINVPASWD: 'bind-refused',
  ESME_RINVSYSID: 'bind-refused',
  ESME_RBINDFAIL: 'bind-refused',
};

export interface ErrorPolicy {
  classify(status: number): StatusClass;
}

/**
 * A status key is an ESME_* name from SMPP 3.4 §5.1.3, or a number ("0x0400", "1024") for
 * vendor-specific codes. Returns the number, or undefined if the key names nothing.
 */
export function parseStatusKey(key: string): number | undefined {
  if (/^0x[0-9a-f]{1,8}$/i.test(key)) return parseInt(key.slice(2), 16);
  if (/^\d{1,10}$/.test(key)) return Number(key);
  return commandStatusByName(key);
}

/** The default table with `overrides` laid over it (both keyed by parseStatusKey's forms). */
export function createErrorPolicy(overrides: Readonly<Record<string, string>> = {}): ErrorPolicy {
  const table = new Map<number, StatusClass>();
  for (const [key, value] of Object.entries({ ...DEFAULT_ERROR_POLICY, ...overrides })) {
    const status = parseStatusKey(key);
    if (status === undefined || !STATUS_CLASSES.includes(value)) {
      throw new Error(`error policy entry "${key}": "${value}" (expected an ESME_* name or number → ${STATUS_CLASSES.join('|')})`);
    }
    table.set(status, value);
  }
  return { classify: (status) => table.get(status) ?? 'fail' };
}
