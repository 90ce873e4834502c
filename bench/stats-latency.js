'use strict';
/**
 * `SauReader.stats()` latency at a given number of live sessions: the read must cost the same
 * whatever the session count (one readStats script of HMGET/SCARD/PFCOUNT, never a scan).
 *
 * `calls` calls of `stats({ window: 'all' })` (every section, the most a caller can ask), one after
 * the other from one reader, each timed from call to resolved promise; p50/p99 of those. Redis's
 * own time per call comes from INFO commandstats (EVALSHA usec), so a slow client or a busy
 * machine can be told apart from a slow script.
 */
const { Redis } = require('ioredis');
const { SauReader } = require('../dist');
const { readCounters, diffCounters } = require('./server-counters');
const { percentile } = require('./percentile');

/** Calls made before timing: loads the script and lets the JIT compile the reader's path. */
const WARM_UP_CALLS = 100;

async function measureStatsLatency({ url, namespace, liveSessions, calls = 1000 }) {
  const reader = new SauReader({ redis: url, namespace });
  const admin = new Redis(url);
  try {
    for (let i = 0; i < WARM_UP_CALLS; i++) await reader.stats({ window: 'all' });
    const first = await reader.stats({ window: 'all' });
    // Latency of an empty namespace would prove nothing: the sessions must be there.
    if (first.now.sessions !== liveSessions) {
      throw new Error(`stats: ${first.now.sessions} live sessions, expected ${liveSessions}`);
    }
    const before = await readCounters(admin);
    const times = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const started = process.hrtime.bigint();
      await reader.stats({ window: 'all' });
      times[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
    const server = diffCounters(before, await readCounters(admin));
    const sorted = Array.from(times).sort((a, b) => a - b);
    const evalsha = server.commands.find((c) => c.command === 'evalsha') ?? { calls: 0, usec: 0 };
    return {
      liveSessions,
      liveUsers: first.now.users,
      calls,
      p50Ms: round3(percentile(sorted, 0.5)),
      p99Ms: round3(percentile(sorted, 0.99)),
      maxMs: round3(sorted[sorted.length - 1]),
      // Time inside Redis per stats() call: the script alone, without the round trip.
      serverUsecPerCall: Math.round(evalsha.usec / Math.max(1, evalsha.calls)),
      scriptCallsPerStats: Math.round((evalsha.calls / calls) * 100) / 100,
    };
  } finally {
    await reader.close();
    await admin.quit();
  }
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

module.exports = { measureStatsLatency };
