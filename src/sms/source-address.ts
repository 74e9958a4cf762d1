/** SMPP 3.4 §5.2.5 / §5.2.6 values used for the sender. */
const TON_INTERNATIONAL = 1;
const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN = 1;

export interface SourceAddress {
  addr: string;
  ton: number;
  npi: number;
}

/**
 * Derives source TON/NPI from the sender id: letters → alphanumeric 5/0, up to 8 digits → short
 * code 3/0, longer digits (optionally '+') → international 1/1. -1 in the overrides keeps the derived value.
 */
export function sourceAddress(sender: string, tonOverride = -1, npiOverride = -1): SourceAddress {
  let addr = sender.trim();
  let ton: number;
  let npi: number;
  if (/^\+?\d{9,15}$/.test(addr)) {
    addr = addr.replace(/^\+/, '');
    ton = TON_INTERNATIONAL;
    npi = NPI_ISDN;
  } else if (/^\d{1,8}$/.test(addr)) {
    ton = TON_NETWORK_SPECIFIC;
    npi = NPI_UNKNOWN;
  } else {
    ton = TON_ALPHANUMERIC;
    npi = NPI_UNKNOWN;
  }
  return { addr, ton: tonOverride >= 0 ? tonOverride : ton, npi: npiOverride >= 0 ? npiOverride : npi };
}
