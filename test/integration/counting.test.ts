import { Redis } from 'ioredis';
import { loadScripts } from '../../src/scripts/script-catalog';
import { useRedis } from '../support/use-redis';
import { clearOfMidnight } from '../support/expect-today';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, useMonitors } from '../support/monitor-harness';
import { ZonedCalendar, addDays } from '../../src/time/zoned-calendar';
import type { SessionInfo } from '../../src/monitor/session-input';
import { Keys } from '../../src/keys';
import { RejectedEventError } from '../../src/errors/rejected-event-error';
import { liveUserRefcounts } from '../support/live-users';
import { storedSessions } from '../support/stored-sessions';

const DAY_S = 86_400;

describe('counting against a real Redis', () => {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);

  async function setup(extra: { exactThreshold?: number; timezone?: string } = {}) {
    const namespace = uniqueNamespace('count');
    const { monitor, errors } = await harness.start({ namespace, instanceId: 'app-1', ...extra });
    const reader = harness.reader({ namespace, ...extra });
    return { namespace, monitor, errors, reader };
  }

  describe('SAU', () => {
    it('counts a user with three tabs once, and keeps them while one tab is still logged in', async () => {
      const { monitor, reader, errors } = await setup();
      for (const id of ['tab-1', 'tab-2', 'tab-3']) {
        monitor.open({ id });
        monitor.login(id, 'alice');
      }
      await monitor.flush();
      expect((await reader.stats()).now).toEqual({
        users: 1,
        sessions: 3,
        anonymousSessions: 0,
        instances: 1,
      });

      monitor.logout('tab-2');
      await monitor.flush();
      expect((await reader.stats()).now).toEqual({
        users: 1,
        sessions: 3,
        anonymousSessions: 1,
        instances: 1,
      });

      monitor.close('tab-1');
      await monitor.flush();
      expect((await reader.stats()).now).toMatchObject({ users: 1, sessions: 2 });

      monitor.close('tab-3');
      await monitor.flush();
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 1,
        anonymousSessions: 1,
        instances: 1,
      });
      const day = (await reader.stats({ window: 'day' })).day;
      expect(day).toMatchObject({ activeUsers: 1, exact: true, sessions: 3, logins: 3 });
      expect(errors).toEqual([]);
    });

    it('moves a session from one user to another when a second user logs in on it', async () => {
      const { monitor, reader } = await setup();
      monitor.open({ id: 's1' });
      monitor.login('s1', 'alice');
      monitor.login('s1', 'alice'); // a resume of the same user is not a new login
      monitor.login('s1', 'bob');
      await monitor.flush();
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toMatchObject({ users: 1, sessions: 1, anonymousSessions: 0 });
      expect(stats.day).toMatchObject({ activeUsers: 2, logins: 2, sessions: 1 });
      expect(await liveUserRefcounts(redis.client(), monitor.keys)).toEqual({ bob: '1' });
    });

    it('keeps peakUsers at the highest SAU of the day and peakAt when it was first reached', async () => {
      const { monitor, reader } = await setup();
      const before = await redisNowMs(redis.client());
      for (const user of ['u1', 'u2', 'u3']) {
        monitor.open({ id: `s-${user}` });
        monitor.login(`s-${user}`, user);
      }
      await monitor.flush();
      const after = await redisNowMs(redis.client());
      const first = (await reader.stats({ window: 'day' })).day!;
      expect(first.peakUsers).toBe(3);
      const firstPeakAt = Date.parse(first.peakAt!);
      expect(firstPeakAt).toBeGreaterThanOrEqual(before);
      expect(firstPeakAt).toBeLessThanOrEqual(after);

      // Down to one user, then back to three: the peak and its time stay.
      monitor.logout('s-u1');
      monitor.close('s-u2');
      await monitor.flush();
      monitor.login('s-u1', 'u1');
      monitor.open({ id: 's-u2b' });
      monitor.login('s-u2b', 'u2');
      await monitor.flush();
      const again = await reader.stats({ window: 'day' });
      expect(again.now.users).toBe(3);
      expect(again.day).toMatchObject({ peakUsers: 3, peakAt: first.peakAt });

      await new Promise((r) => setTimeout(r, 5)); // a later millisecond for the new peak
      monitor.open({ id: 's-u4' });
      monitor.login('s-u4', 'u4');
      await monitor.flush();
      const higher = (await reader.stats({ window: 'day' })).day!;
      expect(higher.peakUsers).toBe(4);
      expect(Date.parse(higher.peakAt!)).toBeGreaterThan(firstPeakAt);
      expect(higher.logins).toBe(6);
      expect(higher.sessions).toBe(5);
    });

    it('records no peak for a day with only anonymous sessions', async () => {
      const { monitor, reader } = await setup();
      monitor.open({ id: 'a' });
      monitor.open({ id: 'b' });
      await monitor.flush();
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toMatchObject({ users: 0, sessions: 2, anonymousSessions: 2 });
      expect(stats.day).toMatchObject({ sessions: 2, logins: 0, activeUsers: 0, peakUsers: 0 });
      expect(stats.day?.peakAt).toBeNull();
    });
  });

  describe('session time', () => {
    it('adds the time of each session to the day when it closes, by Redis TIME', async () => {
      const { monitor, reader } = await setup();
      const t0 = await redisNowMs(redis.client());
      monitor.open({ id: 'long-1' });
      monitor.open({ id: 'long-2' });
      monitor.login('long-2', 'alice');
      monitor.open({ id: 'short' });
      monitor.close('short');
      await monitor.flush();
      let day = (await reader.stats({ window: 'day' })).day!;
      expect(day).toMatchObject({ sessions: 3, sessionSeconds: 0, averageSessionSeconds: 0 });

      await new Promise((r) => setTimeout(r, 1100));
      monitor.close('long-1');
      monitor.close('long-2');
      await monitor.flush();
      const t1 = await redisNowMs(redis.client());

      const sessionMs = Number(await redis.client().hget(monitor.keys.day(day.date), 'sessionMs'));
      expect(sessionMs).toBeGreaterThanOrEqual(2 * 1000);
      expect(sessionMs).toBeLessThanOrEqual(2 * (t1 - t0));
      day = (await reader.stats({ window: 'day' })).day!;
      expect(day.sessionSeconds).toBe(Math.round(sessionMs / 1000));
      expect(day.sessionSeconds).toBeGreaterThanOrEqual(2);
      // Three sessions closed: the short one weighs in the average too.
      expect(day.averageSessionSeconds).toBeCloseTo(sessionMs / 1000 / 3, 1);
      expect(day.averageSessionSeconds).toBeGreaterThanOrEqual(0.6);
    });
  });

  describe('instance life', () => {
    it('stop() closes every session of the instance and releases its lease', async () => {
      const { monitor, reader, namespace } = await setup();
      const other = await harness.start({ namespace, instanceId: 'app-2' });
      for (let i = 0; i < 5; i++) monitor.open({ id: `m-${i}` });
      monitor.login('m-0', 'alice');
      monitor.login('m-1', 'bob');
      other.monitor.open({ id: 'o-0' });
      other.monitor.login('o-0', 'alice');
      await Promise.all([monitor.flush(), other.monitor.flush()]);
      expect((await reader.stats()).now).toEqual({
        users: 2,
        sessions: 6,
        anonymousSessions: 3,
        instances: 2,
      });

      await monitor.stop();
      expect((await reader.stats()).now).toEqual({
        users: 1,
        sessions: 1,
        anonymousSessions: 0,
        instances: 1,
      });
      const client = redis.client();
      expect(await client.exists(monitor.keys.instance('app-1'))).toBe(0);
      expect(await client.exists(monitor.keys.instanceSessions('app-1', monitor.incarnation))).toBe(
        0,
      );
      expect(await client.zscore(monitor.keys.leases(), 'app-1')).toBeNull();
      const day = (await reader.stats({ window: 'day' })).day!;
      expect(Number(await client.hget(monitor.keys.day(day.date), 'closed'))).toBe(5);
      expect(day.activeUsers).toBe(2);

      await other.monitor.stop();
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 0,
      });
    });

    it('a restart with the same instanceId drops the crashed incarnation’s sessions at once', async () => {
      const namespace = uniqueNamespace('restart');
      const ownClient = new Redis(redis.server().url);
      const crashed = harness.create({
        namespace,
        instanceId: 'app-1',
        redis: ownClient,
        heartbeatIntervalMs: 100,
        leaseMs: 60_000,
      });
      await crashed.monitor.start();
      for (let i = 0; i < 4; i++) crashed.monitor.open({ id: `c-${i}` });
      crashed.monitor.login('c-0', 'alice');
      crashed.monitor.login('c-1', 'alice');
      crashed.monitor.login('c-2', 'bob');
      await crashed.monitor.flush();
      const reader = harness.reader({ namespace });
      expect((await reader.stats()).now).toMatchObject({ users: 2, sessions: 4, instances: 1 });
      await new Promise((r) => setTimeout(r, 350)); // a few heartbeats after the sessions opened
      ownClient.disconnect(); // the process dies: no stop(), no close of its sessions

      await new Promise((r) => setTimeout(r, 200)); // let a heartbeat already on the wire land

      const client = redis.client();
      const instanceKey = crashed.monitor.keys.instance('app-1');
      const lastHeartbeat = Number(await client.hget(instanceKey, 'heartbeatAt'));
      const members = await storedSessions(
        client,
        crashed.monitor.keys.instanceSessions('app-1', crashed.monitor.incarnation),
      );
      expect(members).toHaveLength(4);
      const openedAt = members.map((m) => m.stampMs);
      expect(Math.min(...openedAt)).toBeLessThan(lastHeartbeat);
      const expectedMs = openedAt.reduce((sum, at) => sum + Math.max(0, lastHeartbeat - at), 0);

      const restarted = await harness.start({ namespace, instanceId: 'app-1' });
      expect(restarted.monitor.incarnation).not.toBe(crashed.monitor.incarnation);
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 1 });
      expect(stats.day).toMatchObject({ activeUsers: 2, sessions: 4, logins: 3 });
      expect(
        await client.exists(
          restarted.monitor.keys.instanceSessions('app-1', crashed.monitor.incarnation),
        ),
      ).toBe(0);
      expect(await liveUserRefcounts(client, restarted.monitor.keys)).toEqual({});
      // The crashed sessions ended at its last heartbeat, not at the restart.
      const dayKey = restarted.monitor.keys.day(stats.day!.date);
      expect(Number(await client.hget(dayKey, 'closed'))).toBe(4);
      expect(Number(await client.hget(dayKey, 'sessionMs'))).toBe(expectedMs);

      // The new incarnation counts from zero, and alice is still one user.
      restarted.monitor.open({ id: 'c-0' });
      restarted.monitor.login('c-0', 'alice');
      await restarted.monitor.flush();
      expect((await reader.stats()).now).toMatchObject({ users: 1, sessions: 1 });
      expect(restarted.errors).toEqual([]);
    });

    it('a live incarnation whose id another process takes goes on under an id of its own', async () => {
      const namespace = uniqueNamespace('superseded');
      const old = await harness.start({ namespace, instanceId: 'app-1' });
      old.monitor.open({ id: 's1' });
      old.monitor.login('s1', 'alice');
      await old.monitor.flush();
      // The second start takes the id as a restart would: alice's session is closed at once.
      const fresh = await harness.start({ namespace, instanceId: 'app-1' });
      const reader = harness.reader({ namespace });
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 1,
      });
      old.monitor.open({ id: 's2' });
      old.monitor.login('s2', 'bob');
      await old.monitor.flush();
      expect(old.errors.map((e) => e.code)).toEqual(['SUPERSEDED']);
      expect(old.monitor.instanceId).toMatch(/^app-1~[0-9a-f]{8}$/);
      expect(old.errors[0].message).toContain(old.monitor.instanceId);
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 2, sessions: 2, anonymousSessions: 0, instances: 2 });
      // Alice and bob active. (s2's open was in the refused batch: resent as a restore, which
      // counts it live but not as opened, so the day's sessions counter does not count it.)
      expect(stats.day).toMatchObject({ activeUsers: 2, sessions: 1 });

      // Its graceful stop closes its own sessions and leaves the lease of the new incarnation alone.
      await old.monitor.stop();
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 1,
      });
      expect(await redis.client().hget(fresh.monitor.keys.instance('app-1'), 'incarnation')).toBe(
        fresh.monitor.incarnation,
      );
    });

    it('a batch whose reply was lost is sent again without counting anything twice', async () => {
      const namespace = uniqueNamespace('lost-reply');
      const client = new Redis(redis.server().url);
      try {
        // The script runs in Redis, but the reply never reaches the monitor (a dropped connection).
        let loseNextReply = true;
        const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { evalsha: (...args: unknown[]) => Promise<unknown> }).evalsha =
          async (...args: unknown[]) => {
            const reply = await evalsha(...args);
            if (loseNextReply && args[0] === loadScripts().get('applyBatch')!.sha) {
              loseNextReply = false;
              throw new Error('Connection lost');
            }
            return reply;
          };
        const { monitor, errors } = await harness.start({
          namespace,
          instanceId: 'app-1',
          redis: client,
        });
        monitor.open({ id: 'gone' });
        monitor.login('gone', 'alice');
        monitor.close('gone');
        monitor.open({ id: 'stays' });
        monitor.login('stays', 'bob');
        monitor.logout('stays');
        await monitor.flush();
        expect(loseNextReply).toBe(false);
        expect(errors.map((e) => e.code)).toEqual(['REDIS_UNAVAILABLE']);

        const stats = await harness.reader({ namespace }).stats({ window: 'day' });
        expect(stats.now).toEqual({ users: 0, sessions: 1, anonymousSessions: 1, instances: 1 });
        expect(stats.day).toMatchObject({ sessions: 2, logins: 2, activeUsers: 2 });
        expect(
          await redis.client().zcard(monitor.keys.instanceSessions('app-1', monitor.incarnation)),
        ).toBe(1);
        await monitor.stop();
      } finally {
        client.disconnect();
      }
    });
  });

  describe('rejected events', () => {
    it('reports bad ids and unknown sessions through `error`, never by throwing', async () => {
      const { monitor, reader, errors } = await setup();
      const open = (info: unknown) => monitor.open(info as SessionInfo);
      const login = (sessionId: unknown, userId: unknown) =>
        monitor.login(sessionId as string, userId as string);
      expect(() => {
        open({ id: '' });
        open({ id: 42 });
        open({});
        open(null);
        open('not-an-object');
        open({ id: 'x'.repeat(257) });
        open({ id: 'é'.repeat(129) }); // 258 bytes
        open({ id: 'nul\0inside' });
        open({ id: 'ok' });
        open({ id: 'y'.repeat(256) });
        open({ id: 'é'.repeat(128) }); // 256 bytes: allowed
        login('ok', '');
        login('ok', 7);
        login('ok', 'u'.repeat(257));
        login('', 'alice');
        login('missing', 'alice');
        login('ok', 'alice');
        monitor.logout('missing');
        monitor.close('missing');
        monitor.close(undefined as unknown as string);
      }).not.toThrow();
      await monitor.flush();
      expect(errors.map((e) => e.code)).toEqual([
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_SESSION_ID',
        'INVALID_USER_ID',
        'INVALID_USER_ID',
        'INVALID_USER_ID',
        'INVALID_SESSION_ID',
        'UNKNOWN_SESSION',
      ]);
      expect(errors.every((e) => e instanceof RejectedEventError)).toBe(true);
      const stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 1, sessions: 3, anonymousSessions: 2, instances: 1 });
      expect(stats.day).toMatchObject({ sessions: 3, logins: 1, activeUsers: 1 });

      await monitor.stop();
      errors.length = 0;
      expect(() => monitor.open({ id: 'late' })).not.toThrow();
      expect(errors.map((e) => e.code)).toEqual(['STOPPED']);
    });

    it('survives an `error` listener that throws', async () => {
      const namespace = uniqueNamespace('throwing-listener');
      const { monitor } = harness.create({ namespace, instanceId: 'app-1' });
      monitor.on('error', () => {
        throw new Error('listener bug');
      });
      await monitor.start();
      expect(() => monitor.login('nobody', 'alice')).not.toThrow();
    });
  });

  describe('ids', () => {
    it('counts user and session ids with braces, colons, Unicode and shared prefixes exactly', async () => {
      const { monitor, reader, errors } = await setup();
      const users = [
        '{alice}',
        'a:b',
        'a',
        'a:b:c',
        'ユーザー',
        '😀',
        'ü',
        'u\u0308',
        '*',
        ' ',
        '\u0001',
      ];
      const sessionIds = ['s', 's\u0001', 's ', '{s}', 's:1', 'ß', '[s', '(s', '-', '+'];
      sessionIds.forEach((id, i) => {
        monitor.open({ id });
        monitor.login(id, users[i]);
      });
      monitor.open({ id: 'extra' });
      monitor.login('extra', users[10]);
      monitor.open({ id: 'dup' });
      monitor.login('dup', '{alice}'); // the same user on another session
      await monitor.flush();
      expect(errors).toEqual([]);
      let stats = await reader.stats({ window: 'day' });
      expect(stats.now).toEqual({ users: 11, sessions: 12, anonymousSessions: 0, instances: 1 });
      expect(stats.day).toMatchObject({ activeUsers: 11, exact: true, logins: 12 });
      const live = await liveUserRefcounts(redis.client(), monitor.keys);
      expect(Object.keys(live).sort()).toEqual([...users].sort());
      expect(live['{alice}']).toBe('2');

      // Closing "s" must close exactly that session, not "s\u0001" or "s ".
      monitor.close('s');
      await monitor.flush();
      stats = await reader.stats();
      expect(stats.now).toEqual({ users: 11, sessions: 11, anonymousSessions: 0, instances: 1 });
      expect((await liveUserRefcounts(redis.client(), monitor.keys))['{alice}']).toBe('1');
      monitor.logout('s\u0001');
      await monitor.flush();
      expect(await liveUserRefcounts(redis.client(), monitor.keys)).not.toHaveProperty('a:b');
      expect((await reader.stats()).now).toMatchObject({ users: 10, anonymousSessions: 1 });
    });
  });

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

function localDate(epochMs: number, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(epochMs));
}
