import { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';

// crash() ends a monitor the way a crash would: nothing more is written, and nothing more is
// reported. Calls it had on the wire fail once it drops its connection; their failures are the
// crash's doing, not news (a Rocket.Chat reporter that loses its lease crashes its monitor, and
// its host would see a heartbeat error at every handover).
describe('a monitor crashed with calls waiting on Redis', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  it('reports nothing of the calls its crash cut off', async () => {
    const { monitor, errors } = await monitors.start({
      namespace: uniqueNamespace('crash-mid-call'),
      instanceId: 'crashing',
      heartbeatIntervalMs: 40,
      gaugeIntervalMs: 40,
      leaseMs: 5000,
    });
    monitor.open({ id: 's-1' });
    monitor.login('s-1', 'alice');
    await monitor.flush();
    const admin = new Redis(redis.server().url);
    try {
      // Every call from now on waits: heartbeats, samples and a batch are on the wire at the crash.
      await admin.call('CLIENT', 'PAUSE', '500', 'ALL');
      monitor.open({ id: 's-2' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(monitor.crash()).toBe(2);
      // The pause ends, and with it anything that could still answer.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(errors.map((err) => `${err.code}: ${err.message}`)).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
