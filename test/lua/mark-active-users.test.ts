import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { markActiveUsers } from '../../src/scripts/commands/mark-active-users';
import { addDays, ZonedCalendar } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import { redisNowMs } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

describe('markActiveUsers (replay of logins into a past day)', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  async function setup(exactThreshold = 100) {
    const keys = new Keys(uniqueNamespace('replay'));
    const runner = new ScriptRunner(redis.client());
    const today = calendar.dayAt(await redisNowMs(redis.client()));
    const mark = (date: string, userIds: string[]) => {
      const day = calendar.day(date);
      return markActiveUsers(runner, keys, {
        day,
        expiry: expiryOf(day, 400),
        exactThreshold,
        userIds,
      });
    };
    return { keys, today, mark };
  }

  it('adds users to a past day and its month once, however often replayed', async () => {
    const { keys, today, mark } = await setup();
    // Two past days of one month, recent enough that their exact sets (kept 31 days after the
    // day) are still there, whatever today is: the month of 20 days ago, within the last 29 days.
    const monthStart = calendar.day(addDays(today.date, -20)).month;
    const lastOfMonth = calendar.dateAt(calendar.day(`${monthStart}-01`).monthEndMs - 1);
    const early = [`${monthStart}-01`, addDays(today.date, -29)].sort()[1];
    const late = [lastOfMonth, addDays(today.date, -1)].sort()[0];
    const first = await mark(late, ['alice', 'bob', 'alice']);
    expect(first).toMatchObject({ status: ScriptStatus.OK, added: 2 });
    const again = await mark(late, ['bob', 'carol']);
    expect(again.added).toBe(1);
    await mark(early, ['alice', 'dave']);
    const client = redis.client();
    expect(await client.hget(keys.day(late), 'users')).toBe('3');
    expect(await client.hget(keys.day(early), 'users')).toBe('2');
    expect(await client.hget(keys.month(monthStart), 'users')).toBe('4');
    expect(await client.pfcount(keys.monthUsersHll(monthStart))).toBe(4);
    // Expiry is fixed from the day's end, like every other write to that day.
    const expireAt = Number(await client.call('EXPIRETIME', keys.day(late)));
    expect(expireAt).toBe(expiryOf(calendar.day(late), 400).day);
  });

  it('refuses a day that has not begun by Redis TIME', async () => {
    const { keys, today, mark } = await setup();
    const tomorrow = calendar.day(today.date).endMs;
    const future = calendar.dayAt(tomorrow + 1000).date;
    expect((await mark(future, ['alice'])).status).toBe(-1);
    expect(await redis.client().exists(keys.day(future), keys.dayUsers(future))).toBe(0);
  });

  it('goes on in the HyperLogLog past the exact threshold', async () => {
    const { keys, today, mark } = await setup(3);
    const date = addDays(today.date, -3);
    await mark(date, ['u1', 'u2', 'u3', 'u4', 'u5']);
    const client = redis.client();
    expect(await client.hget(keys.day(date), 'inexact')).toBe('1');
    expect(await client.exists(keys.dayUsers(date))).toBe(0);
    expect(await client.pfcount(keys.dayUsersHll(date))).toBe(5);
    expect(await client.pfcount(keys.monthUsersHll(calendar.day(date).month))).toBe(5);
  });
});
