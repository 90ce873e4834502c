import { SauReaper, SauReader, SessionMonitor, type SauReaperOptions } from '../../src';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';
import { startChildInstance } from './child-instance';
import { redisNowMs, waitFor } from '../support/monitor-harness';
import { liveUserRefcounts } from '../support/live-users';

const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;

jest.setTimeout(90_000);

describe('dead instances', () => {
  const redis = useRedis();

  it('a survivor closes a SIGKILLed instance’s 20,000 sessions at its last heartbeat', async () => {
    const namespace = uniqueNamespace('sigkill');
    const url = redis.server().url;
    const reader = new SauReader({ redis: url, namespace });
    const survivor = new SessionMonitor({
      redis: url,
      namespace,
      instanceId: 'survivor',
      heartbeatIntervalMs: HEARTBEAT_MS,
      leaseMs: LEASE_MS,
    });
    await survivor.start();
    for (let i = 0; i < 100; i++) {
      survivor.open({ id: `keep-${i}` });
      if (i < 50) survivor.login(`keep-${i}`, `v${i}`);
    }
    await survivor.flush();

    const spawnedAt = await redisNowMs(redis.client());
    const child = await startChildInstance({
      REDIS_URL: url,
      NAMESPACE: namespace,
      INSTANCE_ID: 'doomed',
      SESSIONS: 20_000,
      USERS: 4999,
      HEARTBEAT_MS,
      LEASE_MS,
    });
    const readyAt = await redisNowMs(redis.client());
    const before = await reader.stats();
    expect(before.now).toEqual({
      users: 50 + 4999,
      sessions: 20_100,
      anonymousSessions: 10_050,
      instances: 2,
    });

    await new Promise((r) => setTimeout(r, 3 * HEARTBEAT_MS)); // let a heartbeat land after ready
    const lastHeartbeat = Number(
      await redis.client().hget(survivor.keys.instance('doomed'), 'heartbeatAt'),
    );
    await child.kill();
    const killedAt = await redisNowMs(redis.client());

    const after = await waitFor(
      () => reader.stats({ window: 'day' }),
      (s) => s.now.sessions === 100,
      15_000,
    );
    const recoveredAt = await redisNowMs(redis.client());
    expect(after.now).toEqual({ users: 50, sessions: 100, anonymousSessions: 50, instances: 1 });
    // Within lease + one heartbeat (+ the jitter and this poll's own delay).
    expect(recoveredAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 2 * HEARTBEAT_MS + 1000);
    // Each dead session counted from its open (after spawn, before ready) to the last heartbeat.
    expect(after.day?.sessions).toBe(20_100);
    const seconds = after.day?.sessionSeconds ?? -1;
    expect(seconds).toBeGreaterThanOrEqual(
      Math.floor((20_000 * (lastHeartbeat - readyAt)) / 1000) - 20,
    );
    expect(seconds).toBeLessThanOrEqual(Math.ceil((20_000 * (killedAt - spawnedAt)) / 1000));
    expect(after.day?.activeUsers).toBe(50 + 4999);

    await survivor.stop();
    const end = await reader.stats();
    expect(end.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    await reader.close();
  });

  it('a restart with the same instance id drops the previous incarnation’s sessions at once', async () => {
    const namespace = uniqueNamespace('restart');
    const url = redis.server().url;
    const reader = new SauReader({ redis: url, namespace });
    const env = {
      REDIS_URL: url,
      NAMESPACE: namespace,
      INSTANCE_ID: 'web-1',
      USERS: 333,
      HEARTBEAT_MS: 5000,
      LEASE_MS: 60_000,
    };
    const first = await startChildInstance({ ...env, SESSIONS: 1000 });
    expect((await reader.stats()).now.sessions).toBe(1000);
    await first.kill();
    // The lease has 60 s left: only the restart itself can remove the old sessions.
    const second = await startChildInstance({ ...env, SESSIONS: 10 });
    expect(second.incarnation).not.toBe(first.incarnation);
    const now = (await reader.stats()).now;
    expect(now).toEqual({ users: 5, sessions: 10, anonymousSessions: 5, instances: 1 });
    await second.kill();
    await reader.close();
  });

  it('a reaper whose read-ahead goes wrong (scripts flushed mid-reap) still closes each session once', async () => {
    const namespace = uniqueNamespace('flushed');
    const url = redis.server().url;
    const child = await startChildInstance({
      REDIS_URL: url,
      NAMESPACE: namespace,
      INSTANCE_ID: 'flushed',
      SESSIONS: 6000,
      USERS: 1201,
      HEARTBEAT_MS,
      LEASE_MS,
    });
    await child.kill();
    const reader = new SauReader({ redis: url, namespace });
    // 100 sessions a call, eight in flight: reads of 800 ahead, 60 calls in all.
    const reaper = new SauReaper({ redis: url, namespace, closeBatchSize: 100 });
    await waitFor(
      () => reaper.deadInstances(),
      (d) => d.lapsed.length === 1,
      10_000,
    );
    // Every flush makes the calls already sent answer NOSCRIPT and run again later, by EVAL,
    // after calls and reads sent behind them: those find their chunk not first, or read sessions
    // out of place.
    let flushes = 0;
    const progress: number[] = [];
    const report = await reaper.reap(({ closed }) => {
      progress.push(closed);
      if (progress.length % 5 === 0) {
        flushes++;
        void redis.client().script('FLUSH');
      }
    });
    expect(flushes).toBeGreaterThanOrEqual(10);
    expect(report).toEqual({ instances: 1, sessions: 6000 });
    expect(progress.at(-1)).toBe(6000);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress);
    const stats = await reader.stats({ window: 'day' });
    expect(stats.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(stats.day?.sessions).toBe(6000);
    const day = await redis.client().hgetall(reader.keys.day(stats.day?.date ?? ''));
    expect(Number(day.closed)).toBe(6000);
    expect(Object.keys(await liveUserRefcounts(redis.client(), reader.keys))).toHaveLength(0);
    await Promise.all([reaper.close(), reader.close()]);
  });

  it('refuses options out of range before it connects, as a monitor does', () => {
    for (const [options, message] of [
      [{ closeCallsInFlight: 0 }, /closeCallsInFlight must be a positive integer, got 0/],
      [{ closeCallsInFlight: 65 }, /closeCallsInFlight must be at most 64, got 65/],
      [{ closeCallsInFlight: 1.5 }, /closeCallsInFlight must be a positive integer/],
      [{ closeBatchSize: 0 }, /closeBatchSize must be a positive integer, got 0/],
      [{ closeBatchSize: 2001 }, /closeBatchSize must be at most 2000/],
      // A retention of 0 or less would trim every entry of the closed-session log.
      [{ closedSessionRetentionDays: 0 }, /closedSessionRetentionDays must be a positive integer/],
      [{ closedSessionRetentionDays: -1 }, /closedSessionRetentionDays must be a positive integer/],
      [{ retentionDays: NaN }, /retentionDays must be a positive integer, got NaN/],
      [{ retentionDays: 1e20 }, /retentionDays must be a positive integer/],
      [{ breakdownCap: 0 }, /breakdownCap must be an integer from 1 to/],
      [{ closedSessionMaxLen: NaN }, /closedSessionMaxLen must be 0 \(no log\) or a positive/],
      [{ closedSessionLog: 'yes' }, /closedSessionLog must be true or false, got yes/],
      [{ timezone: 'Mars/Base' }, /unknown time zone "Mars\/Base"/],
    ] as const) {
      // A port nothing listens on: a reaper that connected would only retry there.
      const bad = options as SauReaperOptions;
      expect(() => new SauReaper({ redis: 'redis://127.0.0.1:1', ...bad })).toThrow(message);
    }
    expect(
      () => new SessionMonitor({ redis: 'redis://127.0.0.1:1', closeCallsInFlight: 100 }),
    ).toThrow(/closeCallsInFlight must be at most 64, got 100/);
  });

  it('two reapers racing on a dead instance with 50,000 sessions close each exactly once', async () => {
    const namespace = uniqueNamespace('race');
    const url = redis.server().url;
    const child = await startChildInstance({
      REDIS_URL: url,
      NAMESPACE: namespace,
      INSTANCE_ID: 'big',
      SESSIONS: 50_000,
      USERS: 10_007,
      HEARTBEAT_MS,
      LEASE_MS,
    });
    await child.kill();
    const reader = new SauReader({ redis: url, namespace });
    const a = new SauReaper({ redis: url, namespace });
    // Different chunks, and one after the other against eight in flight: every overlap happens.
    const b = new SauReaper({ redis: url, namespace, closeBatchSize: 700, closeCallsInFlight: 1 });
    await waitFor(
      () => a.deadInstances(),
      (d) => d.lapsed.length === 1,
      10_000,
    );
    const [ra, rb] = await Promise.all([a.reap(), b.reap()]);
    expect(ra.sessions + rb.sessions).toBe(50_000);
    expect(ra.instances + rb.instances).toBeGreaterThanOrEqual(1);
    const stats = await reader.stats({ window: 'day' });
    expect(stats.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(stats.day?.sessions).toBe(50_000);
    const closed = Number(
      await redis.client().hget(reader.keys.day(stats.day?.date ?? ''), 'closed'),
    );
    expect(closed).toBe(50_000);
    expect(Object.keys(await liveUserRefcounts(redis.client(), reader.keys))).toHaveLength(0);
    expect(await a.deadInstances()).toEqual({ lapsed: [], reaping: [] });
    // A second pass finds nothing left to do.
    expect(await b.reap()).toEqual({ instances: 0, sessions: 0 });
    await Promise.all([a.close(), b.close(), reader.close()]);
  });
});
