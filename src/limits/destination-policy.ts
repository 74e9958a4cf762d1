import type { AbuseRefusalCode } from '../errors';
import type { Destination } from '../sms/phone-number';

export interface Refusal {
  code: AbuseRefusalCode;
  message: string;
}

/** 'all', or the countries numbers may belong to: SMSGW_ALLOWED_COUNTRIES, else the default region. */
export function resolveCountries(configured: readonly string[], defaultRegion: string): 'all' | ReadonlySet<string> {
  if (configured.includes('*')) return 'all';
  if (configured.length > 0) return new Set(configured);
  return defaultRegion ? new Set([defaultRegion]) : 'all';
}

// Types that can receive an SMS on a handset. FIXED_LINE_OR_MOBILE is how NANP (+1) numbers come
// out; undefined means libphonenumber cannot tell, and the number gets the benefit of the doubt.
const MOBILE_TYPES = new Set<Destination['type']>(['MOBILE', 'FIXED_LINE_OR_MOBILE', undefined]);

/**
 * Where an OTP may go. Toll fraud ("SMS pumping") sends codes to expensive ranges abroad, to
 * premium-rate or to non-geographic numbers, so only allowed countries and mobiles pass.
 */
export function checkDestination(destination: Destination, countries: 'all' | ReadonlySet<string>, mobileOnly: boolean): Refusal | undefined {
  if (countries !== 'all' && (!destination.country || !countries.has(destination.country))) {
    const where = destination.country ? `country ${destination.country} is` : 'non-geographic numbers are';
    return { code: 'COUNTRY_NOT_ALLOWED', message: `MobileNumber refused: ${where} not allowed (allowed: ${[...countries].join(', ')})` };
  }
  if (mobileOnly && !MOBILE_TYPES.has(destination.type)) {
    const type = destination.type!.toLowerCase().replace(/_/g, '-');
    return { code: 'NOT_MOBILE', message: `MobileNumber refused: it is a ${type} number; only mobile numbers are accepted` };
  }
  return undefined;
}
