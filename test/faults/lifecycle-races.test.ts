import { Redis } from 'ioredis';
import { SauError } from '../../src/errors/sau-error';
import { useRedis } from '../support/use-redis';
import { useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';

// start() and stop() asked at awkward moments: twice at once (a SIGTERM and a SIGINT), a stop or a
// crash while the monitor starts, a stop while Redis does not answer. Each ends as one clean call
// would, and nothing is left running or counted.
describe('a monitor started and stopped at awkward moments', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  async function counted(namespace: string) {
    const reader = monitors.reader({ namespace });
    return (await reader.stats()).now;
  }

  it('stops once when asked twice at once, and closes every session', async () => {
    const namespace = uniqueNamespace('stop-twice');
    const { monitor, errors } = await monitors.start({ namespace, instanceId: 'app-1' });
    for (const id of ['s1', 's2']) monitor.open({ id });
    monitor.login('s1', 'alice');
    await monitor.flush();
    expect(await counted(namespace)).toEqual({
      users: 1,
      sessions: 2,
      anonymousSessions: 1,
      instances: 1,
    });
    const first = monitor.stop();
    const second = monitor.stop();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(await counted(namespace)).toEqual({
      users: 0,
      sessions: 0,
      anonymousSessions: 0,
      instances: 0,
    });
    expect(errors).toEqual([]);
  });

  it('a stop asked while it starts waits for the start, then stops what it started', async () => {
    const namespace = uniqueNamespace('stop-while-starting');
    const { monitor, errors } = monitors.create({ namespace, instanceId: 'app-1' });
    const started = monitor.start();
    await monitor.stop();
    await started;
    expect(await counted(namespace)).toMatchObject({ sessions: 0, instances: 0 });
    monitor.open({ id: 'late' });
    expect(errors.map((e) => e.code)).toEqual(['STOPPED']);
    await expect(monitor.reap()).rejects.toMatchObject({ code: 'NOT_STARTED' });
    expect(await counted(namespace)).toMatchObject({ sessions: 0, instances: 0 });
  });

  it('a crash while it starts ends the start: nothing runs on, nothing more is written', async () => {
    const namespace = uniqueNamespace('crash-while-starting');
    const { monitor, errors } = monitors.create({
      namespace,
      instanceId: 'app-1',
      heartbeatIntervalMs: 50,
      leaseMs: 5000,
    });
    const started = monitor.start();
    expect(monitor.crash()).toBe(0);
    await expect(started).rejects.toMatchObject({ code: 'STOPPED' });
    const instance = monitor.keys.instance('app-1');
    const client = redis.client();
    const heartbeatAt = await client.hget(instance, 'heartbeatAt');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // No heartbeat since: the registration is left to lapse, as a crashed process's would.
    expect(await client.hget(instance, 'heartbeatAt')).toBe(heartbeatAt);
    expect(errors).toEqual([]);
  });

  it('a start that cannot connect leaves the monitor as new, so it may be started again', async () => {
    const { monitor } = monitors.create({
      namespace: uniqueNamespace('bad-url'),
      redis: 'http://127.0.0.1:1',
    });
    for (let i = 0; i < 2; i++) {
      const err = await monitor.start().then(
        () => undefined,
        (e: SauError) => e,
      );
      expect(err?.code).toBe('INVALID_REDIS_URL');
    }
  });

  it('a stop resolves within stopTimeoutMs while Redis does not answer', async () => {
    const namespace = uniqueNamespace('stop-paused');
    const { monitor, errors } = await monitors.start({
      namespace,
      instanceId: 'app-1',
      stopTimeoutMs: 500,
    });
    monitor.open({ id: 's1' });
    await monitor.flush();
    const admin = new Redis(redis.server().url);
    try {
      await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
      const asked = Date.now();
      await monitor.stop();
      // The stop's work gives up at 500 ms, and the connection is dropped, not QUIT politely.
      expect(Date.now() - asked).toBeLessThan(1500);
      expect(errors.map((e) => e.code)).toContain('STOP_INCOMPLETE');
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
    }
  });
});
