// SMSGW_REDIS_URL=redis+sentinel://…: the gateway asks Sentinel for the master, and follows a
// failover to the promoted replica by itself. A real master, replica and Sentinel (Debian's
// redis-server in its three roles) on free loopback ports.
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { hasRedis, startRedis } from '../support/redis-server';
import { eventually, getStatus } from '../support/status-api';
import { parseSentinelUrl, redactRedisUrl } from '../../src/store/redis-link';

describe('Sentinel URLs', () => {
  it('name the sentinels, the master and the database, and are logged without credentials', () => {
    const url = 'redis+sentinel://gw:s3cret@10.0.0.1:26379,10.0.0.2/mymaster/2?sentinelPassword=other';
    expect(parseSentinelUrl(url)).toEqual({
      tls: false,
      username: 'gw',
      password: 's3cret',
      sentinelPassword: 'other',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      name: 'mymaster',
      db: 2,
    });
    expect(redactRedisUrl(url)).toBe('redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/2');
    expect(parseSentinelUrl('redis://h:6379/0')).toBeUndefined();
  });
});

(hasRedis() ? describe : describe.skip)('a gateway behind Sentinel', () => {
  it('finds the master through Sentinel and follows a failover to the replica', async () => {
    const master = await startRedis();
    const replica = await startRedis({ replicaOf: master.port });
    const sentinel = await startRedis({ sentinelFor: { port: master.port, name: 'otp' } });
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel.port}/otp`, SMSGW_REDIS_COMMAND_TIMEOUT_MS: '300' });
    try {
      await waitFor(() => gw.gateway.smsc.ready(), 'bound');
      const before = (await gw.post(sms('Your code is 1111'))).headers.get('x-message-id')!;
      // The replica has the record before the master goes.
      await eventually(async () => (await fetchKeys(replica.url)).includes(`smsgw:msg:${before}`), 'the record replicated', 5000);
      await master.kill();
      // Sentinel notices (1 s), promotes the replica; the gateway reconnects to it by itself.
      await eventually(async () => (await getStatus(gw, before)).status === 200, 'the record read from the promoted replica', 20_000);
      expect((await getStatus(gw, before)).json).toMatchObject({ id: before, status: 'accepted' });
      const after = (await gw.post(sms('Your code is 2222'))).headers.get('x-message-id')!;
      await eventually(async () => (await fetchKeys(replica.url)).includes(`smsgw:msg:${after}`), 'a new record written to the new master', 5000);
      expect(await fetchKeys(replica.url)).toEqual(expect.arrayContaining([`smsgw:msg:${before}`, `smsgw:msg:${after}`]));
    } finally {
      await gw.stop();
      await smsc.stop();
      await Promise.all([sentinel.stop(), replica.stop(), master.stop()]);
    }
  }, 40_000);
});

async function fetchKeys(url: string): Promise<string[]> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await client.keys('smsgw:msg:*');
  } finally {
    client.disconnect();
  }
}
