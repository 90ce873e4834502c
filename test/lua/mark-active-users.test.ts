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

  it("adds users to past days inside their sets' life, and to their months, once however often replayed", async () => {
    const { keys, today, mark } = await setup();
    // Yesterday and the day before: their exact sets live 31 days past their end, whatever today
    // is, even if midnight passes during the test. They may lie in different months.
    const late = addDays(today.date, -1);
    const early = addDays(today.date, -2);
    const first = await mark(late, ['alice', 'bob', 'alice']);
    expect(first).toMatchObject({ status: ScriptStatus.OK, added: 2, refusedByDay: 0 });
    const again = await mark(late, ['bob', 'carol']);
    expect(again).toMatchObject({ added: 1, refusedByDay: 0, refusedByMonth: 0 });
    await mark(early, ['alice', 'dave']);
    const client = redis.client();
    expect(await client.hget(keys.day(late), 'users')).toBe('3');
    expect(await client.hget(keys.day(early), 'users')).toBe('2');
    const lateMonth = calendar.day(late).month;
    const earlyMonth = calendar.day(early).month;
    if (lateMonth === earlyMonth) {
      expect(await client.hget(keys.month(lateMonth), 'users')).toBe('4');
      expect(await client.pfcount(keys.monthUsersHll(lateMonth))).toBe(4);
    } else {
      expect(await client.hget(keys.month(lateMonth), 'users')).toBe('3');
      expect(await client.hget(keys.month(earlyMonth), 'users')).toBe('2');
    }
    // Expiry is fixed from the day's end, like every other write to that day.
    const expireAt = Number(await client.call('EXPIRETIME', keys.day(late)));
    expect(expireAt).toBe(expiryOf(calendar.day(late), 400).day);
  });

  it("leaves a day and month past their sets' life with a frozen count as they are, and says who it refused", async () => {
    const { keys, today, mark } = await setup();
    // 100 days back, both the day's set (31 days after the day) and its month's (31 days after
    // the month) have outlived their life: a set written now expires at once.
    const old = addDays(today.date, -100);
    const month = calendar.day(old).month;
    const first = await mark(old, ['alice', 'bob']);
    expect(first).toMatchObject({
      status: ScriptStatus.OK,
      added: 2,
      refusedByDay: 0,
      refusedByMonth: 0,
    });
    const client = redis.client();
    expect(await client.exists(keys.dayUsers(old), keys.monthUsers(month))).toBe(0);
    expect(await client.hget(keys.day(old), 'users')).toBe('2');

    // Before: the set was gone, a new one started from zero and wrote 2 over the frozen 2 (with
    // carol: "users" 2 instead of 3, and bob counted twice in the month).
    const late = await mark(old, ['bob', 'carol']);
    expect(late).toMatchObject({
      status: ScriptStatus.OK,
      added: 0,
      refusedByDay: 2,
      refusedByMonth: 2,
    });
    expect(await client.hgetall(keys.day(old))).toEqual({ users: '2' });
    expect(await client.hgetall(keys.month(month))).toEqual({ users: '2' });
    expect(await client.pfcount(keys.dayUsersHll(old))).toBe(2);
    expect(await client.pfcount(keys.monthUsersHll(month))).toBe(2);
    expect(await client.exists(keys.dayUsers(old), keys.monthUsers(month))).toBe(0);
  });

  it("keeps counting a day past its set's life in its HyperLogLog once the day is inexact", async () => {
    const { keys, today, mark } = await setup(2);
    const old = addDays(today.date, -100);
    await mark(old, ['u1', 'u2', 'u3']);
    const client = redis.client();
    expect(await client.hget(keys.day(old), 'inexact')).toBe('1');
    const late = await mark(old, ['u3', 'u4']);
    expect(late).toMatchObject({ added: 2, refusedByDay: 0, refusedByMonth: 0 });
    expect(await client.pfcount(keys.dayUsersHll(old))).toBe(4);
    expect(await client.pfcount(keys.monthUsersHll(calendar.day(old).month))).toBe(4);
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
