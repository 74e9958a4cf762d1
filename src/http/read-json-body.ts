import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors';
import { bodyError } from './exsign-response';

/** True unless the body is compressed: those (gzip, deflate) koa-bodyparser inflates. */
export function isPlainBody(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

/**
 * Reads a body of at most `limitBytes` and parses it as JSON, whatever the Content-Type (portals
 * do not always send application/json). JSON is UTF-8 (RFC 8259): other bytes are refused rather
 * than sent to a phone as U+FFFD, whatever charset is declared. An empty body parses as '' so the
 * shape check, not the parser, names the problem. On BODY_TOO_LARGE the rest of the body is
 * drained so the client reads our answer, not a reset.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
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
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      if (!isUtf8(bytes)) return reject(new GatewayError('MALFORMED_JSON', 'Request body is not UTF-8 (JSON must be)'));
      const text = bytes.toString('utf8');
      if (text === '') return resolve('');
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(bodyError({}, limitBytes));
      }
    };
    const onAbort = () => {
      finish();
      reject(bodyError({ status: 400 }, limitBytes)); // the client has gone: nobody reads the answer
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

const tooLarge = (limitBytes: number) => bodyError({ status: 413 }, limitBytes);
