// Redis Cluster runs a command, transaction or script only when all its keys hash to one slot.
// A real redis-server's MONITOR records every command a gateway sends while it sends, receives
// receipts (early, late, never matched), dedupes and queues callbacks; every command with several
// keys must keep them in one slot, as computed by the slot function ioredis's Cluster client uses.
import calculateSlot from 'cluster-key-slot';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { hasRedis, startRedis } from '../support/redis-server';

/** The keys of one command as MONITOR shows it, for the multi-key commands the gateway uses. */
function keysOf(args: string[]): string[] {
  const [name, ...rest] = args;
  switch (name!.toUpperCase()) {
    case 'EVAL':
    case 'EVALSHA':
      return rest.slice(2, 2 + Number(rest[1]));
    case 'SUNION':
    case 'MGET':
    case 'DEL':
      return rest;
    default:
      return rest.slice(0, 1);
  }
}

(hasRedis() ? describe : describe.skip)('Redis key layout', () => {
  it('keeps the keys of every script and multi-key command in one Cluster slot', async () => {
    const redis = await startRedis();
    const monitor = new Redis(redis.url);
    const commands: string[][] = [];
    const watching = await monitor.monitor();
    watching.on('monitor', (_time: string, args: string[], source: string) => {
      if (!source.includes('lua')) commands.push(args);
    });
    const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, {
      SMSGW_REDIS_URL: redis.url,
      SMSGW_LIMITS_ENABLED: 'true',
      SMSGW_DEFAULT_REGION: 'GB',
      SMSGW_DLR_CALLBACK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
      SMSGW_DLR_EARLY_RECEIPT_HOLD_MS: '200',
      SMSGW_STORE_PURGE_INTERVAL_MS: '100',
    });
    try {
      await waitFor(() => gw.gateway.smsc.ready(), 'bound');
      for (const number of ['+447400123456', '+447400123456', '+447400654321']) await gw.post(sms('Your code is 1234', number));
      // A receipt for an id nobody sent: held, then given up by housekeeping.
      expect(await smsc.sendReceipt(smsc.submits[0]!, { id: 'FFFF0' })).toBe(0);
      // A message recorded while a receipt is held looks for it.
      await gw.post(sms('Your code is 5678', '+447400654322'));
      // A receipt that settles a message: its callback goes through the stream.
      expect(await smsc.sendReceipt(smsc.submits[1]!)).toBe(0);
      await waitFor(() => commands.some((c) => c[0] === 'xack'), 'the callback acknowledged', 5000);
      await waitFor(() => commands.some((c) => c[0] === 'zrangebyscore'), 'housekeeping', 5000);
      await waitFor(() => gw.logs.text.includes('delivery receipts matched no message'), 'the held receipt given up', 5000);
    } finally {
      await gw.stop();
      await smsc.stop();
      receiver.closeAllConnections();
      receiver.close();
      watching.disconnect();
      monitor.disconnect();
      await redis.stop();
    }
    const multiKey = commands.map((c) => c.map(String)).filter((c) => keysOf(c).length > 1);
    // The scripts with several keys (sent as EVAL the first time, EVALSHA after) and SUNION ran.
    expect(multiKey.some((c) => /^eval/i.test(c[0]!))).toBe(true);
    const names = new Set(multiKey.map((c) => c[0]!.toLowerCase()));
    expect([...names]).toEqual(expect.arrayContaining(['sunion']));
    for (const command of multiKey) {
      const keys = keysOf(command);
      expect({ command: command[0], keys, slots: new Set(keys.map((k) => calculateSlot(k))).size }).toEqual({ command: command[0], keys, slots: 1 });
    }
  }, 20_000);
});
