import { SauReader, SauReaper, SessionMonitor, type SauError } from '../../src';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisDate } from '../support/expect-today';

// A live instance reaped (its lease made to look lapsed, as after a long pause, and a SauReaper
// closing its sessions) while a batch is on its way: the heartbeat starts the new incarnation, the
// batch comes back refused and is dropped, and the new incarnation's snapshot must still carry the
// logins of that batch whose sessions are already closed. Many rounds, so the heartbeat's reply
// lands next to a batch in flight again and again.

jest.setTimeout(60_000);

const ROUNDS = 25;
const HEARTBEAT_MS = 25;

describe('reaped with a batch in flight', () => {
  const redis = useRedis();

  it('keeps every login of the refused batch in DAU and MAU', async () => {
    const namespace = uniqueNamespace('inflight');
    const monitor = new SessionMonitor({
      redis: redis.server().url,
      namespace,
      instanceId: 'busy',
      heartbeatIntervalMs: HEARTBEAT_MS,
      leaseMs: 10 * HEARTBEAT_MS,
      maxBatchSize: 4,
      gaugeIntervalMs: 0,
    });
    const errors: SauError[] = [];
    monitor.on('error', (err: SauError) => errors.push(err));
    const reader = new SauReader({ redis: redis.server().url, namespace });
    const reaper = new SauReaper({ redis: redis.server().url, namespace });
    let reaped = 0;
    await monitor.start();
    const client = redis.client();
    const startDate = await redisDate(client);
    const loggedIn = new Set<string>();
    let session = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Sessions that log in and close at once: after this round their users are live nowhere,
        // so only the day's tallies remember them.
        const traffic = (async () => {
          for (let i = 0; i < 40; i++) {
            const id = `s${session++}`;
            const user = `u${round}-${i}`;
            monitor.open({ id });
            monitor.login(id, user);
            monitor.close(id);
            loggedIn.add(user);
            await new Promise((r) => setImmediate(r));
          }
        })();
        await new Promise((r) => setTimeout(r, HEARTBEAT_MS / 2 + (round % 5) * 3));
        // The lease looks lapsed; unless a heartbeat renews it first, the reaper takes the instance.
        await client.zadd(monitor.keys.leases(), 0, monitor.instanceId);
        reaped += (await reaper.reap()).instances;
        await traffic;
        await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS));
      }
      await monitor.flush();
      const users = [...loggedIn];
      const endDate = await redisDate(client);
      const stats = await reader.stats({ window: 'day' });
      // A run that crossed midnight counted its users on either day (and either month).
      const missingFrom = async (keysOf: (date: string) => string): Promise<string[]> => {
        const lists = await Promise.all(
          [...new Set([keysOf(startDate), keysOf(endDate)])].map(
            (key) => client.call('SMISMEMBER', key, ...users) as Promise<number[]>,
          ),
        );
        return users.filter((_, i) => lists.every((flags) => flags[i] !== 1));
      };
      expect(await missingFrom((date) => monitor.keys.dayUsers(date))).toEqual([]);
      expect(await missingFrom((date) => monitor.keys.monthUsers(date.slice(0, 7)))).toEqual([]);
      if (endDate === startDate) expect(stats.day?.activeUsers).toBe(users.length);
      expect(stats.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 1 });
      // It was reaped, as the test made it, and said so; nothing else went wrong.
      expect(reaped).toBeGreaterThan(0);
      expect(errors.some((e) => e.code === 'REAPED')).toBe(true);
      expect(errors.filter((e) => e.code !== 'REAPED').map((e) => e.message)).toEqual([]);
    } finally {
      await monitor.stop();
      await reader.close();
      await reaper.close();
    }
  });
});
