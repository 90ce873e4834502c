import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server this test file owns (or the one REDIS_URL names, which it must not kill). */
export interface TestRedis {
  url: string;
  port: number;
  /** False when REDIS_URL is used: tests that kill or pause the server must skip. */
  owned: boolean;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Waits until a server answers PING (an error reply such as LOADING keeps it waiting). */
export async function waitForPing(url: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`redis-server exited with ${child.exitCode}`);
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      // disconnect() on a socket that is already gone arms a 2 s timer that nothing clears, and
      // that timer alone kept jest from exiting after every file that starts a server.
      if (client.status !== 'end') client.disconnect();
    }
  }
}

/**
 * Starts a private redis-server on a free loopback port, with extra arguments (e.g. appendonly)
 * and extra environment (e.g. a shifted clock, see clock-shift.ts).
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
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sau-redis-'));
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extraArgs,
      ],
      { stdio: 'ignore', env: { ...process.env, ...env } },
    );
    const url = `redis://127.0.0.1:${port}`;
    try {
      await waitForPing(url, child);
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      if (attempt < 3) continue; // another process took the port between probe and bind
      throw err;
    }
    return {
      url,
      port,
      owned: true,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          });
          child.kill('SIGTERM');
        }),
    };
  }
}

let counter = 0;
/** A namespace no other test uses, so tests of one file never see each other's keys. */
export function uniqueNamespace(label = 'test'): string {
  counter++;
  return `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
