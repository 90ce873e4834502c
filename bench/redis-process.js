'use strict';
/**
 * A private redis-server for one benchmark run.
 *
 * The benchmark writes hundreds of thousands of keys and runs redis-benchmark at full speed, so it
 * must never share a server with anything else: it binds its own loopback port (never 6379), keeps
 * no RDB/AOF (persistence would add fork and fsync noise to the numbers), and lives in a temporary
 * directory that is removed with it. The starter is the library's own (built into dist/).
 */
const { startPrivateRedis: startServer } = require('../dist/redis/private-redis-server');

/** What a shell reports for a command ended by that signal (128 + its number). */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 };
/** How long a signalled run waits for the server to be gone, so its port is free at the prompt. */
const SIGNAL_EXIT_WAIT_MS = 2000;

/**
 * Starts redis-server and stops it for every way this process can end: the starter kills it on a
 * normal exit or an uncaught error; Ctrl-C and SIGTERM end the run here, server first.
 * Returns { host, port, url, pid, stop() }.
 */
async function startPrivateRedis({ binary = 'redis-server', log = () => undefined } = {}) {
  const server = await startServer({
    binary,
    dirPrefix: 'sau-bench-redis-',
    // Keep the benchmark's numbers about the data it stores, not about eviction or the OS.
    args: ['--maxmemory', '0', '--protected-mode', 'yes'],
  });
  const onSignal = (signal) => {
    log(`received ${signal}, stopping redis-server on port ${server.port}`);
    const exit = () => process.exit(EXIT_CODES[signal]);
    server.kill('SIGKILL');
    server.stop().then(exit, exit);
    setTimeout(exit, SIGNAL_EXIT_WAIT_MS).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  log(
    `private redis-server pid ${server.pid} on ${server.host}:${server.port} (dir ${server.dir})`,
  );
  return {
    host: server.host,
    port: server.port,
    url: server.url,
    pid: server.pid,
    /** Graceful stop: SIGTERM, then SIGKILL if the server does not exit within 5 s. */
    stop: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      return server.stop();
    },
  };
}

module.exports = { startPrivateRedis };
