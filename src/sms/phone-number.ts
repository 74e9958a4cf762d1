import { parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';
import { cachePhonePatterns } from './phone-pattern-cache';

cachePhonePatterns();

export interface Destination {
  /** International digits without '+', as submit_sm destination_addr wants them. */
  digits: string;
  /** E.164 with '+'; never logged (see maskNumber). */
  e164: string;
  country: string | undefined;
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
  return { digits: parsed.number.slice(1), e164: parsed.number, country: parsed.country, type };
}

/** "+4479****3456": enough to tell numbers apart in a log, not enough to dial. */
export function maskNumber(e164: string): string {
  if (e164.length < 9) return '+****';
  return `${e164.slice(0, 5)}****${e164.slice(-4)}`;
}
