// Simultaneous active users (SAU): users, sessions and anonymous sessions live, and the day's
// peak, counted against a real Redis.
import { redisNowMs } from '../support/monitor-harness';
import { liveUserRefcounts } from '../support/live-users';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, setup } = useCountingMonitors();

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
});
