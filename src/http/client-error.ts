import type { Duplex } from 'node:stream';

/**
 * Node's HTTP parser refused what a client sent, or the client was too slow (headersTimeout,
 * requestTimeout). Node would answer with an empty 400/408/431; we keep those statuses but send a
 * contract-shaped body so a misbehaving proxy or client still reads a reason, then close.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Like Node's default: a half-written response cannot be followed by another one.
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, details] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['408 Request Timeout', 'Request not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', 'Request headers too large']
        : ['400 Bad Request', 'Malformed HTTP request'];
  const body = JSON.stringify({ IsSuccess: false, ErrorDetails: details });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
