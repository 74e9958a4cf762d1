// What a gateway does while its Redis is down: SMSGW_REDIS_FAILURE=closed refuses sends with a
// clear answer; the default (open) starts and sends without it, and catches up when it is back.
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { hasRedis, startRedis } from '../support/redis-server';
import { eventually, getStatus, metricValue } from '../support/status-api';

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, json: (await res.json()) as { store: { type: string; up: boolean; failure: string; spooledRecords: number } } };
};

(hasRedis() ? describe : describe.skip)('Redis failure modes', () => {
  it('closed: refuses sends with STORE_UNAVAILABLE while Redis is down, stays in the load balancer, and sends again once it is back', async () => {
    const redis = await startRedis();
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, {
      SMSGW_REDIS_URL: redis.url,
      SMSGW_REDIS_FAILURE: 'closed',
      SMSGW_REDIS_COMMAND_TIMEOUT_MS: '300',
      SMSGW_LIMITS_ENABLED: 'true',
      SMSGW_DEFAULT_REGION: 'GB',
    });
    try {
      await waitFor(() => gw.gateway.smsc.ready(), 'bound');
      expect((await gw.post(sms('Your code is 1111', '+447400123456'))).json.IsSuccess).toBe(true);
      await redis.kill();
      await eventually(async () => (await metricValue(gw, 'smsgw_redis_up')) === 0, 'smsgw_redis_up 0');
      const refused = await gw.post(sms('Your code is 2222', '+447400123457'));
      expect(refused.json).toEqual({
        IsSuccess: false,
        ErrorDetails: 'Gateway cannot reach its shared store (Redis), so abuse limits cannot be checked: sending is refused until it is back; retry shortly',
      });
      expect(smsc.submits).toHaveLength(1);
      expect(await metricValue(gw, 'smsgw_http_requests_total{outcome="store_unavailable"}')).toBe(1);
      // Every instance sees the same outage: readiness reports it without going unready.
      expect(await readyz(gw.url)).toMatchObject({ status: 200, json: { store: { type: 'redis', up: false, failure: 'closed' } } });
      await redis.restart();
      await eventually(async () => (await metricValue(gw, 'smsgw_redis_up')) === 1, 'reconnected by itself', 10_000);
      expect((await gw.post(sms('Your code is 3333', '+447400123458'))).json.IsSuccess).toBe(true);
      expect(smsc.submits).toHaveLength(2);
    } finally {
      await gw.stop();
      await smsc.stop();
      await redis.stop();
    }
  }, 20_000);

  it('open: starts without Redis, sends with per-instance limits and duplicate filter, keeps records locally and writes them to Redis when it comes up', async () => {
    const redis = await startRedis();
    await redis.kill();
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_REDIS_URL: redis.url, SMSGW_REDIS_COMMAND_TIMEOUT_MS: '200', SMSGW_LIMITS_ENABLED: 'true', SMSGW_DEFAULT_REGION: 'GB' });
    try {
      await waitFor(() => gw.gateway.smsc.ready(), 'bound');
      const answers = [];
      for (const code of ['1', '2', '3', '4']) answers.push(await gw.post(sms(`Your code is 100${code}`, '+447400123456')));
      // The per-number limit still holds, counted by this instance alone.
      expect(answers.map((x) => x.json.IsSuccess)).toEqual([true, true, true, false]);
      expect(smsc.submits).toHaveLength(3);
      const id = answers[0]!.headers.get('x-message-id')!;
      expect((await getStatus(gw, id)).json).toMatchObject({ id, status: 'accepted' });
      expect((await readyz(gw.url)).json.store).toMatchObject({ up: false, spooledRecords: 3 });
      expect(gw.logs.text).toContain('Redis unreachable at start-up');
      expect(gw.logs.text).toContain('Redis unreachable: abuse limits count per instance until it is back (SMSGW_REDIS_FAILURE=open)');
      expect(await metricValue(gw, 'smsgw_redis_fallbacks_total{what="record"}')).toBe(3);
      // The duplicate filter: this instance's own stands in, so a repeat is answered by the first and not sent.
      const repeat = await gw.post(sms('Your code is 1001', '+447400123456'));
      expect(repeat.json.IsSuccess).toBe(true);
      expect(repeat.headers.get('x-message-id')).toBe(id);
      expect(smsc.submits).toHaveLength(3);
      expect(await metricValue(gw, 'smsgw_redis_fallbacks_total{what="dedupe"}')).toBe(5);
      expect(gw.logs.text).toContain('Redis unreachable: repeats are only recognised on the instance that sent the first until it is back (SMSGW_REDIS_FAILURE=open)');

      await redis.restart();
      await eventually(async () => (await readyz(gw.url)).json.store.spooledRecords === 0, 'the spool flushed', 10_000);
      expect(gw.logs.text).toContain('Redis reachable again');
      // Another instance now sees the record.
      const other = await startGateway(url, { SMSGW_REDIS_URL: redis.url });
      try {
        expect((await getStatus(other, id)).json).toMatchObject({ id, status: 'accepted' });
      } finally {
        await other.stop();
      }
    } finally {
      await gw.stop();
      await smsc.stop();
      await redis.stop();
    }
  }, 20_000);
});
