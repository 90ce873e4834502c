// Time zones: a day filed, and expired, by the local date of the configured zone, in a real
// Redis.
import { redisNowMs } from '../support/monitor-harness';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { DAY_S, useCountingMonitors } from '../support/counting-monitors';
import { intlDate as localDate } from '../support/intl-date';

describe('counting against a real Redis', () => {
  const { redis, setup } = useCountingMonitors();

  describe('time zones', () => {
    it('files the day under the local date of the configured zone', async () => {
      const nowMs = await redisNowMs(redis.client());
      const utcDate = localDate(nowMs, 'UTC');
      // At any hour one of these zones is on another date than UTC.
      const timezone = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find(
        (zone) => localDate(nowMs, zone) !== utcDate,
      )!;
      const { monitor, reader } = await setup({ timezone });
      monitor.open({ id: 's' });
      monitor.login('s', 'alice');
      await monitor.flush();
      const expected = localDate(await redisNowMs(redis.client()), timezone);
      expect(expected).not.toBe(utcDate);
      const client = redis.client();
      expect(await client.hget(monitor.keys.day(expected), 'sessions')).toBe('1');
      expect(await client.exists(monitor.keys.day(utcDate))).toBe(0);
      expect(await client.sismember(monitor.keys.dayUsers(expected), 'alice')).toBe(1);
      expect(await client.exists(monitor.keys.month(expected.slice(0, 7)))).toBe(1);
      const stats = await reader.stats({ window: 'day' });
      expect(stats.timezone).toBe(timezone);
      expect(stats.day).toMatchObject({ date: expected, activeUsers: 1, sessions: 1 });
      // The day key expires retentionDays after the local midnight that ends it.
      const end = new ZonedCalendar(timezone).day(expected).endMs;
      expect(await client.expiretime(monitor.keys.day(expected))).toBe(
        Math.floor(end / 1000) + 400 * DAY_S,
      );
    });
  });
});
