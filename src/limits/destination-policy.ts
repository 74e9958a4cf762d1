import { GatewayError } from '../errors';
import { NON_GEOGRAPHIC, type Destination } from '../sms/phone-number';

/** Where numbers may belong: every country ('*'), and/or the listed ones (NON_GEOGRAPHIC only when listed). */
export interface CountryPolicy {
  everyCountry: boolean;
  listed: ReadonlySet<string>;
}

/**
 * SMSGW_ALLOWED_COUNTRIES, else the default region's country, else (outside production, which
 * refuses to start without either) every country. Non-geographic numbers, a favourite of SMS
 * pumping (satellite phones, international networks), pass only when 001 is listed.
 */
export function resolveCountries(configured: readonly string[], defaultRegion: string): CountryPolicy {
  if (configured.length > 0) return { everyCountry: configured.includes('*'), listed: new Set(configured.filter((c) => c !== '*')) };
  return defaultRegion ? { everyCountry: false, listed: new Set([defaultRegion]) } : { everyCountry: true, listed: new Set() };
}

function allows(policy: CountryPolicy, country: string): boolean {
  return policy.listed.has(country) || (policy.everyCountry && country !== NON_GEOGRAPHIC);
}

// Types that can receive an SMS on a handset. FIXED_LINE_OR_MOBILE is how NANP (+1) numbers come
// out; undefined means libphonenumber cannot tell, and the number gets the benefit of the doubt.
const MOBILE_TYPES = new Set<Destination['type']>(['MOBILE', 'FIXED_LINE_OR_MOBILE', undefined]);

/**
 * Where an OTP may go. Toll fraud ("SMS pumping") sends codes to expensive ranges abroad, to
 * premium-rate or to non-geographic numbers, so only allowed countries and mobiles pass.
 */
export function checkDestination(destination: Destination, policy: CountryPolicy, mobileOnly: boolean): GatewayError<'destination-refused'> | undefined {
  const refusal = (code: 'COUNTRY_NOT_ALLOWED' | 'NOT_MOBILE') => {
    const { country, callingCode, type } = destination;
    const allowed = { everyCountry: policy.everyCountry, listed: [...policy.listed] };
    return new GatewayError('destination-refused', { code, destination: { country, callingCode, numberType: type, nonGeographic: country === NON_GEOGRAPHIC }, allowed });
  };
  if (!allows(policy, destination.country)) return refusal('COUNTRY_NOT_ALLOWED');
  if (mobileOnly && !MOBILE_TYPES.has(destination.type)) return refusal('NOT_MOBILE');
  return undefined;
}
