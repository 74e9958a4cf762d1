// The receipt-callback queue on a Redis Stream: gateways sharing a real redis-server post each
// final status once between them, and one queued by an instance that stops is posted by the next.
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor, type TestGateway } from '../support/gateway';
import { hasRedis, startRedis, type RedisServer } from '../support/redis-server';
import { eventually } from '../support/status-api';

async function startReceiver(answer: (n: number) => number | 'hang') {
  const ids: string[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      ids.push((JSON.parse(text) as { id: string }).id);
      const status = answer(ids.length);
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/receipts`,
    ids,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

(hasRedis() ? describe : describe.skip)('receipt callbacks shared through Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('posts each final status once, whichever instance settled it and whichever reads the queue', async () => {
    const receiver = await startReceiver(() => 200);
    const { smsc, url } = await startFakeSmsc();
    const env = { SMSGW_REDIS_URL: redis.url, SMSGW_REDIS_PREFIX: 'cb1:', SMSGW_DLR_CALLBACK_URL: receiver.url };
    const gateways: TestGateway[] = [];
    try {
      gateways.push(await startGateway(url, env), await startGateway(url, env));
      const [a, b] = gateways as [TestGateway, TestGateway];
      await waitFor(() => a.gateway.smsc.ready() && b.gateway.smsc.ready(), 'both bound');
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await (i % 2 ? a : b).post(sms(`Your code is ${i}`, `+44740012345${i}`))).headers.get('x-message-id')!);
      for (const submit of smsc.submits) expect(await smsc.sendReceipt(submit)).toBe(0);
      // A status leaves the stream once it is posted: with none left, no second POST can come.
      const client = new Redis(redis.url);
      try {
        await eventually(async () => (await client.xlen('cb1:{callbacks}:queue')) === 0, 'the stream emptied', 5000);
      } finally {
        client.disconnect();
      }
      expect([...receiver.ids].sort()).toEqual([...ids].sort());
    } finally {
      for (const gw of gateways) await gw.stop();
      await smsc.stop();
      await receiver.stop();
    }
  });

  it('posts a status queued by an instance that stopped before posting it, from the instance started after', async () => {
    // The first POST hangs (the receiver is slow) and the instance stops meanwhile; later ones succeed.
    const receiver = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    const { smsc, url } = await startFakeSmsc();
    const env = { SMSGW_REDIS_URL: redis.url, SMSGW_REDIS_PREFIX: 'cb2:', SMSGW_DLR_CALLBACK_URL: receiver.url, SMSGW_DLR_CALLBACK_TIMEOUT_MS: '300' };
    const first = await startGateway(url, env);
    let next: TestGateway | undefined;
    try {
      await waitFor(() => first.gateway.smsc.ready(), 'bound');
      const id = (await first.post(sms('Your code is 7777'))).headers.get('x-message-id')!;
      expect(await smsc.sendReceipt(smsc.submits[0]!)).toBe(0);
      await waitFor(() => receiver.ids.length === 1, 'the hanging POST');
      await first.stop();
      next = await startGateway(url, env);
      await waitFor(() => receiver.ids.length === 2, 'the status posted by the next instance', 10_000);
      expect(receiver.ids).toEqual([id, id]);
      expect(next.logs.text).toContain('receipt callback left by another instance taken over');
    } finally {
      await next?.stop();
      await smsc.stop();
      await receiver.stop();
    }
  }, 20_000);
});
