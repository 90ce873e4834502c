import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs } from '../support/monitor-harness';
import { daysAroundMidnight } from '../support/midnight-days';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import type { ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';

/**
 * Midnight against the real Redis clock: Redis TIME cannot be moved, so the test proposes a "day"
 * that ends 1.5 s from now (the scripts accept any bounds that contain TIME), lets TIME cross that
 * boundary, and checks both days.
 */
describe('midnight rollover (applyBatch "m")', () => {
  const redis = useRedis();

  /** One registered instance n1 of a fresh namespace, and two days whose midnight is 1.5 s away. */
  async function instanceBeforeMidnight(label: string) {
    const client = redis.client();
    const keys = new Keys(uniqueNamespace(label));
    const runner = new ScriptRunner(client);
    await registerInstance(runner, keys, {
      instanceId: 'n1',
      incarnation: 'i1',
      leaseMs: 60_000,
      host: 'h',
      pid: 1,
    });
    const days = daysAroundMidnight(await redisNowMs(client), 1500);
    const apply = (day: ZonedDay, events: string[]) =>
      writeEvents(runner, keys, {
        instanceId: 'n1',
        incarnation: 'i1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 100,
        events,
      });
    return { client, keys, runner, apply, ...days };
  }

  it('counts a session open across midnight on both days and splits its time', async () => {
    const { client, keys, runner, apply, midnight, dayOne, dayTwo } =
      await instanceBeforeMidnight('midnight');

    const opened = await apply(dayOne, ['o', 's1', '', 'i', 's1', 'alice', 'o', 's2', '']);
    expect(opened.status).toBe(ScriptStatus.OK);
    // Day one refuses once TIME has crossed its end: the monitor must propose the new day.
    const wait = midnight - (await redisNowMs(client)) + 50;
    await new Promise((r) => setTimeout(r, wait));
    expect((await apply(dayOne, ['m', 's1', ''])).status).toBe(ScriptStatus.WRONG_DAY);

    const rolled = await apply(dayTwo, ['m', 's1', '', 'm', 's2', '']);
    expect(rolled.status).toBe(ScriptStatus.OK);
    expect(rolled.applied).toBe(2);
    // Alice is active on the new day and month without logging in again.
    expect(await client.smembers(keys.dayUsers('2031-02-01'))).toEqual(['alice']);
    expect(await client.smembers(keys.monthUsers('2031-02'))).toEqual(['alice']);
    expect(await client.hget(keys.day('2031-02-01'), 'users')).toBe('1');
    // Both sessions' time up to midnight went to day one: (midnight - opened) each.
    const dayOneMs = Number(await client.hget(keys.day('2031-01-31'), 'sessionMs'));
    expect(dayOneMs).toBe(2 * (midnight - opened.nowMs));
    // Live counts are untouched, and a second "m" the same day changes nothing.
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous', 'users')).toEqual([
      '2',
      '1',
      '1',
    ]);
    const again = await apply(dayTwo, ['m', 's1', '', 'm', 's2', '']);
    expect(again.applied).toBe(0);
    expect(Number(await client.hget(keys.day('2031-01-31'), 'sessionMs'))).toBe(dayOneMs);

    const closed = await closeSessions(runner, keys, {
      instanceId: 'n1',
      incarnation: 'i1',
      instant: 'now',
      day: dayTwo,
      expiry: expiryOf(dayTwo, 400),
      batchSize: 10,
    });
    expect(closed.closed).toBe(2);
    // The rest of the time, from midnight to the close, goes to day two; none is lost or doubled.
    const dayTwoMs = Number(await client.hget(keys.day('2031-02-01'), 'sessionMs'));
    expect(dayTwoMs).toBe(2 * (closed.closeMs - midnight));
    expect(dayOneMs + dayTwoMs).toBe(2 * (closed.closeMs - opened.nowMs));
    expect(await client.hgetall(keys.live())).toEqual({
      sessions: '0',
      anonymous: '0',
      users: '0',
    });
  });

  it('counts the user of a session closed after midnight, before its carry-over, on the new day', async () => {
    const { client, keys, apply, midnight, dayOne, dayTwo } =
      await instanceBeforeMidnight('midnight-close');
    const opened = await apply(dayOne, ['o', 's1', '', 'i', 's1', 'alice', 'o', 's2', '']);
    expect(opened.status).toBe(ScriptStatus.OK);
    await new Promise((r) => setTimeout(r, midnight - opened.nowMs + 50));

    // Alice leaves after midnight, before any "m": she was online on day two.
    const closed = await apply(dayTwo, ['c', 's1', '', 'c', 's2', '']);
    expect(closed.status).toBe(ScriptStatus.OK);
    expect(await client.smembers(keys.dayUsers('2031-02-01'))).toEqual(['alice']);
    expect(await client.smembers(keys.monthUsers('2031-02'))).toEqual(['alice']);
    expect(await client.hmget(keys.day('2031-02-01'), 'users', 'sessions', 'logins')).toEqual([
      '1',
      null,
      null,
    ]);
    // Each session's time is split at midnight by the close itself.
    const dayOneMs = Number(await client.hget(keys.day('2031-01-31'), 'sessionMs'));
    const dayTwoMs = Number(await client.hget(keys.day('2031-02-01'), 'sessionMs'));
    expect(dayOneMs).toBe(2 * (midnight - opened.nowMs));
    expect(dayTwoMs).toBe(2 * (closed.nowMs - midnight));
    expect(await client.hgetall(keys.live())).toEqual({
      sessions: '0',
      anonymous: '0',
      users: '0',
    });
  });
});
