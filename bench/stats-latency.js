'use strict';
/**
 * `SauReader.stats()` latency at a given number of live sessions: the read must cost the same
 * whatever the session count (one readStats script of HMGET/SCARD/PFCOUNT, never a scan).
 *
 * `calls` calls of `stats({ window: 'all' })` (every section, the most a caller can ask), one after
 * the other from one reader, each timed from call to resolved promise; p50/p99 of those. After each
 * call a PING on another connection is timed too: the floor any command's round trip has on this
 * machine at that moment. Redis's own time per call comes from INFO latencystats (EVALSHA p50/p99,
 * Redis 7) and commandstats, so a slow client or a busy machine can be told apart from a slow
 * script.
 */
const { Redis } = require('ioredis');
const { SauReader, SessionMonitor, Keys } = require('../dist');
const { readCounters, diffCounters } = require('./server-counters');
const { percentile } = require('./percentile');

/** Calls made before timing: loads the script and lets the JIT compile the reader's path. */
const WARM_UP_CALLS = 100;

async function measureStatsLatency({ url, namespace, liveSessions, calls = 1000, label }) {
  const reader = new SauReader({ redis: url, namespace });
  const admin = new Redis(url);
  try {
    for (let i = 0; i < WARM_UP_CALLS; i++) await reader.stats({ window: 'all' });
    const first = await reader.stats({ window: 'all' });
    // Latency of an empty namespace would prove nothing: the sessions must be there.
    if (first.now.sessions !== liveSessions) {
      throw new Error(`stats: ${first.now.sessions} live sessions, expected ${liveSessions}`);
    }
    await admin.config('RESETSTAT'); // latencystats count from here
    const before = await readCounters(admin);
    const times = new Float64Array(calls);
    const pings = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      let started = process.hrtime.bigint();
      await reader.stats({ window: 'all' });
      times[i] = Number(process.hrtime.bigint() - started) / 1e6;
      started = process.hrtime.bigint();
      await admin.ping();
      pings[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
    const server = diffCounters(before, await readCounters(admin));
    const inRedis = parseLatency(await admin.info('latencystats'), 'evalsha');
    const sorted = Array.from(times).sort((a, b) => a - b);
    const sortedPings = Array.from(pings).sort((a, b) => a - b);
    const evalsha = server.commands.find((c) => c.command === 'evalsha') ?? { calls: 0, usec: 0 };
    return {
      label: label ?? `at ${liveSessions.toLocaleString('en-US')}`,
      liveSessions,
      liveUsers: first.now.users,
      calls,
      p50Ms: round3(percentile(sorted, 0.5)),
      p99Ms: round3(percentile(sorted, 0.99)),
      maxMs: round3(sorted[sorted.length - 1]),
      pingP50Ms: round3(percentile(sortedPings, 0.5)),
      pingP99Ms: round3(percentile(sortedPings, 0.99)),
      redisP50Ms: inRedis ? round3(inRedis.p50 / 1000) : null,
      redisP99Ms: inRedis ? round3(inRedis.p99 / 1000) : null,
      // Time inside Redis per stats() call: the script alone, without the round trip.
      serverUsecPerCall: Math.round(evalsha.usec / Math.max(1, evalsha.calls)),
      scriptCallsPerStats: Math.round((evalsha.calls / calls) * 100) / 100,
    };
  } finally {
    await reader.close();
    await admin.quit();
  }
}

/** `latency_percentiles_usec_<command>:p50=…,p99=…` of INFO latencystats, in µs; null before Redis 7. */
function parseLatency(info, command) {
  const line = new RegExp(`^latency_percentiles_usec_${command}:(.*)$`, 'm').exec(info);
  if (!line) return null;
  const values = Object.fromEntries(
    line[1]
      .trim()
      .split(',')
      .map((kv) => kv.split('=')),
  );
  return { p50: Number(values.p50), p99: Number(values.p99) };
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

/**
 * Gives the namespace `days` past days of `usersPerDay` distinct users each, counted by
 * HyperLogLog (enough users to make each one dense, the costly case to merge): what a month of
 * production leaves behind, for stats() to merge for its 7 and 30 day windows.
 */
async function addPastDays({ url, namespace, days = 29, usersPerDay = 20_000 }) {
  const keys = new Keys(namespace);
  const admin = new Redis(url);
  const reader = new SauReader({ redis: url, namespace });
  try {
    const { date } = (await reader.stats({ window: 'day' })).day;
    for (let d = 1; d <= days; d++) {
      const day = new Date(Date.parse(`${date}T00:00:00Z`) - d * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const pipeline = admin.pipeline();
      for (let i = 0; i < usersPerDay; i += 1000) {
        const users = Array.from({ length: 1000 }, (_, j) => `past-${d}-${i + j}`);
        pipeline.pfadd(keys.dayUsersHll(day), ...users);
      }
      pipeline.hset(keys.day(day), 'inexact', '1', 'sessions', String(usersPerDay));
      await pipeline.exec();
    }
    // Past days gained users: retire any window cache built before, as markActiveUsers does.
    await admin.hincrby(keys.windowCache(), 'version', 1);
  } finally {
    await reader.close();
    await admin.quit();
  }
}

/** Builds the window cache as a running monitor does at its next gauge sample. */
async function buildWindowCache({ url, namespace }) {
  const monitor = new SessionMonitor({ redis: url, namespace, gaugeIntervalMs: 0 });
  await monitor.start();
  try {
    if (!(await monitor.sampleGauges())) throw new Error('stats: the gauge sample was not written');
  } finally {
    await monitor.stop();
  }
}

module.exports = { measureStatsLatency, addPastDays, buildWindowCache };
