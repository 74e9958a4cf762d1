// Live reload with the counters in Redis: the limits are settings and change; what was counted stays.
import { startFakeSmsc } from '../support/fake-smsc';
import { sms, startGateway, waitFor } from '../support/gateway';
import { hasRedis, startRedis } from '../support/redis-server';

(hasRedis() ? describe : describe.skip)('reloading the limits of a gateway on Redis', () => {
  it('applies a lower per-number limit to what Redis already counted', async () => {
    const redis = await startRedis();
    const { smsc, url } = await startFakeSmsc();
    const env = { SMSGW_REDIS_URL: redis.url, SMSGW_LIMITS_ENABLED: 'true', SMSGW_DEFAULT_REGION: 'GB', SMSGW_LIMIT_PER_NUMBER: '3' };
    const gw = await startGateway(url, env);
    try {
      await waitFor(() => gw.gateway.smsc.ready(), 'bound');
      for (const code of ['1', '2']) expect((await gw.post(sms(`Your code is ${code}`, '+447400123456'))).json.IsSuccess).toBe(true);
      expect(gw.gateway.reload({ ...gw.config, limits: { ...gw.config.limits, perNumber: 2 } }).reloadable).toContain('limits.perNumber');
      const third = await gw.post(sms('Your code is 3', '+447400123456'));
      expect(third.json.ErrorDetails).toMatch(/^Too many messages to this number: at most 2 per 10 min/);
      expect(smsc.submits).toHaveLength(2);
    } finally {
      await gw.stop();
      await smsc.stop();
      await redis.stop();
    }
  });
});
