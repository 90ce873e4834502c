// DAU, WAU and MAU: exact sets, the switch to HyperLogLog above exactThreshold, and the unions of
// the week and of the rolling 30 days, counted against a real Redis.
import { addDays } from '../../src/time/zoned-calendar';
import { Keys } from '../../src/keys';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, setup } = useCountingMonitors();

  describe('DAU and MAU', () => {
    it('switches a day and its month from an exact set to HyperLogLog above exactThreshold', async () => {
      const { monitor, reader } = await setup({ exactThreshold: 50 });
      for (let i = 0; i < 200; i++) {
        monitor.open({ id: `s${i}` });
        monitor.login(`s${i}`, `user-${i}`);
        if (i % 40 === 39) await monitor.flush(); // several batches cross the threshold
      }
      await monitor.flush();
      const day = (await reader.stats({ window: 'day' })).day!;
      expect(day.exact).toBe(false);
      expect(Math.abs(day.activeUsers - 200)).toBeLessThanOrEqual(10);
      expect(day).toMatchObject({ sessions: 200, logins: 200, peakUsers: 200 });
      const month = (await reader.stats({ window: 'month' })).month!;
      expect(month.exact).toBe(false);
      expect(Math.abs(month.activeUsers - 200)).toBeLessThanOrEqual(10);
      expect(month.rolling30Exact).toBe(false);
      expect(Math.abs(month.rolling30 - 200)).toBeLessThanOrEqual(10);
      const week = (await reader.stats({ window: 'week' })).week!;
      expect(week.exact).toBe(false);
      expect(week.activeUsers).toBe(day.activeUsers);
      // The exact set is gone; the count lives in the HyperLogLog alone.
      const client = redis.client();
      expect(await client.exists(monitor.keys.dayUsers(day.date))).toBe(0);
      expect(await client.exists(monitor.keys.monthUsers(day.date.slice(0, 7)))).toBe(0);
      expect(await client.hget(monitor.keys.day(day.date), 'inexact')).toBe('1');
      expect(await client.hget(monitor.keys.day(day.date), 'users')).toBeNull();
    });

    it('stays exact at the threshold, and counts every window exactly below it', async () => {
      const { monitor, reader } = await setup({ exactThreshold: 50 });
      for (let i = 0; i < 50; i++) {
        monitor.open({ id: `s${i}` });
        monitor.login(`s${i}`, `user-${i}`);
      }
      monitor.open({ id: 'again' });
      monitor.login('again', 'user-0');
      await monitor.flush();
      const day = (await reader.stats({ window: 'day' })).day!;
      expect(day).toMatchObject({ activeUsers: 50, exact: true, logins: 51 });
      expect(await redis.client().hget(monitor.keys.day(day.date), 'users')).toBe('50');
      expect((await reader.stats({ window: 'week' })).week).toEqual({
        from: addDays(day.date, -6),
        to: day.date,
        activeUsers: 50,
        exact: true,
      });
      expect((await reader.stats({ window: 'month' })).month).toEqual({
        month: day.date.slice(0, 7),
        activeUsers: 50,
        exact: true,
        rolling30: 50,
        rolling30Exact: true,
        stickiness: 1,
      });

      monitor.open({ id: 'one-more' });
      monitor.login('one-more', 'user-50');
      await monitor.flush();
      const over = (await reader.stats({ window: 'day' })).day!;
      expect(over.exact).toBe(false);
      expect(Math.abs(over.activeUsers - 51)).toBeLessThanOrEqual(3);
    });

    it('unions the days of the week and of the rolling 30 days', async () => {
      const { monitor, reader, namespace } = await setup();
      for (const user of ['ann', 'ben', 'cat']) {
        monitor.open({ id: user });
        monitor.login(user, user);
      }
      await monitor.flush();
      const today = (await reader.stats({ window: 'day' })).day!.date;
      // Earlier days as a monitor would have left them (exact set, frozen count, HyperLogLog).
      const keys = new Keys(namespace);
      const client = redis.client();
      const writeDay = async (date: string, users: string[]) => {
        await client.sadd(keys.dayUsers(date), ...users);
        await client.pfadd(keys.dayUsersHll(date), ...users);
        await client.hset(keys.day(date), 'users', users.length, 'sessions', users.length);
      };
      await writeDay(addDays(today, -1), ['cat', 'dan']);
      await writeDay(addDays(today, -6), ['eve']);
      await writeDay(addDays(today, -7), ['fay', 'gil', 'ann']); // outside the week
      await writeDay(addDays(today, -29), ['gus']);
      await writeDay(addDays(today, -30), ['hal']); // outside the rolling 30 days

      expect((await reader.stats({ window: 'week' })).week).toMatchObject({
        activeUsers: 5,
        exact: true,
      });
      const month = (await reader.stats({ window: 'month' })).month!;
      expect(month).toMatchObject({ rolling30: 8, rolling30Exact: true });
      // The month holds only what the monitor wrote this month.
      expect(month).toMatchObject({ activeUsers: 3, exact: true, stickiness: 1 });
      // A past date is read as of that date: cat, dan, eve, fay, gil, ann.
      expect((await reader.stats({ window: 'week', date: addDays(today, -1) })).week).toMatchObject(
        { activeUsers: 6, exact: true },
      );

      // A day that only has a HyperLogLog makes the window approximate.
      await client.del(keys.dayUsers(addDays(today, -1)));
      await client.hset(keys.day(addDays(today, -1)), 'inexact', '1');
      await client.hdel(keys.day(addDays(today, -1)), 'users');
      expect((await reader.stats({ window: 'week' })).week).toMatchObject({
        activeUsers: 5,
        exact: false,
      });
    });
  });
});
