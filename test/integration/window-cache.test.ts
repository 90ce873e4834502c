import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, useMonitors } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { markActiveUsers } from '../../src/scripts/commands/mark-active-users';
import { addDays, ZonedCalendar } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';

// The gauge sampler merges the days before today once, and stats() then merges two HyperLogLogs
// per window instead of up to 30. These tests check that the cached path gives the numbers the
// full merge gives, that it is really used, and that a past day gaining users retires it.
describe('window cache of past days', () => {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);
  const calendar = new ZonedCalendar('UTC');

  async function setup(exactThreshold: number) {
    const namespace = uniqueNamespace('windows');
    const keys = new Keys(namespace);
    const runner = new ScriptRunner(redis.client());
    const today = calendar.dayAt(await redisNowMs(redis.client())).date;
    const mark = (date: string, userIds: string[]) => {
      const day = calendar.day(date);
      return markActiveUsers(runner, keys, {
        day,
        expiry: expiryOf(day, 400),
        exactThreshold,
        userIds,
      });
    };
    const { monitor } = await harness.start({
      namespace,
      instanceId: 'sampler',
      gaugeIntervalMs: 0,
      exactThreshold,
    });
    const reader = harness.reader({ namespace, exactThreshold });
    return { keys, today, mark, monitor, reader };
  }

  const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('gives the full merge’s numbers from two HyperLogLogs, and is really read', async () => {
    const { keys, today, mark, monitor, reader } = await setup(50);
    // 20 past days of 60 to 80 users each, overlapping: every day outgrows the exact threshold.
    for (let d = 1; d <= 20; d++) await mark(addDays(today, -d), users('u', 60 + d).slice(d));
    monitor.open({ id: 's1' });
    monitor.login('s1', 'today-only');
    await monitor.flush();

    const full = await reader.stats({ window: 'all' });
    expect(full.week).toMatchObject({ exact: false });
    expect(await redis.client().exists(keys.windowCacheHll(today, 30))).toBe(0);

    expect(await monitor.sampleGauges()).toBe(true);
    const cache = await redis.client().hgetall(keys.windowCache());
    // Every mark above bumped the version: the cache is built for the latest.
    expect(cache).toMatchObject({ date: today, built: '20', version: '20' });
    expect(cache).toMatchObject({ exact7: '0', exact30: '0' });
    const cached = await reader.stats({ window: 'all' });
    expect(cached.week).toEqual(full.week);
    expect(cached.month).toEqual(full.month);
    // The week holds users 1..67 of the days before plus today's: HyperLogLog counts 68 or so.
    expect(Math.abs(cached.week!.activeUsers - 67)).toBeLessThanOrEqual(2);

    // Deleting a past day's HyperLogLog behind the cache's back changes nothing: it is read.
    await redis.client().del(keys.dayUsersHll(addDays(today, -20)));
    expect((await reader.stats({ window: 'all' })).month).toEqual(full.month);

    // A cache whose HyperLogLogs are gone (expired, evicted) is not trusted, and is rebuilt.
    await redis.client().del(keys.windowCacheHll(today, 7), keys.windowCacheHll(today, 30));
    expect((await reader.stats({ window: 'all' })).week).toEqual(full.week);
    await monitor.sampleGauges();
    expect(await redis.client().exists(keys.windowCacheHll(today, 7))).toBe(1);
    expect((await reader.stats({ window: 'all' })).week).toEqual(full.week);
  });

  it('is retired when a past day gains users, and rebuilt at the next sample', async () => {
    const { keys, today, mark, monitor, reader } = await setup(50);
    for (let d = 1; d <= 5; d++) await mark(addDays(today, -d), users('u', 70));
    await monitor.sampleGauges();
    const before = (await reader.stats({ window: 'week' })).week!.activeUsers;
    expect(Math.abs(before - 70)).toBeLessThanOrEqual(2);

    expect(await redis.client().hget(keys.windowCache(), 'built')).toBe('5');
    await mark(addDays(today, -3), users('late', 30));
    expect(await redis.client().hget(keys.windowCache(), 'version')).toBe('6');
    const after = (await reader.stats({ window: 'week' })).week!.activeUsers;
    expect(Math.abs(after - 100)).toBeLessThanOrEqual(2);

    await monitor.sampleGauges();
    expect(await redis.client().hget(keys.windowCache(), 'built')).toBe('6');
    expect((await reader.stats({ window: 'week' })).week!.activeUsers).toBe(after);
  });

  it('keeps exact windows exact: small past days are still unioned from their sets', async () => {
    const { keys, today, mark, monitor, reader } = await setup(1000);
    await mark(addDays(today, -1), ['alice', 'bob']);
    await mark(addDays(today, -2), ['bob', 'carol']);
    monitor.open({ id: 's1' });
    monitor.login('s1', 'alice');
    await monitor.flush();
    await monitor.sampleGauges();
    expect(await redis.client().hgetall(keys.windowCache())).toMatchObject({
      exact7: '1',
      total7: '4',
    });
    const stats = await reader.stats({ window: 'all' });
    expect(stats.week).toMatchObject({ activeUsers: 3, exact: true });
    expect(stats.month).toMatchObject({ rolling30: 3, rolling30Exact: true });
  });
});
