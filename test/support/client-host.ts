// A client host of the test's own: a network namespace joined to this one by a veth pair, made
// with iproute2 (root only). A program run there reaches a listener on this side's address of the
// link from an address that is not loopback, over a real socket, and nothing leaves the machine.
// remove() deletes the namespace, which takes both ends of the pair with it.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { hasRootTool } from './tools';

export const hasNetworkNamespaces = hasRootTool('ip', ['netns', 'list']);

export interface ClientHost {
  /** This side's address on the link: listen here. */
  localAddress: string;
  /** The client host's address on the link. */
  clientAddress: string;
  /** The command that runs a program on the client host: `ip netns exec NAME`. */
  via: string[];
  remove(): void;
}

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
}

/** A fresh namespace and a /30 of 198.18.0.0/15 (RFC 2544's range for test networks), both picked at random. */
export function createClientHost(): ClientHost {
  const id = randomBytes(4).toString('hex');
  const name = `smsgw-test-${id}`;
  const [here, there] = [`sgw${id}h`, `sgw${id}c`]; // interface names: 15 characters at most
  const subnet = ((198 << 24) | (18 << 16)) + randomInt(2 ** 15) * 4;
  const address = (n: number) => [24, 16, 8, 0].map((shift) => ((subnet + n) >>> shift) & 255).join('.');
  const [localAddress, clientAddress] = [address(1), address(2)];
  ip('netns', 'add', name);
  const remove = () => spawnSync('ip', ['netns', 'delete', name]);
  try {
    ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    ip('link', 'set', there, 'netns', name);
    ip('addr', 'add', `${localAddress}/30`, 'dev', here);
    ip('link', 'set', here, 'up');
    ip('-n', name, 'addr', 'add', `${clientAddress}/30`, 'dev', there);
    ip('-n', name, 'link', 'set', there, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  } catch (err) {
    remove();
    spawnSync('ip', ['link', 'delete', here]);
    throw err;
  }
  return { localAddress, clientAddress, via: ['ip', 'netns', 'exec', name], remove };
}
