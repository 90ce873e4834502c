import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Recovery } from '../../src/monitor/recovery';
import { useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

// After a reconnection the monitor counts active again the users whom a write Redis acknowledged
// within `failoverReplayMs` counted active (a promoted replica may lack those writes). A login of a
// user the day had counted already writes no user: it has nothing to lose, and is not kept, however
// recent (the sentinel-failover test shows the writes that are lost coming back).

const WINDOW_MS = 3000;

describe('recent logins replayed after a reconnection', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  it('replays the users counted within the window, not those only logged in again', async () => {
    const namespace = uniqueNamespace('recent-logins');
    const { monitor, errors } = await monitors.start({
      namespace,
      instanceId: 'replayer',
      failoverReplayMs: WINDOW_MS,
    });
    const recoveries: Recovery[] = [];
    monitor.on('recovered', (recovery: Recovery) => recoveries.push(recovery));

    monitor.open({ id: 's1' });
    monitor.login('s1', 'alice');
    await monitor.flush();
    const aliceCounted = Date.now();
    await sleep(WINDOW_MS - 1000);
    // alice again (counted before: nothing to replay), carol for the first time today.
    monitor.open({ id: 's2' });
    monitor.login('s2', 'alice');
    monitor.open({ id: 's3' });
    monitor.login('s3', 'carol');
    await monitor.flush();
    await sleep(aliceCounted + WINDOW_MS + 300 - Date.now());

    const admin = new Redis(redis.server().url);
    try {
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    } finally {
      admin.disconnect();
    }
    for (let waited = 0; recoveries.length === 0 && waited < 10_000; waited += 50) await sleep(50);
    // alice's count is older than the window, carol's is not; alice's second login does not count.
    expect(recoveries).toEqual([expect.objectContaining({ replayedUserDays: 1 })]);
    const stats = await monitors.reader({ namespace }).stats({ window: 'day' });
    expect(stats.day?.activeUsers).toBe(2);
    expect(stats.now).toMatchObject({ users: 2, sessions: 3 });
    expect(errors.filter((e) => e.code !== 'REDIS_UNAVAILABLE')).toEqual([]);
  });
});
