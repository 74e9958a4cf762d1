import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors';

/**
 * Reads a request body of at most `limitBytes` and parses it as JSON, whatever the Content-Type
 * (portals do not always send application/json). JSON is UTF-8 (RFC 8259); compressed bodies are
 * refused. An empty body parses as '' so the shape check, not the parser, names the problem.
 * On BODY_TOO_LARGE the rest of the body is drained so the client reads our answer, not a reset.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    req.resume();
    return Promise.reject(new GatewayError('MALFORMED_JSON', 'Request body must be JSON (Content-Encoding is not supported)'));
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    req.resume();
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) {
        finish();
        req.resume();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)).toString('utf8');
      if (text === '') return resolve('');
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new GatewayError('MALFORMED_JSON', 'Request body is not valid JSON'));
      }
    };
    const onAbort = () => {
      finish();
      reject(new GatewayError('MALFORMED_JSON', 'Request body not received completely'));
    };
    const finish = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAbort);
      req.off('error', onAbort);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAbort);
    req.on('error', onAbort);
  });
}

const tooLarge = (limitBytes: number) => new GatewayError('BODY_TOO_LARGE', `Request body larger than ${limitBytes} bytes`);
