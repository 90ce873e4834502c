// Retention: the expiry times of day, month and exact set keys, fixed from the end of their
// period, in a real Redis.
import { clearOfMidnight } from '../support/expect-today';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs } from '../support/monitor-harness';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { DAY_S, useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, harness } = useCountingMonitors();

  describe('retention', () => {
    it('gives day, month and exact set keys expiries fixed from the period end', async () => {
      // The keys read are the day's the events were written on, with more than a second left of it.
      await clearOfMidnight(redis.client(), 5_000);
      const namespace = uniqueNamespace('retention');
      const { monitor } = await harness.start({
        namespace,
        instanceId: 'app-1',
        retentionDays: 90,
      });
      monitor.open({ id: 's' });
      monitor.login('s', 'alice');
      monitor.close('s');
      monitor.open({ id: 'open' });
      await monitor.flush();
      const nowMs = await redisNowMs(redis.client());
      const calendar = new ZonedCalendar('UTC');
      const day = calendar.dayAt(nowMs);
      const client = redis.client();
      const expireAt = (key: string) => client.expiretime(key);
      const dayEnd = Math.floor(day.endMs / 1000);
      const monthEnd = Math.floor(day.monthEndMs / 1000);
      expect(await expireAt(monitor.keys.day(day.date))).toBe(dayEnd + 90 * DAY_S);
      expect(await expireAt(monitor.keys.dayUsersHll(day.date))).toBe(dayEnd + 90 * DAY_S);
      expect(await expireAt(monitor.keys.dayUsers(day.date))).toBe(dayEnd + 31 * DAY_S);
      expect(await expireAt(monitor.keys.month(day.month))).toBe(monthEnd + 90 * DAY_S);
      expect(await expireAt(monitor.keys.monthUsersHll(day.month))).toBe(monthEnd + 90 * DAY_S);
      expect(await expireAt(monitor.keys.monthUsers(day.month))).toBe(monthEnd + 31 * DAY_S);
      const ttl = await client.ttl(monitor.keys.day(day.date));
      expect(ttl).toBeGreaterThan(90 * DAY_S);
      expect(ttl).toBeLessThanOrEqual(91 * DAY_S);
      // Live state does not expire.
      expect(await client.ttl(monitor.keys.live())).toBe(-1);
      expect(await client.ttl(monitor.keys.instanceSessions('app-1', monitor.incarnation))).toBe(
        -1,
      );
    });

    it('keeps exact sets no longer than the retention when it is short', async () => {
      const namespace = uniqueNamespace('short-retention');
      const { monitor } = await harness.start({ namespace, instanceId: 'app-1', retentionDays: 7 });
      monitor.open({ id: 's' });
      monitor.login('s', 'alice');
      await monitor.flush();
      const day = new ZonedCalendar('UTC').dayAt(await redisNowMs(redis.client()));
      const dayEnd = Math.floor(day.endMs / 1000);
      expect(await redis.client().expiretime(monitor.keys.dayUsers(day.date))).toBe(
        dayEnd + 7 * DAY_S,
      );
      expect(await redis.client().expiretime(monitor.keys.day(day.date))).toBe(dayEnd + 7 * DAY_S);
    });
  });
});
