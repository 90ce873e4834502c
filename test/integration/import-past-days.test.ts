import { Readable } from 'node:stream';
import { importRocketChatSessions, Keys } from '../../src';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { markActiveUsers } from '../../src/scripts/commands/mark-active-users';
import { expiryOf } from '../../src/time/retention';
import { addDays, ZonedCalendar } from '../../src/time/zoned-calendar';
import { redisNowMs } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

// An import writes days that are long over. A day keeps its exact user set about 31 days after it
// ends; after that its exact count is frozen in the day hash. An import may still count a day that
// holds no count yet (it keeps the set alive while it writes), but must never write over a frozen
// count: it refuses such a day whole and says which.

const calendar = new ZonedCalendar('UTC');

/** One Rocket.Chat session document of `userId`, an hour from noon of `date` (UTC). */
function sessionDocument(id: string, userId: string, date: string): string {
  const start = Date.parse(`${date}T12:00:00Z`);
  return JSON.stringify({
    _id: id,
    type: 'session',
    sessionId: id,
    userId,
    loginAt: { $date: new Date(start).toISOString() },
    closedAt: { $date: new Date(start + 3_600_000).toISOString() },
  });
}

describe('import into past days', () => {
  const redis = useRedis();

  async function setup() {
    const namespace = uniqueNamespace('import-past');
    const keys = new Keys(namespace);
    const today = calendar.dayAt(await redisNowMs(redis.client())).date;
    const run = (lines: string[]) =>
      importRocketChatSessions(Readable.from([`${lines.join('\n')}\n`]), {
        redis: redis.client(),
        namespace,
        retentionDays: 400,
      });
    return { keys, today, run };
  }

  it("counts a day inside its set's life exactly, across two imports that share a user", async () => {
    const { keys, today, run } = await setup();
    const day = addDays(today, -2);
    await run([sessionDocument('a1', 'alice', day), sessionDocument('b1', 'bob', day)]);
    const second = await run([
      sessionDocument('b2', 'bob', day),
      sessionDocument('c1', 'carol', day),
    ]);
    expect(second).toMatchObject({ partsApplied: 1, partsRefused: 0, closedDays: [] });
    expect(await redis.client().hmget(keys.day(day), 'users', 'sessions')).toEqual(['3', '4']);
  });

  it("counts a day past its set's life that holds no count yet, exactly, across imports of one run", async () => {
    const { keys, today, run } = await setup();
    const day = addDays(today, -100);
    const first = await run([
      sessionDocument('a1', 'alice', day),
      sessionDocument('b1', 'bob', day),
    ]);
    expect(first).toMatchObject({ partsApplied: 1, partsRefused: 0 });
    // The import kept the set alive for a while, so a second file's users are told apart.
    const second = await run([
      sessionDocument('b2', 'bob', day),
      sessionDocument('c1', 'carol', day),
    ]);
    expect(second).toMatchObject({ partsApplied: 1, partsRefused: 0 });
    expect(await redis.client().hmget(keys.day(day), 'users', 'sessions')).toEqual(['3', '4']);
  });

  it("refuses a day past its set's life whose count is frozen, whole, and names it", async () => {
    const { keys, today, run } = await setup();
    const day = addDays(today, -100);
    const zoned = calendar.day(day);
    // A replay with the day's own expiry: the set is gone at once, the count of 2 frozen.
    await markActiveUsers(new ScriptRunner(redis.client()), keys, {
      day: zoned,
      expiry: expiryOf(zoned, 400),
      exactThreshold: 100,
      userIds: ['alice', 'bob'],
    });
    const client = redis.client();
    expect(await client.exists(keys.dayUsers(day))).toBe(0);
    const report = await run([
      sessionDocument('b1', 'bob', day),
      sessionDocument('c1', 'carol', day),
    ]);
    expect(report).toMatchObject({
      imported: 2,
      partsApplied: 0,
      partsRefused: 1,
      closedDays: [day],
    });
    // Before: "users" became 2 (bob and carol, from a new set) and the sessions were added.
    expect(await client.hgetall(keys.day(day))).toEqual({ users: '2' });
    expect(await client.pfcount(keys.dayUsersHll(day))).toBe(2);
    expect(await client.hget(keys.month(zoned.month), 'users')).toBe('2');
    expect(await client.exists(keys.dayImports(day))).toBe(0);
  });
});
