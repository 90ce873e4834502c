import type { ChildProcess } from 'node:child_process';
import { startPrivateRedis, waitForRedis } from '../../src/redis/private-redis-server';

export { freePort } from '../../src/redis/private-redis-server';

/** A redis-server this test file owns (or the one REDIS_URL names, which it must not kill). */
export interface TestRedis {
  url: string;
  port: number;
  /** False when REDIS_URL is used: tests that kill or pause the server must skip. */
  owned: boolean;
  stop(): Promise<void>;
}

/** Waits until a server (that very `child`, when given) answers PING; LOADING keeps it waiting. */
export function waitForPing(url: string, child?: ChildProcess): Promise<void> {
  return waitForRedis(url, { child, pid: child?.pid });
}

/**
 * Starts a private redis-server on a free loopback port, with extra arguments (e.g. appendonly)
 * and extra environment (e.g. a shifted clock, see clock-shift.ts); or, when REDIS_URL is set,
 * waits for that server instead.
 */
export async function startRedis(
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<TestRedis> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    await waitForPing(url);
    return {
      url,
      port: Number(new URL(url).port || 6379),
      owned: false,
      stop: async () => undefined,
    };
  }
  const server = await startPrivateRedis({ args: extraArgs, env });
  return { url: server.url, port: server.port, owned: true, stop: () => server.stop() };
}

let counter = 0;
/** A namespace no other test uses, so tests of one file never see each other's keys. */
export function uniqueNamespace(label = 'test'): string {
  counter++;
  return `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
