import type { AddressInfo } from 'node:net';

/** A listening server's address as a URL of `scheme`, an IPv6 host in brackets: for the start-up log lines. */
export function listenUrl(scheme: string, server: { address(): AddressInfo | string | null }): string {
  const { address, port } = server.address() as AddressInfo;
  return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
