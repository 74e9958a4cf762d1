import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { GatewayError, type FailureFacts } from '../errors';

type Inflate = (bytes: Buffer, options: ZlibOptions) => Buffer;

/** Content-Encoding → how to undo it; null = the bytes are the body. */
const DECODERS = new Map<string, Inflate | null>([
  ['identity', null],
  ['gzip', gunzipSync],
  ['x-gzip', gunzipSync],
  ['deflate', inflateSync],
]);

// A \uD800-\uDFFF escape may leave half a surrogate pair in a string; only then is the (slower) check run.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// With the u flag a pair is one code point above U+FFFF, so only a lone half matches.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const UTF8_BOM = 0xfeff;

/**
 * Reads a body of at most `limitBytes` (inflated first when gzip or deflate, the limit then
 * bounding the inflated size, so a compression bomb stays small) and parses it as JSON, whatever
 * the Content-Type (portals do not always send application/json). JSON is UTF-8 (RFC 8259):
 * other bytes are refused rather than sent to a phone as U+FFFD, whatever charset is declared; a
 * leading byte-order mark is ignored; a string holding half a surrogate pair is refused, as it
 * cannot be encoded for an SMS. An empty body parses as '' so the shape check, not the parser,
 * names the problem. On BODY_TOO_LARGE the rest of the body is drained so the client reads our
 * answer, not a reset.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const inflate = DECODERS.get((req.headers['content-encoding'] ?? 'identity').trim().toLowerCase());
  if (inflate === undefined) {
    req.resume();
    return Promise.reject(malformed('encoding-not-supported'));
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
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      try {
        resolve(parseJson(decode(bytes, inflate, limitBytes)));
      } catch (err) {
        reject(err);
      }
    };
    const onAbort = () => {
      finish();
      reject(malformed()); // the client has gone: nobody reads the answer
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

/** The body as sent; inflating stops with an error past `limitBytes` (16 KiB by default: microseconds of work). */
function decode(bytes: Buffer, inflate: Inflate | null, limitBytes: number): Buffer {
  if (!inflate || bytes.length === 0) return bytes;
  try {
    return inflate(bytes, { maxOutputLength: limitBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limitBytes);
    throw malformed('not-decompressible');
  }
}

function parseJson(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw malformed('not-utf8');
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === UTF8_BOM) text = text.slice(1);
  if (text === '') return '';
  try {
    return SURROGATE_ESCAPE.test(text) ? JSON.parse(text, refuseLoneSurrogates) : JSON.parse(text);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw malformed();
  }
}

function refuseLoneSurrogates(key: string, value: unknown): unknown {
  if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) {
    throw malformed('lone-surrogate');
  }
  return value;
}

const tooLarge = (limitBytes: number) => new GatewayError('body-too-large', { limitBytes });
const malformed = (problem: FailureFacts['malformed-body']['problem'] = 'not-json') => new GatewayError('malformed-body', { problem });
