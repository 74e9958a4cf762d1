import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenVerdict = 'ok' | 'missing' | 'invalid';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks `Authorization: token <base64 of the token>` (what ExSign sends), the scheme in any case,
 * and also the raw token. Candidates are compared as SHA-256 digests with timingSafeEqual, so the
 * time taken depends on neither the token's content nor its length.
 */
export function createTokenCheck(tokens: readonly string[]): (header: string | undefined) => TokenVerdict {
  const accepted = tokens.filter(Boolean).flatMap((token) => [digest(token), digest(Buffer.from(token, 'utf8').toString('base64'))]);
  return (header) => {
    if (header === undefined || header.trim() === '') return 'missing';
    const match = /^\s*(\S+)(?:\s+(\S+))?\s*$/.exec(header);
    if (!match) return 'invalid';
    const [, first, second] = match;
    if (second !== undefined && first!.toLowerCase() !== 'token') return 'invalid';
    const candidate = digest(second ?? first!);
    let ok = false;
    for (const expected of accepted) ok = timingSafeEqual(candidate, expected) || ok; // no early exit
    return ok ? 'ok' : 'invalid';
  };
}
