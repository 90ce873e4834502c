'use strict';
/**
 * Ingest throughput: how many session events per second one SessionMonitor gets into Redis.
 *
 * The workload is a server's steady state, not a burst of opens: sessions of a fixed user
 * population open, log in, and close again after `liveSessions` newer sessions have opened, so the
 * instance's session set stays at a realistic size while day/month tallies see users repeatedly
 * (and, with the default exactThreshold, switch from exact sets to HyperLogLogs mid-run).
 * Every open, login and close call counts as one event.
 */
const { setImmediate: yieldToEventLoop } = require('node:timers/promises');
const { Redis } = require('ioredis');
const { SessionMonitor, SauReader } = require('../dist');
const { ingestEvents } = require('./event-stream');
const { readCounters, diffCounters } = require('./server-counters');

/** Events produced between two yields to the event loop: about one default batch. */
const SLICE_EVENTS = 900;

/**
 * Feeds the `workload` (bench/event-stream.js) through one monitor as fast as it accepts it.
 * Events are produced in small slices with a yield to the event loop between them, and flushed
 * whenever `chunkSessions` sessions' worth of events wait, which keeps the queue (and this
 * process's memory) bounded the way a real server's event rate would.
 */
async function runIngest({
  url,
  // A connection of the caller's for the monitor (lua-allocation.js); default one of its own to url.
  redis = url,
  namespace,
  workload,
  chunkSessions = 10_000,
  maxBatchSize,
  log = () => undefined,
}) {
  const { sessions, users, liveSessions, distinctUsers } = workload;
  const errors = [];
  const monitor = new SessionMonitor({
    redis,
    namespace,
    instanceId: 'bench-ingest',
    ...(maxBatchSize ? { maxBatchSize } : {}),
  });
  monitor.on('error', (err) => errors.push(err));
  await monitor.start();
  const counterClient = new Redis(url);
  const countersBefore = await readCounters(counterClient);

  let events = 0;
  let flushes = 0;
  let elapsedMs = 0;
  let server;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let cpu;
  try {
    for (const [op, sessionId, userId] of ingestEvents(workload)) {
      if (op === 'open')
        monitor.open({ id: sessionId, clientAddress: '10.0.0.1', userAgent: 'bench' });
      else if (op === 'login') monitor.login(sessionId, userId);
      else monitor.close(sessionId);
      if (++events % SLICE_EVENTS === 0) {
        // A real server produces events between I/O, not in one synchronous burst: yielding lets
        // the monitor send the next batch while more events are produced. Once `chunkSessions`
        // sessions' worth of events wait, wait for all of them, which bounds the queue.
        if (monitor.queueStatus.queued >= chunkSessions * 3) {
          await monitor.flush();
          flushes++;
        } else {
          await yieldToEventLoop();
        }
      }
    }
    await monitor.flush();
    flushes++;
    // Measured up to the last flush: stop() only releases the (by now empty) instance.
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    cpu = process.cpuUsage(cpuBefore);
    server = diffCounters(countersBefore, await readCounters(counterClient));
  } finally {
    await monitor.stop().catch((err) => errors.push(err));
    counterClient.disconnect();
  }
  if (errors.length > 0) {
    throw new Error(`monitor reported ${errors.length} errors, first: ${errors[0].message}`);
  }
  const dropped = monitor.queueStatus.dropped;
  if (dropped > 0) throw new Error(`monitor dropped ${dropped} events`);

  const check = await verify({ url, namespace, sessions, log });
  const eventsPerSec = events / (elapsedMs / 1000);
  log(
    `ingest: ${events} events in ${elapsedMs.toFixed(0)} ms (${Math.round(eventsPerSec)}/s, ${flushes} flushes)`,
  );
  return {
    sessions,
    users,
    liveSessions,
    events,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSec: Math.round(eventsPerSec),
    maxBatchSize: monitor.options.maxBatchSize,
    exactThreshold: monitor.options.exactThreshold,
    chunkSessions,
    // This process's CPU per event (every thread): the monitor's work, and producing the events
    // (a generator over ids made beforehand, a small part). Steadier than events/s on a busy host.
    processCpuUsecPerEvent: Math.round(((cpu.user + cpu.system) / events) * 100) / 100,
    dayActiveUsers: check.dayActiveUsers,
    distinctUsers,
    server: {
      ...server,
      // Share of the wall time Redis was computing: near 1 means the scripts are the bottleneck,
      // well below 1 means the monitor (Node) side or round trips are.
      busyFraction: Math.round((server.cpuSeconds / (elapsedMs / 1000)) * 1000) / 1000,
      // Redis's CPU per event, scripts or not: what a shared Redis pays for each event.
      cpuUsecPerEvent: Math.round(((server.cpuSeconds * 1e6) / events) * 100) / 100,
      scriptUsecPerEvent: Math.round(((server.scriptMs * 1000) / events) * 100) / 100,
      commandsPerEvent: Math.round((server.commandsInsideScripts / events) * 100) / 100,
      commands: server.commands.slice(0, 12),
    },
  };
}

/**
 * A throughput number means nothing if events were lost: every session must be counted once, and
 * every one closed again.
 */
async function verify({ url, namespace, sessions, log }) {
  const reader = new SauReader({ redis: url, namespace });
  try {
    const stats = await reader.stats({ window: 'day' });
    const problems = [];
    if (stats.day.sessions !== sessions) problems.push(`day.sessions ${stats.day.sessions}`);
    if (stats.day.logins !== sessions) problems.push(`day.logins ${stats.day.logins}`);
    if (stats.now.sessions !== 0) problems.push(`now.sessions ${stats.now.sessions}`);
    if (stats.now.users !== 0) problems.push(`now.users ${stats.now.users}`);
    if (problems.length > 0) {
      throw new Error(`ingest counts are wrong (expected ${sessions}/0): ${problems.join(', ')}`);
    }
    log(`ingest verified: day DAU ${stats.day.activeUsers} (exact: ${stats.day.exact})`);
    return { dayActiveUsers: stats.day.activeUsers };
  } finally {
    await reader.close();
  }
}

module.exports = { runIngest };
