import { toExsignResponse } from '../../src/http/exsign-response';

/** The ErrorDetails an ExSign caller would read for `err`: how layer tests check an error's wording. */
export const exsignText = (err: unknown): string => toExsignResponse(err).body.ErrorDetails;
