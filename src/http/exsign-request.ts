import { GatewayError, type ExsignField, type FailureFacts } from '../errors';

const invalid = (problem: FailureFacts['invalid-field']['problem'], field?: ExsignField) => new GatewayError('invalid-field', { problem, field });

export interface ExsignRequest {
  mobileNumber: string;
  messageText: string;
}

/** Validates the parsed body's shape; errors name the field, never its value. */
export function readExsignRequest(body: unknown): ExsignRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('not-an-object');
  }
  const { MobileNumber: mobileNumber, MessageText: messageText } = body as Record<string, unknown>;
  if (mobileNumber === undefined || mobileNumber === null) throw invalid('missing', 'MobileNumber');
  if (typeof mobileNumber !== 'string') throw invalid('not-a-string', 'MobileNumber');
  if (messageText === undefined || messageText === null) throw invalid('missing', 'MessageText');
  if (typeof messageText !== 'string') throw invalid('not-a-string', 'MessageText');
  if (messageText.trim() === '') throw new GatewayError('empty-text', { source: 'text' });
  return { mobileNumber, messageText };
}
