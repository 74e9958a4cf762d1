// Tests that need a program from Debian's packages (prometheus, Net::SMPP, openssl, swaks, curl, redis-server,
// systemd-analyze, prlimit, postfix, iproute2) or something of the machine's (an IPv6 loopback,
// root for network namespaces and a private Postfix) skip where it is missing.
// SMSGW_TEST_REQUIRE_TOOLS=1 (set by .ci/run, which installs them all and runs as root) makes
// every such test run, so a missing one fails it instead of hiding it.
import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

const required = process.env.SMSGW_TEST_REQUIRE_TOOLS === '1';

/** True when `command args` runs and exits 0, or always when tools are required. */
export function hasTool(command: string, args: string[]): boolean {
  return required || spawnSync(command, args).status === 0;
}

/** As hasTool, for a program that only works as root (ip netns, postfix). */
export function hasRootTool(command: string, args: string[]): boolean {
  return required || (process.getuid?.() === 0 && spawnSync(command, args).status === 0);
}

/** True when the loopback interface has ::1, or always when tools are required. */
export function hasIpv6Loopback(): boolean {
  return required || Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.internal && a.address === '::1'));
}
