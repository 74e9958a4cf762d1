import { BlockList, isIPv4 } from 'node:net';

/** Distinct caller addresses whose verdict is remembered; the cache starts over when full. */
const MAX_CACHED_ADDRESSES = 1024;

/**
 * Matches socket addresses against IPs and CIDR blocks; IPv4-mapped IPv6 is read as IPv4.
 * Verdicts are cached per address: BlockList.check() builds a SocketAddress on every call, a
 * measurable cost per request, while a portal calls from a handful of addresses.
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
      const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
      allowed = list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
      if (verdicts.size >= MAX_CACHED_ADDRESSES) verdicts.clear();
      verdicts.set(address, allowed);
    }
    return allowed;
  };
}
