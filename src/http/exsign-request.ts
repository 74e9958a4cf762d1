import { EmptyTextError, InvalidFieldError } from '../errors';

export interface ExsignRequest {
  mobileNumber: string;
  messageText: string;
}

/** Validates the parsed body's shape; errors name the field, never its value. */
export function readExsignRequest(body: unknown): ExsignRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidFieldError('not-an-object');
  }
  const { MobileNumber: mobileNumber, MessageText: messageText } = body as Record<string, unknown>;
  if (mobileNumber === undefined || mobileNumber === null) throw new InvalidFieldError('missing', 'MobileNumber');
  if (typeof mobileNumber !== 'string') throw new InvalidFieldError('not-a-string', 'MobileNumber');
  if (messageText === undefined || messageText === null) throw new InvalidFieldError('missing', 'MessageText');
  if (typeof messageText !== 'string') throw new InvalidFieldError('not-a-string', 'MessageText');
  if (messageText.trim() === '') throw new EmptyTextError();
  return { mobileNumber, messageText };
}
