import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  url: string;
  /** Connections opened so far. */
  readonly connections: number;
  /**
   * Existing connections stay open but every byte is silently dropped, both ways: a half-open
   * link (NAT entry lost, cable cut behind a firewall). With `alsoNew`, new connections are
   * accepted and blackholed too; otherwise they forward normally.
   */
  blackhole(options?: { alsoNew?: boolean }): void;
  /** New connections forward again (existing blackholed ones stay dead). */
  heal(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy in front of `targetUrl` (smpp://host:port). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  let blackholeNew = false;
  let connections = 0;

  const server = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    const pair = { client, upstream, dead: blackholeNew };
    pairs.add(pair);
    client.on('data', (chunk) => pair.dead || upstream.write(chunk));
    upstream.on('data', (chunk) => pair.dead || client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A dead link carries no FIN or RST either: only a live pair passes the close on.
    client.on('close', () => pair.dead || end());
    upstream.on('close', () => pair.dead || end());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    blackhole(options = {}) {
      for (const pair of pairs) pair.dead = true;
      blackholeNew = options.alsoNew === true;
    },
    heal() {
      blackholeNew = false;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
    },
  };
}
