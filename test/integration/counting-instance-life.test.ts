// Instance life: a monitor's stop, a restart after a crash, an id taken over by another process
// and a lost batch reply, each counted against a real Redis.
import { Redis } from 'ioredis';
import { loseApplyBatchReply } from '../support/lost-reply';
import { uniqueNamespace } from '../support/redis-server';
import { liveUserRefcounts } from '../support/live-users';
import { storedSessions } from '../support/stored-sessions';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, harness, setup } = useCountingMonitors();

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
        const lostReply = loseApplyBatchReply(client);
        lostReply.arm();
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
        expect(lostReply.armed()).toBe(false);
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
});
