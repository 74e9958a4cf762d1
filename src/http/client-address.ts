import { isIP } from 'node:net';
import { createAllowlist, normaliseAddress } from './ip-allowlist';

/**
 * The caller's address. X-Forwarded-For is believed only when the socket peer is a configured
 * trusted proxy, and then read from the right: each trusted proxy appends the address it saw, so
 * the right-most address that is not a trusted proxy is the first one a client could not forge.
 * Anything left of it is whatever the client sent. An unreadable entry at that point gives
 * undefined (unknown caller), never a guess.
 */
export function createClientAddress(trustedProxies: readonly string[]): (socketAddress: string | undefined, forwardedFor: string | undefined) => string | undefined {
  const isTrusted = createAllowlist(trustedProxies);
  return (socketAddress, forwardedFor) => {
    if (!socketAddress) return undefined;
    const peer = normaliseAddress(socketAddress);
    if (!forwardedFor || !isTrusted(peer)) return peer;
    const hops = forwardedFor.split(',').map(readHop);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      if (hop === undefined) return undefined;
      if (!isTrusted(hop)) return hop;
    }
    // Every hop is one of our proxies: the left-most is where the request entered.
    return hops[0] ?? peer;
  };
}

/** One X-Forwarded-For entry: "10.1.2.3", "10.1.2.3:5678", "2001:db8::1" or "[2001:db8::1]:443". */
function readHop(raw: string): string | undefined {
  let hop = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(':'));
  return isIP(hop) ? normaliseAddress(hop) : undefined;
}
