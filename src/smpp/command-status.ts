import { errors as smppErrors } from 'smpp';

/** command_status number → ESME_* name, built once from the library's table (SMPP 3.4 §5.1.3). */
const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(smppErrors)) {
  if (!NAMES.has(value)) NAMES.set(value, name);
}

export const ESME_ROK = 0x00;
export const ESME_RINVMSGLEN = 0x01;
export const ESME_RINVCMDLEN = 0x02;
export const ESME_RINVCMDID = 0x03;
export const ESME_RSYSERR = 0x08;
export const ESME_RINVDSTADR = 0x0b;
export const ESME_RBINDFAIL = 0x0d;
export const ESME_RINVPASWD = 0x0e;
export const ESME_RINVSYSID = 0x0f;
export const ESME_RTHROTTLED = 0x58;
export const ESME_RX_T_APPN = 0x64;
export const ESME_RUNKNOWNERR = 0xff;

export function commandStatusName(status: number): string {
  const name = NAMES.get(status);
  if (name) return name;
  if (status >= 0x400 && status <= 0x4ff) return 'VENDOR_SPECIFIC';
  return 'UNKNOWN';
}

/** "ESME_RINVDSTADR (0x0B)": the form telecom teams grep for in SMSC logs. */
export function formatCommandStatus(status: number): string {
  const hex = status.toString(16).toUpperCase().padStart(2, '0');
  return `${commandStatusName(status)} (0x${hex})`;
}
