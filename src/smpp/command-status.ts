/**
 * command_status values: SMPP 3.4 §5.1.3, plus the SMPP 5.0 additions npm `smpp` also knows. The one
 * table of them: the error policy, the metrics labels, the simulators and the tests all read it.
 */
export const COMMAND_STATUS = {
  ESME_ROK: 0x0000,
  ESME_RINVMSGLEN: 0x0001,
  ESME_RINVCMDLEN: 0x0002,
  ESME_RINVCMDID: 0x0003,
  ESME_RINVBNDSTS: 0x0004,
  ESME_RALYBND: 0x0005,
  ESME_RINVPRTFLG: 0x0006,
  ESME_RINVREGDLVFLG: 0x0007,
  ESME_RSYSERR: 0x0008,
  ESME_RINVSRCADR: 0x000a,
  ESME_RINVDSTADR: 0x000b,
  ESME_RINVMSGID: 0x000c,
  ESME_RBINDFAIL: 0x000d,
  ESME_RINVPASWD: 0x000e,
  ESME_RINVSYSID: 0x000f,
  ESME_RCANCELFAIL: 0x0011,
  ESME_RREPLACEFAIL: 0x0013,
  ESME_RMSGQFUL: 0x0014,
  ESME_RINVSERTYP: 0x0015,
  ESME_RINVNUMDESTS: 0x0033,
  ESME_RINVDLNAME: 0x0034,
  ESME_RINVDESTFLAG: 0x0040,
  ESME_RINVSUBREP: 0x0042,
  ESME_RINVESMCLASS: 0x0043,
  ESME_RCNTSUBDL: 0x0044,
  ESME_RSUBMITFAIL: 0x0045,
  ESME_RINVSRCTON: 0x0048,
  ESME_RINVSRCNPI: 0x0049,
  ESME_RINVDSTTON: 0x0050,
  ESME_RINVDSTNPI: 0x0051,
  ESME_RINVSYSTYP: 0x0053,
  ESME_RINVREPFLAG: 0x0054,
  ESME_RINVNUMMSGS: 0x0055,
  ESME_RTHROTTLED: 0x0058,
  ESME_RINVSCHED: 0x0061,
  ESME_RINVEXPIRY: 0x0062,
  ESME_RINVDFTMSGID: 0x0063,
  ESME_RX_T_APPN: 0x0064,
  ESME_RX_P_APPN: 0x0065,
  ESME_RX_R_APPN: 0x0066,
  ESME_RQUERYFAIL: 0x0067,
  ESME_RINVTLVSTREAM: 0x00c0,
  ESME_RTLVNOTALLWD: 0x00c1,
  ESME_RINVTLVLEN: 0x00c2,
  ESME_RMISSINGTLV: 0x00c3,
  ESME_RINVTLVVAL: 0x00c4,
  ESME_RDELIVERYFAILURE: 0x00fe,
  ESME_RUNKNOWNERR: 0x00ff,
  // SMPP 5.0
  ESME_RSERTYPUNAUTH: 0x0100,
  ESME_RPROHIBITED: 0x0101,
  ESME_RSERTYPUNAVAIL: 0x0102,
  ESME_RSERTYPDENIED: 0x0103,
  ESME_RINVDCS: 0x0104,
  ESME_RINVSRCADDRSUBUNIT: 0x0105,
  ESME_RINVDSTADDRSUBUNIT: 0x0106,
  ESME_RINVBCASTFREQINT: 0x0107,
  ESME_RINVBCASTALIAS_NAME: 0x0108,
  ESME_RINVBCASTAREAFMT: 0x0109,
  ESME_RINVNUMBCAST_AREAS: 0x010a,
  ESME_RINVBCASTCNTTYPE: 0x010b,
  ESME_RINVBCASTMSGCLASS: 0x010c,
  ESME_RBCASTFAIL: 0x010d,
  ESME_RBCASTQUERYFAIL: 0x010e,
  ESME_RBCASTCANCELFAIL: 0x010f,
  ESME_RINVBCAST_REP: 0x0110,
  ESME_RINVBCASTSRVGRP: 0x0111,
  ESME_RINVBCASTCHANIND: 0x0112,
} as const;

export type CommandStatusName = keyof typeof COMMAND_STATUS;

const NAMES: ReadonlyMap<number, CommandStatusName> = new Map(
  Object.entries(COMMAND_STATUS).map(([name, value]) => [value, name as CommandStatusName]),
);

/** The range SMPP 3.4 leaves to SMSC vendors; carriers document these by number. */
export const isVendorSpecific = (status: number): boolean => Number.isInteger(status) && status >= 0x400 && status <= 0x4ff;

/** The ESME_* name of a status, or undefined for one SMPP does not define. */
export function commandStatusNameOf(status: number): CommandStatusName | undefined {
  return NAMES.get(status);
}

/** The ESME_* value of a name from the table, or undefined. */
export function commandStatusByName(name: string): number | undefined {
  return Object.hasOwn(COMMAND_STATUS, name) ? COMMAND_STATUS[name as CommandStatusName] : undefined;
}

export function commandStatusName(status: number): string {
  return NAMES.get(status) ?? (isVendorSpecific(status) ? 'VENDOR_SPECIFIC' : 'UNKNOWN');
}

/** "ESME_RINVDSTADR (0x0B)": the form telecom teams grep for in SMSC logs. */
export function formatCommandStatus(status: number): string {
  const hex = status.toString(16).toUpperCase().padStart(2, '0');
  return `${commandStatusName(status)} (0x${hex})`;
}
