import { randomBytes } from 'node:crypto';
import type { Command } from './command';

/** 32 random bytes: 256 bits, 43 characters of base64url, printable and safe in any header or file. */
export const tokenCommand: Command = {
  name: 'token',
  args: [],
  summary: 'print a new random token for SMSGW_AUTH_TOKEN and ExSign',
  help: `Prints a new token: 32 random bytes as 43 base64url characters, well above the 16 characters
production requires. Enter it on ExSign's "SMS Delivery Configuration" page and in the gateway's token
file (SMSGW_AUTH_TOKEN_FILE), e.g.  smsgw token > /etc/smsgw/exsign-token`,
  options: {},
  async run() {
    const token = randomBytes(32).toString('base64url');
    return { ok: true, text: token, json: { token } };
  },
};
