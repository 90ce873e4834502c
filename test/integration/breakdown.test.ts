import type { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { SauReader } from '../../src/reader/sau-reader';
import { InvalidArgumentError } from '../../src/errors/invalid-argument-error';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import {
  EMPTY_SESSION_META,
  encodeSessionMeta,
  type SessionMeta,
} from '../../src/session/session-meta';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import type { BreakdownQuery } from '../../src/reader/breakdown-types';

const meta = (fields: Partial<SessionMeta>): string =>
  encodeSessionMeta({ ...EMPTY_SESSION_META, ...fields });
const WINDOWS = meta({ deviceType: 'browser', osName: 'Windows', clientName: 'Chrome' });
const MAC = meta({ deviceType: 'browser', osName: 'Mac OS', clientName: 'Safari' });
const IOS = meta({ deviceType: 'mobile-app', osName: 'iOS', clientName: 'RC Mobile' });

/** SauReader.breakdown() over what the scripts keep, live, for a day and for a month. */
describe('SauReader.breakdown', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  /** An instance registered in a fresh namespace, and a way to send it events on any day. */
  async function setup(exactThreshold = 1000) {
    const client = redis.client();
    const namespace = uniqueNamespace('breakdown');
    const keys = new Keys(namespace);
    const runner = new ScriptRunner(client);
    const instance = (instanceId: string) =>
      registerInstance(runner, keys, {
        instanceId,
        incarnation: `${instanceId}-inc`,
        leaseMs: 60_000,
        host: 'test',
        pid: 1,
      });
    await instance('node-1');
    await instance('node-2');
    const today = calendar.dayAt(await redisNowMs(client));
    const send = async (instanceId: string, events: string[], day: ZonedDay = today) => {
      const result = await writeEvents(runner, keys, {
        instanceId,
        incarnation: `${instanceId}-inc`,
        day,
        expiry: expiryOf(day, 400),
        exactThreshold,
        events,
      });
      expect(result.status).toBe(ScriptStatus.OK);
      return result;
    };
    const reader = new SauReader({ redis: client, namespace });
    return { client, keys, today, send, reader };
  }

  /**
   * A day with any date whose bounds contain Redis TIME now: the scripts check the bounds, not the
   * date, so a test can write history to a past date.
   */
  async function fakeDay(client: Redis, date: string): Promise<ZonedDay> {
    const now = await redisNowMs(client);
    const day = calendar.day(date);
    return { ...day, startMs: now - 3_600_000, endMs: now + 3_600_000 };
  }

  it('lists live sessions and logged-in sessions per value, most sessions first', async () => {
    const { send, reader } = await setup();
    await send('node-1', [
      ...['o', 'a1', WINDOWS, 'i', 'a1', 'alice', 'o', 'a2', WINDOWS, 'i', 'a2', 'alice'],
      ...['o', 'a3', IOS, 'o', 'a4', ''],
    ]);
    await send('node-2', ['o', 'b1', WINDOWS, 'o', 'b2', MAC, 'i', 'b2', 'bob']);

    const os = await reader.breakdown({ by: 'os' });
    expect(os).toMatchObject({ by: 'os', window: 'now' });
    expect(Date.parse(os.at)).toBeGreaterThan(0);
    expect(os.rows).toEqual([
      { value: 'Windows', sessions: 3, loggedInSessions: 2 },
      { value: 'Mac OS', sessions: 1, loggedInSessions: 1 },
      { value: 'iOS', sessions: 1, loggedInSessions: 0 },
      { value: 'unknown', sessions: 1, loggedInSessions: 0 },
    ]);
    const device = await reader.breakdown({ by: 'device', window: 'now' });
    expect(device.rows).toEqual([
      { value: 'browser', sessions: 4, loggedInSessions: 3 },
      { value: 'mobile-app', sessions: 1, loggedInSessions: 0 },
      { value: 'unknown', sessions: 1, loggedInSessions: 0 },
    ]);
    // The live rows add up to the live totals of stats().
    const { now } = await reader.stats();
    for (const by of ['device', 'os', 'browser'] as const) {
      const rows = (await reader.breakdown({ by })).rows;
      expect(rows.reduce((n, r) => n + r.sessions, 0)).toBe(now.sessions);
      expect(rows.reduce((n, r) => n + r.loggedInSessions, 0)).toBe(
        now.sessions - now.anonymousSessions,
      );
    }
  });

  it('counts a day: sessions opened, session seconds and distinct users per value', async () => {
    const { send, reader, today } = await setup();
    const opened = await send('node-1', [
      ...['o', 'a1', WINDOWS, 'i', 'a1', 'alice', 'o', 'a2', WINDOWS, 'i', 'a2', 'alice'],
      ...['o', 'a3', IOS, 'i', 'a3', 'alice', 'o', 'b1', WINDOWS, 'i', 'b1', 'bob'],
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    const closed = await send('node-1', ['c', 'a1', '', 'c', 'a3', '', 'c', 'b1', '']);
    const ms = closed.nowMs - opened.nowMs;

    const day = await reader.breakdown({ by: 'os', window: 'day' });
    expect(day).toMatchObject({ by: 'os', window: 'day', date: today.date, usersExact: true });
    expect(day.rows).toEqual([
      { value: 'Windows', sessions: 3, sessionSeconds: Math.round((2 * ms) / 1000), users: 2 },
      { value: 'iOS', sessions: 1, sessionSeconds: Math.round(ms / 1000), users: 1 },
    ]);
    expect(await reader.breakdown({ by: 'os', window: 'day', date: today.date })).toEqual(day);
    const stats = (await reader.stats({ window: 'day' })).day!;
    expect(day.rows.reduce((n, r) => n + r.sessions, 0)).toBe(stats.sessions);
    // A day with nothing in it has no rows.
    const empty = await reader.breakdown({ by: 'browser', window: 'day', date: '2020-02-29' });
    expect(empty).toEqual({
      by: 'browser',
      window: 'day',
      date: '2020-02-29',
      usersExact: true,
      rows: [],
    });
  });

  it('scales user counts of a day that outgrew its exact tally, and says so', async () => {
    const { send, reader, client } = await setup(2);
    const day = await fakeDay(client, '2031-03-10');
    const events: string[] = [];
    for (let i = 0; i < 6; i++) {
      events.push('o', `s${i}`, i < 4 ? WINDOWS : IOS, 'i', `s${i}`, `user-${i}`);
    }
    await send('node-1', events.slice(0, 12), day);
    await send('node-1', events.slice(12), day);
    const result = await reader.breakdown({ by: 'os', window: 'day', date: '2031-03-10' });
    expect(result.usersExact).toBe(false);
    // Two users were counted exactly, both on Windows; the day has 6 (HyperLogLog, exact this
    // small), so Windows is estimated at 6 and iOS, never seen before the freeze, at 0.
    expect(result.rows).toEqual([
      { value: 'Windows', sessions: 4, sessionSeconds: 0, users: 6 },
      { value: 'iOS', sessions: 2, sessionSeconds: 0, users: 0 },
    ]);
  });

  it('sums a month from its days, with users estimated from the month count', async () => {
    const { client, send, reader } = await setup();
    const first = await fakeDay(client, '2031-01-10');
    await send(
      'node-1',
      [
        ...['o', 'd1a', WINDOWS, 'i', 'd1a', 'alice', 'o', 'd1b', WINDOWS, 'i', 'd1b', 'bob'],
        ...['o', 'd1c', IOS, 'i', 'd1c', 'carol'],
      ],
      first,
    );
    await new Promise((r) => setTimeout(r, 600));
    await send('node-1', ['c', 'd1a', '', 'c', 'd1b', '', 'c', 'd1c', ''], first);
    const second = await fakeDay(client, '2031-01-11');
    await send('node-2', ['o', 'd2a', WINDOWS, 'i', 'd2a', 'alice'], second);
    await send('node-2', ['o', 'd2b', IOS, 'i', 'd2b', 'alice'], second);
    // Another month is not counted.
    await send(
      'node-2',
      ['o', 'feb', MAC, 'i', 'feb', 'dave'],
      await fakeDay(client, '2031-02-01'),
    );

    const dayOne = await reader.breakdown({ by: 'os', window: 'day', date: '2031-01-10' });
    const month = await reader.breakdown({ by: 'os', window: 'month', date: '2031-01-20' });
    expect(month).toMatchObject({ by: 'os', window: 'month', month: '2031-01', usersExact: false });
    const windowsSeconds = dayOne.rows.find((r) => r.value === 'Windows')!.sessionSeconds;
    // Month users: 3 (alice, bob, carol). User-days: Windows 2 + 1, iOS 1 + 1, so Windows gets
    // 3 x 3/5 = 1.8 → 2, iOS 3 x 2/5 = 1.2 → 1 (never below its best day: 1). The truth (2 and 2)
    // lies between the bounds: the best day, and the days' sum (at most the month's 3 users).
    expect(month.rows).toEqual([
      {
        value: 'Windows',
        sessions: 3,
        sessionSeconds: windowsSeconds,
        users: 2,
        usersAtLeast: 2,
        usersAtMost: 3,
      },
      {
        value: 'iOS',
        sessions: 2,
        sessionSeconds: dayOne.rows.find((r) => r.value === 'iOS')!.sessionSeconds,
        users: 1,
        usersAtLeast: 1,
        usersAtMost: 2,
      },
    ]);
    const stats = await reader.stats({ window: 'month', date: '2031-01-20' });
    expect(stats.month!.activeUsers).toBe(3);
  });

  it('sees sessions a SessionMonitor opened without metadata as unknown, and empties on stop', async () => {
    const client = redis.client();
    const namespace = uniqueNamespace('breakdown-monitor');
    const monitor = new SessionMonitor({ redis: client, namespace, instanceId: 'm1' });
    const reader = new SauReader({ redis: client, namespace });
    await monitor.start();
    try {
      monitor.open({ id: 'x1' });
      monitor.open({ id: 'x2' });
      monitor.login('x1', 'alice');
      await monitor.flush();
      expect((await reader.breakdown({ by: 'browser' })).rows).toEqual([
        { value: 'unknown', sessions: 2, loggedInSessions: 1 },
      ]);
    } finally {
      await monitor.stop();
    }
    expect((await reader.breakdown({ by: 'browser' })).rows).toEqual([]);
    const day = await reader.breakdown({ by: 'device', window: 'day' });
    expect(day.rows).toEqual([
      { value: 'unknown', sessions: 2, sessionSeconds: expect.any(Number), users: 1 },
    ]);
  });

  it.each<[string, unknown]>([
    ['an unknown dimension', { by: 'country' }],
    ['no dimension', {}],
    ['an unknown window', { by: 'os', window: 'week' }],
    ['a malformed date', { by: 'os', window: 'day', date: '21.11.2026' }],
    ['a date that does not exist', { by: 'os', window: 'month', date: '2026-02-30' }],
  ])('refuses %s with InvalidArgumentError', async (_, query) => {
    const { reader } = await setup();
    await expect(reader.breakdown(query as BreakdownQuery)).rejects.toThrow(InvalidArgumentError);
  });
});
