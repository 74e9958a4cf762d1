import { BlockList, isIP, isIPv4 } from 'node:net';

/** An address as written by a socket or a proxy, IPv4-mapped IPv6 (::ffff:10.1.2.3) read as IPv4. */
export function normaliseAddress(address: string): string {
  const plain = address.trim();
  return /^::ffff:/i.test(plain) && isIPv4(plain.slice(7)) ? plain.slice(7) : plain.toLowerCase();
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const plain = normaliseAddress(address);
  return plain === '::1' || (isIPv4(plain) && plain.startsWith('127.'));
}

/** Distinct caller addresses whose verdict is remembered; the cache starts over when full. */
const MAX_CACHED_ADDRESSES = 1024;

/**
 * Matches addresses against IPs and CIDR blocks (IPv4, IPv6, IPv4-mapped IPv6); anything
 * unparsable never matches. Verdicts are cached per address: BlockList.check() builds a
 * SocketAddress on every call, a measurable cost per request, while a portal calls from a handful
 * of addresses.
 */
export function createAllowlist(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits] = entry.split('/');
    const type = isIPv4(addr!) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  const verdicts = new Map<string, boolean>();
  return (address) => {
    if (!address) return false;
    let allowed = verdicts.get(address);
    if (allowed === undefined) {
      const plain = normaliseAddress(address);
      const family = isIP(plain);
      allowed = family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
      if (verdicts.size >= MAX_CACHED_ADDRESSES) verdicts.clear();
      verdicts.set(address, allowed);
    }
    return allowed;
  };
}
