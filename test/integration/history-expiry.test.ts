import { expiryOf } from '../../src/time/retention';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { redisNowMs, useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

// History keys expire a retention after their period ends. A writer with a short retention (the
// demo's two days, a mistyped option) must not pin a day's keys to its short life: the longest
// retention any writer gives wins, whichever wrote first.

describe('history expiry', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);
  const calendar = new ZonedCalendar('UTC');

  /** Writes alice with a 2-day retention, then bob with 400; the day both wrote on, or undefined if midnight came between. */
  async function writeShortThenLong(namespace: string) {
    const dayNow = async () => calendar.dayAt(await redisNowMs(redis.client())).date;
    const before = await dayNow();
    const short = await monitors.start({ namespace, instanceId: 'short', retentionDays: 2 });
    short.monitor.open({ id: 's1' });
    short.monitor.login('s1', 'alice');
    await short.monitor.flush();
    const long = await monitors.start({ namespace, instanceId: 'long', retentionDays: 400 });
    long.monitor.open({ id: 'l1' });
    long.monitor.login('l1', 'bob');
    await long.monitor.flush();
    const date = (await dayNow()) === before ? before : undefined;
    return { short: short.monitor, keys: long.monitor.keys, date };
  }

  it('a day first written with a 2-day retention is kept for the 400 days a later writer gives it', async () => {
    let written = await writeShortThenLong(uniqueNamespace('expiry'));
    // Midnight between the two writers: they wrote different days; once more, well past it.
    if (!written.date) written = await writeShortThenLong(uniqueNamespace('expiry'));
    const { short, keys, date } = written;
    if (!date) throw new Error('two midnights in one test');
    const expected = expiryOf(calendar.day(date), 400);
    const expireTime = (key: string) => redis.client().call('EXPIRETIME', key) as Promise<number>;
    // Before: EXPIREAT … NX kept the first writer's two days.
    expect(await expireTime(keys.day(date))).toBe(expected.day);
    expect(await expireTime(keys.dayUsersHll(date))).toBe(expected.day);
    expect(await expireTime(keys.dayUsers(date))).toBe(expected.daySet);
    expect(await expireTime(keys.monthUsersHll(calendar.day(date).month))).toBe(expected.month);
    // And a short writer afterwards shortens nothing.
    short.open({ id: 's2' });
    short.login('s2', 'carol');
    await short.flush();
    expect(await expireTime(keys.day(date))).toBe(expected.day);
    expect(await expireTime(keys.dayUsersHll(date))).toBe(expected.day);
  });
});
