// The form under which a store indexes each submitted SMSC message id besides its exact value, and
// which a receipt's id is also reduced to when looking for it (dlr/message-id.ts): the id in a
// receipt often differs from the submit_sm_resp id by case or leading zeros.

/** Trimmed, lowercased, without leading zeros ("000" becomes "0"). */
export function canonicalId(id: string): string {
  return id.trim().toLowerCase().replace(LEADING_ZEROS, '');
}

const LEADING_ZEROS = /^0+(?=.)/;
