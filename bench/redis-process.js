'use strict';
/**
 * A private redis-server for one benchmark run.
 *
 * The benchmark writes hundreds of thousands of keys and runs redis-benchmark at full speed, so it
 * must never share a server with anything else: it binds its own loopback port (never 6379), keeps
 * no RDB/AOF (persistence would add fork and fsync noise to the numbers), and lives in a temporary
 * directory that is removed with it.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Redis } = require('ioredis');

const HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;
const START_TIMEOUT_MS = 10_000;

/** A port the kernel just handed out on loopback; it may be taken again before we bind, hence retries. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once the server answers PING; rejects if it exits first or never answers. */
async function waitUntilReady(url, child, exited) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited.code !== undefined) throw new Error(`redis-server exited with ${exited.code}`);
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    } finally {
      // disconnect() on a socket that is already gone arms a 2 s timer that nothing clears.
      if (probe.status !== 'end') probe.disconnect();
    }
  }
}

/**
 * Starts redis-server and registers cleanup for every way this process can end (normal exit, an
 * uncaught error, Ctrl-C, SIGTERM), so no orphan server keeps a port and a temp dir.
 * Returns { host, port, url, stop() }.
 */
async function startPrivateRedis({ binary = 'redis-server', log = () => undefined } = {}) {
  for (let attempt = 0; ; attempt++) {
    let port = await freePort();
    while (port === DEFAULT_PORT) port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sau-bench-redis-'));
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        HOST,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        // Keep the benchmark's numbers about the data it stores, not about eviction or the OS.
        '--maxmemory',
        '0',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const exited = {};
    child.on('exit', (code, signal) => {
      exited.code = code ?? signal;
    });
    child.on('error', (err) => {
      exited.code = err.message;
    });

    let stopped = false;
    // Synchronous on purpose: 'exit' handlers cannot wait, and SIGKILL of a throwaway server is safe.
    const killNow = () => {
      if (stopped) return;
      stopped = true;
      if (exited.code === undefined) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    const onSignal = (signal) => {
      log(`received ${signal}, stopping redis-server on port ${port}`);
      const code = signal === 'SIGINT' ? 130 : 143;
      // Wait (briefly) for the kill to land, so the port is free when the shell prompt returns.
      const alive = exited.code === undefined;
      killNow();
      if (!alive) process.exit(code);
      child.once('exit', () => process.exit(code));
      setTimeout(() => process.exit(code), 2000).unref();
    };
    process.once('exit', killNow);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const unregister = () => {
      process.removeListener('exit', killNow);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    };

    const url = `redis://${HOST}:${port}`;
    try {
      await waitUntilReady(url, child, exited);
    } catch (err) {
      killNow();
      unregister();
      if (attempt < 3) continue; // another process took the port between probe and bind
      throw err;
    }
    log(`private redis-server pid ${child.pid} on ${HOST}:${port} (dir ${dir})`);

    /** Graceful stop: SIGTERM, then SIGKILL if the server does not exit within 5 s. */
    const stop = () =>
      new Promise((resolve) => {
        unregister();
        if (stopped || exited.code !== undefined) {
          killNow();
          return resolve();
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          stopped = true;
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      });

    return { host: HOST, port, url, pid: child.pid, stop };
  }
}

module.exports = { startPrivateRedis };
