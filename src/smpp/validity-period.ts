/** Longest validity the relative format can carry here: 99 days (DD has two digits; months and years stay 0). */
export const MAX_VALIDITY_S = 99 * 86_400 + 86_399;

/**
 * SMPP 3.4 §7.1.1 relative time `YYMMDDhhmmss000R` for a validity of `seconds` (0 = '', the SMSC's
 * default). Relative, so the SMSC counts from its own clock and no clock skew between us matters:
 * 300 → '000000000500000R'.
 */
export function relativeValidityPeriod(seconds: number): string {
  if (seconds === 0) return '';
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VALIDITY_S) throw new RangeError(`validity of ${seconds} s cannot be sent (0..${MAX_VALIDITY_S})`);
  const two = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(seconds % 60)}000R`;
}
