// SMSC message-id normalisation: the id in a receipt often differs from the submit_sm_resp id
// by case, leading zeros, or base (SMPP 3.3 hex vs 3.4 decimal; jasmin#1123, #586, Kannel msg-id-type).
//
// Contract for the correlator: store each submitted id under its exact value and under
// canonicalId(value). Look up idCandidates(receiptId, mode) in order: the first candidate against
// the exact keys, the rest against the canonical keys. A non-exact candidate is accepted only when
// exactly one record matches it, because case folding and base conversion can make two distinct
// ids collide (e.g. decimal "291" and hex "123").

import { MESSAGE_ID_MAX_LENGTH } from '../smpp/pdu-limits';
import { canonicalId } from '../store/smsc-message-id';

/** Which conversions to try on a receipt id; names describe the conversion applied to it. */
export type IdMatchMode = 'exact' | 'auto' | 'hex-to-dec' | 'dec-to-hex';

const HEX_DIGITS = /^[0-9a-f]+$/i;
const DEC_DIGITS = /^[0-9]+$/;

/** Keys to try, best first, without duplicates; empty for a blank id. */
export function idCandidates(id: string, mode: IdMatchMode): string[] {
  const exact = id.trim();
  if (exact === '') return [];
  const keys = [exact];
  if (mode === 'exact') return keys;

  keys.push(canonicalId(exact));
  // BigInt, not Number: ids above 2^53 (and even 2^64) occur in the wild.
  if (exact.length <= MESSAGE_ID_MAX_LENGTH) {
    if (mode !== 'dec-to-hex' && HEX_DIGITS.test(exact)) keys.push(BigInt('0x' + exact).toString(10));
    if (mode !== 'hex-to-dec' && DEC_DIGITS.test(exact)) keys.push(BigInt(exact).toString(16));
  }
  return [...new Set(keys)];
}
