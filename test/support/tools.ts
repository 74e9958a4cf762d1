// Tests that need a program from Debian's packages (prometheus, Net::SMPP, openssl, swaks,
// systemd-analyze, prlimit) skip where it is missing. SMSGW_TEST_REQUIRE_TOOLS=1 (set by .ci/run, which installs them all) makes every such
// test run, so a missing program fails it instead of hiding it.
import { spawnSync } from 'node:child_process';

const required = process.env.SMSGW_TEST_REQUIRE_TOOLS === '1';

/** True when `command args` runs and exits 0, or always when tools are required. */
export function hasTool(command: string, args: string[]): boolean {
  return required || spawnSync(command, args).status === 0;
}
