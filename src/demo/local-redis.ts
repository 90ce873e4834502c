import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingRedis } from './ping-redis';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A redis-server this process started, on a free loopback port, with no persistence. */
export interface LocalRedis {
  url: string;
  port: number;
  /** Shuts it down and removes its directory. */
  stop(): Promise<void>;
  /** Synchronous last resort (second Ctrl-C, crash): SIGKILL, no waiting. */
  kill(): void;
}

/**
 * Starts a private `redis-server` in a temporary directory. It runs in its own process group, so
 * the Ctrl-C a terminal sends to the demo does not kill it before the monitors have stopped.
 */
export async function startLocalRedis(binary = 'redis-server'): Promise<LocalRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary);
    } catch (err) {
      // Another process may take the port between our probe and redis-server's bind.
      if (attempt >= 3 || (err as { code?: string }).code === 'ENOENT') throw err;
    }
  }
}

async function startOnce(binary: string): Promise<LocalRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sau-demo-redis-'));
  const logFile = join(dir, 'redis.log');
  const child = spawn(
    binary,
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
      '--logfile',
      logFile,
    ],
    { stdio: 'ignore', detached: true },
  );
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const cleanup = (): void => {
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, url, logFile, binary);
  } catch (err) {
    killOnExit();
    cleanup();
    throw err;
  }
  return {
    url,
    port,
    kill: killOnExit,
    stop: async () => {
      await stopChild(child);
      cleanup();
    },
  };
}

async function waitUntilReady(
  child: ChildProcess,
  url: string,
  logFile: string,
  binary: string,
): Promise<void> {
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError?.code === 'ENOENT') {
      throw Object.assign(
        new Error(`${binary} is not installed (not on PATH); install Redis 7 or pass --redis-url`),
        { code: 'ENOENT' },
      );
    }
    if (spawnError) throw spawnError;
    if (child.exitCode !== null) {
      throw new Error(`${binary} exited with code ${child.exitCode}: ${lastLine(logFile)}`);
    }
    if (await pingRedis(url, 250)) return;
    if (Date.now() > deadline) throw new Error(`${binary} did not answer on ${url} in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
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

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return 'no log';
  }
}
