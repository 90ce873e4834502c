import { Redis, type RedisOptions } from 'ioredis';
import { SauError, SauReader, type SessionMonitor, type Stats } from '../../src';
import { useMonitors, waitFor, type WatchedMonitor } from './monitor-harness';
import { uniqueNamespace } from './redis-server';
import { Workload } from '../faults/outage-workload';
import { RestartableRedis } from '../faults/restartable-redis';

/**
 * What the Redis outage files (test/faults/redis-outage-restart, -client-pause, -stop) share, so
 * that each kind of outage has a file of its own and none of them writes this again: Redis goes
 * away under two live monitors (killed and restarted with or without its data, or paused by
 * CLIENT PAUSE) while the application keeps calling open/login/logout/close, and each test owns
 * its redis-server. Here: how long Redis stays away, the limits an event call must keep meanwhile,
 * the error codes a monitor may report, and each test's setup and readings.
 * SAU_OUTAGE_REPORT=1 prints the measured latencies and recovery times.
 */

/** How long Redis stays away; event calls go on the whole time. */
export const OUTAGE_MS = 2000;
/**
 * An event call is synchronous: it must never wait for Redis. One that did would take as long as
 * Redis stays away, for every call; a loaded 2-core machine (a GC pause, the scheduler) stretches
 * a rare call past 5 ms all the same, so a handful of those is tolerated, none past CEILING.
 */
const MAX_CALL_MS = 5;
const OUTLIERS_PER_CALL = 1 / 500;
const CEILING_CALL_MS = 100;
export const RECOVERY_TIMEOUT_MS = 15_000;

/** Every code a monitor may report while Redis is away, paused or wiped. */
export const OUTAGE_CODES = new Set([
  'REDIS_UNAVAILABLE',
  'HEARTBEAT_FAILED',
  'REAPED',
  'REAP_FAILED',
]);

export const report = (line: string): void => {
  if (process.env.SAU_OUTAGE_REPORT) process.stdout.write(`[redis-outage] ${line}\n`);
};

function sameNow(a: Stats['now'], b: Stats['now']): boolean {
  return (
    a.users === b.users &&
    a.sessions === b.sessions &&
    a.anonymousSessions === b.anonymousSessions &&
    a.instances === b.instances
  );
}

/** The latencies of the event calls of one phase: summary for the report, and the checks. */
export function expectCallsNeverWaited(phase: string, callMs: number[]): void {
  const sorted = [...callMs].sort((a, b) => a - b);
  const max = sorted.at(-1) ?? 0;
  const p999 = sorted[Math.floor(sorted.length * 0.999)] ?? 0;
  const over = sorted.filter((ms) => ms >= MAX_CALL_MS).length;
  report(
    `${phase}: ${sorted.length} event calls, slowest ${max.toFixed(2)} ms, p99.9 ${p999.toFixed(2)} ms, ${over} at or over ${MAX_CALL_MS} ms`,
  );
  expect(sorted.length).toBeGreaterThan(500);
  expect(over).toBeLessThanOrEqual(Math.floor(sorted.length * OUTLIERS_PER_CALL));
  expect(max).toBeLessThan(CEILING_CALL_MS);
}

export function expectOnlyOutageErrors(watched: WatchedMonitor[], allowed = OUTAGE_CODES): void {
  for (const { errors } of watched) {
    for (const err of errors) {
      expect(err).toBeInstanceOf(SauError);
      expect(allowed).toContain(err.code);
    }
  }
}

export const codes = (w: WatchedMonitor): string[] =>
  [...new Set(w.errors.map((e) => e.code))].sort();

/** Flushes every monitor; how long each took to get its queue into Redis, counted from `since`. */
export async function flushAll(all: SessionMonitor[], since: number): Promise<string> {
  const took = await Promise.all(all.map((m) => m.flush().then(() => Date.now() - since)));
  return took.map((ms) => `${ms} ms`).join(' / ');
}

/** Polls until `stats().now` matches the model; the last reading, with the day window. */
export function untilExact(reader: SauReader, workload: Workload): Promise<Stats> {
  const expected = workload.expectedNow();
  return waitFor(
    () => reader.stats({ window: 'day' }),
    (s) => sameNow(s.now, expected),
    RECOVERY_TIMEOUT_MS,
  );
}

/**
 * Gives each test of the file its RestartableRedis (started by setUp() or start()) and kills it
 * and removes its data after the test, once the test's monitors and readers are stopped and
 * closed. Call at the top of a describe block.
 */
export function useRedisOutage() {
  let redis: RestartableRedis | undefined;
  const readers: SauReader[] = [];
  const monitors = useMonitors(() => {
    if (!redis) throw new Error('no redis-server yet');
    return redis.url;
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await redis?.destroy();
    redis = undefined;
  });

  /** ioredis options that reconnect every 100 ms; `failFast` rejects commands while disconnected. */
  const connection = (failFast: boolean): RedisOptions => ({
    host: '127.0.0.1',
    port: redis?.port,
    retryStrategy: () => 100,
    // One monitor gets its calls rejected at once (the drain loop retries them itself), the other
    // keeps them in ioredis's offline queue until the connection is back.
    maxRetriesPerRequest: failFast ? 1 : null,
  });

  /** Starts the test's redis-server; it is destroyed after the test. */
  async function start(persistence: 'aof' | 'none'): Promise<RestartableRedis> {
    redis = await RestartableRedis.start(persistence);
    return redis;
  }

  async function setUp(
    persistence: 'aof' | 'none',
    label: string,
    timing: { heartbeatIntervalMs: number; leaseMs: number },
  ): Promise<{
    watched: WatchedMonitor[];
    all: SessionMonitor[];
    reader: SauReader;
    workload: Workload;
  }> {
    await start(persistence);
    const namespace = uniqueNamespace(label);
    const watched = [
      await monitors.start({
        redis: connection(true),
        namespace,
        instanceId: 'web-a',
        ...timing,
      }),
      await monitors.start({
        redis: connection(false),
        namespace,
        instanceId: 'web-b',
        ...timing,
      }),
    ];
    const reader = new SauReader({ redis: connection(true), namespace });
    readers.push(reader);
    const all = watched.map((w) => w.monitor);
    const workload = new Workload(all, label, 0x5a0 + label.length);
    // Some state before the outage, in Redis for sure.
    workload.step(300);
    await Promise.all(all.map((m) => m.flush()));
    expect((await reader.stats()).now).toEqual(workload.expectedNow());
    return { watched, all, reader, workload };
  }

  async function expectInDau(reader: SauReader, date: string, users: Set<string>): Promise<void> {
    const members = [...users];
    const client = new Redis({ host: '127.0.0.1', port: redis?.port });
    try {
      const flags = members.length
        ? ((await client.call('SMISMEMBER', reader.keys.dayUsers(date), ...members)) as number[])
        : [];
      const missing = members.filter((_, i) => flags[i] !== 1);
      expect(missing).toEqual([]);
    } finally {
      client.disconnect();
    }
  }

  return {
    /** The test's redis-server, once started. */
    redis: () => redis,
    start,
    setUp,
    expectInDau,
  };
}
