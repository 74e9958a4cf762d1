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

/** Body reading failures (ours, or koa-bodyparser's by their HTTP status) as gateway errors. */
export function bodyError(err: { status?: number; type?: string }, limitBytes: number): GatewayError {
  if (err.status === 413) return new GatewayError('BODY_TOO_LARGE', `Request body larger than ${limitBytes} bytes`);
  if (err.status === 415) return new GatewayError('MALFORMED_JSON', 'Request body must be JSON');
  return new GatewayError('MALFORMED_JSON', 'Request body is not valid JSON');
}
