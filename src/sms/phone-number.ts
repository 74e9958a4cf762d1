import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';
import { cachePhonePatterns } from './phone-pattern-cache';

cachePhonePatterns();

/** libphonenumber's region for numbers of no country: satellite and international networks (+800, +870, +881, +882, +883, …). */
export const NON_GEOGRAPHIC = '001';

export interface Destination {
  /** International digits without '+', as submit_sm destination_addr wants them. */
  digits: string;
  /** E.164 with '+'; never logged (see maskNumber). */
  e164: string;
  /** Country calling code, without '+' ("44"). */
  callingCode: string;
  /** ISO 3166 alpha-2 code, or NON_GEOGRAPHIC. */
  country: string;
  /** MOBILE, FIXED_LINE, PREMIUM_RATE, ... from libphonenumber's full metadata; undefined when unknown. */
  type: NumberType;
}

/** A destination with the keyed hash of its number (hashNumber()), made once per request by the SMS service. */
export type HashedDestination = Destination & { hash: string };

/**
 * Parses what ExSign sends (E.164, or national digits with SMSGW_DEFAULT_REGION). Returns null
 * for anything libphonenumber does not consider a valid number, so nothing is sent to it.
 */
export function parseDestination(input: string, defaultRegion: string): Destination | null {
  const cleaned = input.trim().replace(/^00/, '+');
  if (cleaned.length === 0 || cleaned.length > 32) return null;
  const parsed = parsePhoneNumberFromString(cleaned, (defaultRegion || undefined) as CountryCode | undefined);
  if (!parsed) return null;
  // With full metadata isValid() is getType() !== undefined, and each walks the type patterns:
  // a valid number's type is proof enough; only a number without one needs isValid()'s verdict.
  const type = parsed.getType();
  if (type === undefined && !parsed.isValid()) return null;
  // A valid number has a country unless its calling code belongs to no country.
  return { digits: parsed.number.slice(1), e164: parsed.number, callingCode: parsed.countryCallingCode, country: parsed.country ?? NON_GEOGRAPHIC, type };
}

/** Digits a mask keeps at the end of the number. */
const SHOWN_DIGITS = 3;

/**
 * "+44*******789": the country code and the last 3 digits, enough to tell a user's numbers apart
 * in a log, too little to dial or to narrow a search for the number much.
 */
export function maskNumber(destination: Pick<Destination, 'e164' | 'callingCode'>): string {
  const national = destination.e164.slice(1 + destination.callingCode.length);
  const shown = national.length > SHOWN_DIGITS ? national.slice(-SHOWN_DIGITS) : '';
  return `+${destination.callingCode}${'*'.repeat(national.length - shown.length)}${shown}`;
}
