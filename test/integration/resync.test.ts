import { useMonitors, waitFor } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

// Drift: Redis holding other sessions than the instance does. Here it comes from events dropped by
// a full queue (a close, an open and a login the queue refused), the way it comes in production.

describe('periodic resync', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  /** A monitor whose queue holds 4 events, and Redis left different from its own truth. */
  async function drifted(resyncIntervalMs: number) {
    const namespace = uniqueNamespace('resync');
    const watched = await monitors.start({
      namespace,
      instanceId: 'drifter',
      maxQueuedEvents: 4,
      resyncIntervalMs,
    });
    const { monitor } = watched;
    for (const id of ['a', 'b', 'c', 'd']) monitor.open({ id });
    await monitor.flush();
    // One tick: four events fit, the next three are dropped (the drain runs on the next tick).
    monitor.open({ id: 'e' });
    monitor.open({ id: 'f' });
    monitor.close('a');
    monitor.close('b');
    monitor.close('c'); // dropped: Redis keeps a ghost
    monitor.open({ id: 'g' }); // dropped: Redis lacks it
    monitor.login('d', 'u1'); // dropped: Redis has d anonymous
    await monitor.flush();
    const reader = monitors.reader({ namespace });
    expect(monitor.queueStatus.dropped).toBe(3);
    expect((await reader.stats()).now).toEqual({
      users: 0,
      sessions: 4,
      anonymousSessions: 4,
      instances: 1,
    });
    return { ...watched, reader };
  }

  it('repairs ghosts, missing sessions and wrong users when asked', async () => {
    const { monitor, reader, errors } = await drifted(300_000);
    const drift = await monitor.resync();
    expect(drift).toMatchObject({ ghosts: 1, missing: 1, mismatched: 1 });
    await monitor.flush();
    expect((await reader.stats()).now).toEqual({
      users: 1,
      sessions: 4,
      anonymousSessions: 3,
      instances: 1,
    });
    expect(errors.map((e) => e.code)).toContain('DRIFT_REPAIRED');
    expect(await monitor.resync()).toMatchObject({ ghosts: 0, missing: 0, mismatched: 0 });

    for (const id of monitor.liveSessionIds()) monitor.close(id);
    await monitor.flush();
    expect((await reader.stats()).now).toEqual({
      users: 0,
      sessions: 0,
      anonymousSessions: 0,
      instances: 1,
    });
  });

  it('repairs on its own every resyncIntervalMs', async () => {
    // Long enough that the first resync comes after drifted() has read the drift (on a loaded
    // machine 200 ms was not: the resync repaired it first), short enough to wait for.
    const { reader } = await drifted(1000);
    const now = await waitFor(
      async () => (await reader.stats()).now,
      (live) => live.users === 1,
      5000,
    );
    expect(now).toEqual({ users: 1, sessions: 4, anonymousSessions: 3, instances: 1 });
  });
});
