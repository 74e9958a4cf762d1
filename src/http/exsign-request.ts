import { GatewayError } from '../errors';

export interface ExsignRequest {
  mobileNumber: string;
  messageText: string;
}

/** Validates the parsed body's shape; messages name the field, never its value. */
export function readExsignRequest(body: unknown): ExsignRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('INVALID_FIELD', 'Request body must be a JSON object with MobileNumber and MessageText');
  }
  const { MobileNumber: mobileNumber, MessageText: messageText } = body as Record<string, unknown>;
  if (mobileNumber === undefined || mobileNumber === null) throw new GatewayError('INVALID_FIELD', 'MobileNumber is missing');
  if (typeof mobileNumber !== 'string') throw new GatewayError('INVALID_FIELD', 'MobileNumber must be a string');
  if (messageText === undefined || messageText === null) throw new GatewayError('INVALID_FIELD', 'MessageText is missing');
  if (typeof messageText !== 'string') throw new GatewayError('INVALID_FIELD', 'MessageText must be a string');
  if (messageText.trim() === '') throw new GatewayError('EMPTY_TEXT', 'MessageText is empty');
  return { mobileNumber, messageText };
}
