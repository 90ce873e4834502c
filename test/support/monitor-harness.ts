import type { Redis } from 'ioredis';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SessionMonitorOptions } from '../../src/monitor/monitor-options';
import { SauReader, type SauReaderOptions } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';

/** A started monitor and every error it reported. */
export interface WatchedMonitor {
  monitor: SessionMonitor;
  errors: SauError[];
}

/**
 * Creates monitors and readers for one test file and stops / closes every one of them after each
 * test, so no connection or heartbeat timer outlives its test. Call at the top of a describe block.
 */
export function useMonitors(redisUrl: () => string): {
  /** A monitor on the test's redis-server (or `options.redis`), with an `error` listener, not yet started. */
  create(options: SessionMonitorOptions): WatchedMonitor;
  /** Same as create(), then start(). */
  start(options: SessionMonitorOptions): Promise<WatchedMonitor>;
  reader(options: SauReaderOptions): SauReader;
} {
  const monitors: SessionMonitor[] = [];
  const readers: SauReader[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.stop().catch(() => undefined)));
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  const create = (options: SessionMonitorOptions): WatchedMonitor => {
    const monitor = new SessionMonitor({ redis: redisUrl(), ...options });
    const errors: SauError[] = [];
    monitor.on('error', (err: SauError) => errors.push(err));
    monitors.push(monitor);
    return { monitor, errors };
  };
  return {
    create,
    async start(options) {
      const watched = create(options);
      await watched.monitor.start();
      return watched;
    },
    reader(options) {
      const reader = new SauReader({ redis: redisUrl(), ...options });
      readers.push(reader);
      return reader;
    },
  };
}

/** Redis TIME in ms: the one clock every count is stamped with. */
export async function redisNowMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Every key of a namespace with its type, value and expiry time, to compare Redis state before and after. */
export async function snapshot(client: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(
      cursor,
      'MATCH',
      `${escapeGlob(prefix)}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await client.type(key);
    let value: unknown;
    if (type === 'hash') value = await client.hgetall(key);
    else if (type === 'set') value = (await client.smembers(key)).sort();
    else if (type === 'zset') value = await client.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'string') value = await client.get(key);
    else value = type;
    // Absolute expiry (Redis 7), so a snapshot taken a second later still compares equal.
    out[key] = { type, value, expireAt: await client.call('PEXPIRETIME', key) };
  }
  return out;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Polls `read` until `done` holds or the time is up; returns the last value. Read errors are retried. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await read();
      if (done(value)) return value;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until the reader's live numbers equal `expected` (a takeover or a reaping takes a
 * heartbeat or more), then asserts them; `settle` runs before each read (flushing monitors).
 */
export async function expectNowBecomes(
  reader: SauReader,
  expected: { users: number; sessions: number; anonymousSessions: number; instances: number },
  options: { timeoutMs?: number; settle?: () => Promise<void> } = {},
): Promise<void> {
  const now = await waitFor(
    async () => {
      await options.settle?.();
      return (await reader.stats()).now;
    },
    (now) => JSON.stringify(now) === JSON.stringify(expected),
    options.timeoutMs ?? 5000,
  );
  expect(now).toEqual(expected);
}
