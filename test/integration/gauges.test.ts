import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, useMonitors, waitFor } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { GAUGE_FIELDS, parseGauges, type Gauges } from '../../src/reader/gauges';
import type { SauReader } from '../../src/reader/sau-reader';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import { Registry } from 'prom-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gauges hash and timeline stream', () => {
  // One entry per stream node, so that `MINID ~` trims exactly and the retention test can see it.
  const redis = useRedis(['--stream-node-max-entries', '1']);
  const harness = useMonitors(() => redis.server().url);

  /** What the gauges must say, from the reader's own reading. */
  async function expectedGauges(reader: SauReader): Promise<Omit<Gauges, 'updatedAt'>> {
    const s = await reader.stats({ window: 'all' });
    return {
      users: s.now.users,
      sessions: s.now.sessions,
      anonymousSessions: s.now.anonymousSessions,
      instances: s.now.instances,
      dau: s.day!.activeUsers,
      wau: s.week!.activeUsers,
      mau: s.month!.activeUsers,
      rolling30: s.month!.rolling30,
      peakUsersToday: s.day!.peakUsers,
      stickiness: s.month!.stickiness,
    };
  }

  async function timeline(keys: Keys): Promise<Array<{ ms: number; gauges: Gauges }>> {
    const entries = await redis.client().xrange(keys.timeline(), '-', '+');
    return entries.map(([id, flat]) => {
      const raw: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) raw[flat[i]] = flat[i + 1];
      return { ms: Number(id.split('-')[0]), gauges: parseGauges(raw)! };
    });
  }

  function workload(monitor: SessionMonitor, prefix: string, users: string[]): void {
    users.forEach((user, i) => {
      monitor.open({ id: `${prefix}-${i}` });
      monitor.login(`${prefix}-${i}`, user);
    });
    monitor.open({ id: `${prefix}-anon` });
  }

  it('writes the numbers stats() reports, once, from the lease holder only', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    const a = (await harness.start({ namespace, instanceId: 'a', gaugeIntervalMs: 0 })).monitor;
    const b = (await harness.start({ namespace, instanceId: 'b', gaugeIntervalMs: 0 })).monitor;
    const reader = harness.reader({ namespace });
    workload(a, 'a', ['u1', 'u2', 'u3']);
    workload(b, 'b', ['u3', 'u4']);
    b.logout('b-0');
    await Promise.all([a.flush(), b.flush()]);

    expect(await reader.gauges()).toBeNull();
    expect(await a.sampleGauges()).toBe(true);
    expect(await b.sampleGauges()).toBe(false);

    const gauges = (await reader.gauges())!;
    const expected = await expectedGauges(reader);
    expect(expected).toMatchObject({ users: 4, sessions: 7, anonymousSessions: 3, instances: 2 });
    expect(expected).toMatchObject({ dau: 4, wau: 4, mau: 4, rolling30: 4, stickiness: 1 });
    expect(gauges).toMatchObject(expected);
    const before = await redisNowMs(redis.client());
    expect(gauges.updatedAt).toBeLessThanOrEqual(before);
    expect(gauges.updatedAt).toBeGreaterThan(before - 5000);
    expect(await redis.client().get(keys.samplerLease())).toBe(`a ${a.incarnation}`);

    const entries = await timeline(new Keys(namespace));
    expect(entries).toHaveLength(1);
    expect(entries[0].gauges).toEqual(gauges);
    expect(entries[0].ms).toBe(gauges.updatedAt);
    // An abandoned namespace's sampling keys go after the retention (35 days by default).
    for (const key of [keys.gauges(), keys.timeline(), keys.windowCache()]) {
      expect(await redis.client().pttl(key)).toBeGreaterThan(34 * 86_400_000);
    }
    expect(Object.keys(await redis.client().hgetall(new Keys(namespace).gauges())).sort()).toEqual(
      [...GAUGE_FIELDS].sort(),
    );
  });

  it('writes one sample per interval across three instances, and another takes over when the sampler dies', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    const intervalMs = 200;
    const started = await Promise.all(
      ['a', 'b', 'c'].map((instanceId) =>
        harness.start({ namespace, instanceId, gaugeIntervalMs: intervalMs }),
      ),
    );
    const monitors = started.map((w) => w.monitor);
    workload(monitors[0], 'a', ['u1']);
    await monitors[0].flush();
    await sleep(2000);

    const entries = await timeline(keys);
    const span = entries[entries.length - 1].ms - entries[0].ms;
    // Three instances ticking every 200 ms would write ~30 samples if each wrote; one writer ~10.
    expect(entries.length).toBeGreaterThanOrEqual(6);
    expect(entries.length).toBeLessThanOrEqual(Math.floor(span / (intervalMs / 2)) + 1);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i].ms - entries[i - 1].ms).toBeGreaterThanOrEqual(intervalMs / 2);
    }

    const holder = (await redis.client().get(keys.samplerLease()))!;
    const holderIndex = ['a', 'b', 'c'].indexOf(holder.split(' ')[0]);
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    const crashedAt = await redisNowMs(redis.client());
    monitors[holderIndex].crash();
    // The lease lasts three intervals; within one more, a survivor has written again.
    await sleep(intervalMs * 4 + 300);
    const newHolder = await redis.client().get(keys.samplerLease());
    expect(newHolder).not.toBeNull();
    expect(newHolder).not.toBe(holder);
    const after = (await timeline(keys)).filter((e) => e.ms > crashedAt);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after[0].ms - crashedAt).toBeLessThanOrEqual(intervalMs * 3 + intervalMs + 200);
  });

  it('leaves zero live numbers behind when the last instance stops, and hands the lease back', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    // An interval longer than the test: only the explicit sample and the one at stop() write.
    const { monitor } = await harness.start({
      namespace,
      instanceId: 'only',
      gaugeIntervalMs: 600_000,
    });
    const reader = harness.reader({ namespace });
    workload(monitor, 'x', ['u1', 'u2']);
    await monitor.flush();
    expect(await monitor.sampleGauges()).toBe(true);
    expect(await reader.gauges()).toMatchObject({ users: 2, sessions: 3, instances: 1 });

    await monitor.stop();
    const gauges = await reader.gauges();
    expect(gauges).toMatchObject({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(gauges).toMatchObject({ dau: 2, mau: 2, peakUsersToday: 2 });
    expect(await redis.client().exists(keys.samplerLease())).toBe(0);
    await expect(monitor.sampleGauges()).rejects.toMatchObject({ code: 'NOT_STARTED' });

    // A monitor that never samples (interval 0) writes no gauges when it stops either.
    const quiet = uniqueNamespace('gauges');
    const silent = (await harness.start({ namespace: quiet, gaugeIntervalMs: 0 })).monitor;
    workload(silent, 'q', ['u1']);
    await silent.stop();
    expect(await redis.client().exists(new Keys(quiet).gauges())).toBe(0);
  });

  it('keeps sampling when the last sample is stamped later than now (Redis clock stepped back)', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    const later = (await redisNowMs(redis.client())) + 3_600_000;
    await redis.client().hset(keys.gauges(), 'updatedAt', String(later));
    await harness.start({ namespace, instanceId: 'ticking', gaugeIntervalMs: 200 });
    const updatedAt = await waitFor(
      async () => Number(await redis.client().hget(keys.gauges(), 'updatedAt')),
      (ms) => ms < later,
      5000,
    );
    expect(updatedAt).toBeLessThan(later);
  });

  it('trims timeline entries older than the retention', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    const now = await redisNowMs(redis.client());
    const day = 86_400_000;
    for (const age of [40, 36, 34, 1]) {
      await redis.client().xadd(keys.timeline(), `${now - age * day}-0`, 'users', String(age));
    }
    const { monitor } = await harness.start({
      namespace,
      instanceId: 'trim',
      gaugeIntervalMs: 0,
      timelineRetentionDays: 35,
    });
    expect(await monitor.sampleGauges()).toBe(true);
    const left = (await redis.client().xrange(keys.timeline(), '-', '+')).map(([, f]) => f[1]);
    expect(left).toEqual(['34', '1', '0']);
  });

  it('still samples when the timeline already holds a later id (Redis clock stepped back)', async () => {
    const namespace = uniqueNamespace('gauges');
    const keys = new Keys(namespace);
    const future = (await redisNowMs(redis.client())) + 60_000;
    await redis.client().xadd(keys.timeline(), `${future}-0`, 'users', 'future');
    const { monitor } = await harness.start({ namespace, instanceId: 'late', gaugeIntervalMs: 0 });
    expect(await monitor.sampleGauges()).toBe(true);
    const entries = await redis.client().xrange(keys.timeline(), '-', '+');
    expect(entries).toHaveLength(2);
    expect(entries[1][0] > entries[0][0]).toBe(true);
  });

  it("publishes the sampled gauges on an app's prom-client registry", async () => {
    const namespace = uniqueNamespace('gauges');
    const { monitor } = await harness.start({ namespace, instanceId: 'prom', gaugeIntervalMs: 0 });
    const registry = new Registry();
    monitor.registerMetrics(registry);
    workload(monitor, 'p', ['u1', 'u2']);
    await monitor.flush();
    await monitor.sampleGauges();
    const text = await registry.metrics();
    expect(text).toContain(`sau_users{namespace="${namespace}"} 2`);
    expect(text).toContain(`sau_sessions{namespace="${namespace}"} 3`);
    expect(text).toContain(`sau_daily_active_users{namespace="${namespace}"} 2`);
  });

  it('rejects a negative or fractional gauge interval', () => {
    expect(() => harness.create({ gaugeIntervalMs: -1 })).toThrow(/gaugeIntervalMs/);
    expect(() => harness.create({ gaugeIntervalMs: 1.5 })).toThrow(/gaugeIntervalMs/);
    expect(() => harness.create({ timelineRetentionDays: 0 })).toThrow(/timelineRetentionDays/);
  });
});
