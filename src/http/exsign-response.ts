import { GatewayError, type ErrorCode } from '../errors';

/** The whole ExSign response contract: always HTTP 200 with these two fields. */
export interface ExsignResponse {
  IsSuccess: boolean;
  ErrorDetails: string;
}

export const SUCCESS: ExsignResponse = { IsSuccess: true, ErrorDetails: '' };

/**
 * The one place an error becomes an ExSign answer. GatewayError messages are written to be shown
 * (no token, text or full number in them); anything else is an internal error and is not described.
 */
export function toExsignResponse(err: unknown): { body: ExsignResponse; code: ErrorCode } {
  if (err instanceof GatewayError) return { body: { IsSuccess: false, ErrorDetails: err.message }, code: err.code };
  return { body: { IsSuccess: false, ErrorDetails: 'Internal gateway error' }, code: 'INTERNAL_ERROR' };
}

/** Any other method on the ExSign path. */
export const methodNotAllowed = (method: string): ExsignResponse => ({ IsSuccess: false, ErrorDetails: `Method ${method} not allowed; use POST` });

/** Any other path of the main listener. */
export const noEndpoint = (): ExsignResponse => ({ IsSuccess: false, ErrorDetails: 'No ExSign endpoint at this path' });
