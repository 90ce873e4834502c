'use strict';
/**
 * Reaping a dead instance: how fast a reaper closes the sessions of an instance that died without
 * stop(), and how long the longest single script call blocks Redis while it does (invariant 4: no
 * call may block Redis for more than a few milliseconds, whatever the session count).
 *
 * The dying instance is a real SessionMonitor in a child process: it opens the sessions, flushes
 * them, keeps heartbeating, and is then SIGKILLed, so nothing of a graceful stop runs. Once Redis
 * TIME has passed its lease, a SauReaper reaps it (one pass, as `sau-cli reap` does), in a process
 * of its own (bench/reaper-process.js).
 *
 * The longest call is the longest execution time SLOWLOG records during the reap, with a 100 us
 * threshold (threshold 0 would also log every command the scripts call, inside the calls being
 * timed). INFO commandstats gives every call's count and total time, and the reaper's progress
 * callback the longest wait between two answered calls (the reaper keeps several close calls in
 * flight, so this is not one call's round trip). If Redis spent more wall time in scripts
 * than CPU time, redis-server was descheduled mid-call: on a busy machine the longest call then
 * measures the machine more than the script, and p99 is the steadier number. With `redisPid`, the
 * times redis-server was preempted during the reap are counted; with `ownCore`, redis-server gets
 * a core of its own and the reaper the others, as on separate machines (cpu-affinity.js).
 */
const { Redis } = require('ioredis');
const { SauReader } = require('../dist');
const { INSTANCE_ID, startDyingInstance, kill } = require('./dying-instance');
const { startReaperProcess } = require('./reaper-process');
const { DEFAULT_CLOSE_BATCH_SIZE } = require('../dist/monitor/monitor-options');
const { DEFAULT_CLOSE_CALLS_IN_FLIGHT } = require('../dist/monitor/close-incarnation');
const { loadScripts } = require('../dist/scripts/script-catalog');
const { readCounters, diffCounters } = require('./server-counters');
const { percentile } = require('./percentile');
const { coreSets, pinProcess, preemptions } = require('./cpu-affinity');

/** Read when the bench starts, like the library's own script catalog: names SLOWLOG's SHAs. */
const SCRIPTS = [...loadScripts().values()];
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runReap({
  url,
  namespace,
  sessions = 100_000,
  // Users the sessions belong to; killedVictim's default is a quarter of the sessions.
  users,
  closeBatchSize,
  leaseMs = 2000,
  heartbeatIntervalMs = 500,
  slowlogThresholdUs = 100,
  // How long filling may take; killedVictim's default grows with the sessions.
  fillTimeoutMs,
  // Any other SauReaper options, e.g. { closedSessionLog: false } to see the log's cost.
  reaperOptions = {},
  // redis-server's pid (to count its preemptions, and to pin it), when it runs on this machine.
  redisPid,
  // Reap with redis-server on a core of its own and the reaper on the others (cpu-affinity.js).
  ownCore = false,
  // Sessions the same reaper process reaps first, unmeasured (0: a fresh process, as `sau-cli reap`).
  warmUpSessions = 0,
  log = () => undefined,
}) {
  const admin = new Redis(url);
  const reader = new SauReader({ redis: url, namespace });
  const reaper = startReaperProcess({
    url,
    namespace,
    reaperOptions: { ...reaperOptions, ...(closeBatchSize ? { closeBatchSize } : {}) },
  });
  const batchSize = closeBatchSize ?? DEFAULT_CLOSE_BATCH_SIZE;
  const victimConfig = { url, namespace, reader, leaseMs, heartbeatIntervalMs, log };
  const dying = [];
  const savedConfig = {};
  try {
    if (warmUpSessions > 0) {
      // A first reap in the same process, not measured: what follows runs compiled code, as in a
      // monitor's reaper that has reaped before. Counts are checked all the same.
      const warmUp = await killedVictim(
        { ...victimConfig, sessions: warmUpSessions },
        dying,
        reaper,
      );
      const { report } = await reaper.reap();
      await verify({ reader, admin, victim: warmUp, sessions: warmUpSessions, report });
      log(`reap: the reaper process reaped ${warmUpSessions} sessions first, unmeasured`);
    }
    const victim = await killedVictim(
      { ...victimConfig, sessions, users, fillTimeoutMs },
      dying,
      reaper,
    );
    const { leaseWaitMs } = victim;

    // Script calls slower than the threshold are logged with their execution time. Not 0: Redis
    // also logs the commands a script calls (client "?:0"), hundreds of thousands of entries
    // written while the script runs, which made each call ~70% slower in a trial. Calls under the
    // threshold cannot be the longest; commandstats counts every call and its total time.
    for (const name of ['slowlog-log-slower-than', 'slowlog-max-len']) {
      const [, value] = await admin.config('GET', name);
      savedConfig[name] = value;
    }
    const slowlogLen = Math.max(10_000, (Math.ceil(sessions / batchSize) + 100) * 4);
    await admin.config('SET', 'slowlog-max-len', String(slowlogLen));
    await admin.config('SET', 'slowlog-log-slower-than', String(slowlogThresholdUs));
    await admin.call('SLOWLOG', 'RESET');
    const countersBefore = await readCounters(admin);
    const cores = coreSets();
    if (ownCore) {
      // Everything of the bench on the other cores: the reaper, and this process too.
      pinProcess(redisPid, cores.own);
      pinProcess(reaper.pid, cores.rest);
      pinProcess(process.pid, cores.rest);
    }
    const preemptedBefore = preemptions(redisPid);

    let reaped;
    try {
      reaped = await reaper.reap();
    } finally {
      if (ownCore) {
        pinProcess(redisPid, cores.all);
        pinProcess(process.pid, cores.all);
      }
    }
    const { report, totalMs, batchMs, cpuMs } = reaped;
    const preemptedAfter = preemptions(redisPid);

    const server = diffCounters(countersBefore, await readCounters(admin));
    const entries = await admin.call('SLOWLOG', 'GET', String(slowlogLen));
    await restoreConfig(admin, savedConfig);
    if (entries.length >= slowlogLen) {
      throw new Error(`reap: SLOWLOG filled up (${entries.length} entries); raise slowlog-max-len`);
    }
    await verify({ reader, admin, victim, sessions, report });

    const logged = scriptCalls(entries);
    const maxCall = logged.reduce((a, b) => (b.usec > a.usec ? b : a), { usec: 0, script: '' });
    const closing = logged.filter((c) => c.script === 'closeSessions').map((c) => c.usec);
    closing.sort((a, b) => a - b);
    const scripts = server.commands.filter((c) => SCRIPT_COMMANDS.has(c.command));
    const scriptUsec = scripts.reduce((sum, c) => sum + c.usec, 0);
    // The first gap also covers finding and claiming the lease; every later one is between two
    // answered close calls.
    const waits = batchMs.slice(1);
    const result = {
      sessions,
      users: victim.users,
      closeBatchSize: batchSize,
      callsInFlight: reaperOptions.closeCallsInFlight ?? DEFAULT_CLOSE_CALLS_IN_FLIGHT,
      totalMs: round2(totalMs),
      sessionsPerSec: Math.round(sessions / (totalMs / 1000)),
      maxCallMs: round2(maxCall.usec / 1000),
      maxCallScript: maxCall.script,
      // Every EVALSHA/EVAL of the reap (a NOSCRIPT miss and its EVAL count as two).
      calls: scripts.reduce((sum, c) => sum + c.calls, 0),
      closeCalls: batchMs.length,
      slowlogThresholdUs,
      // Server-side execution of the close calls over the threshold (all of them, unless a
      // batch is tiny): the typical call next to the longest.
      closeCallMs: {
        logged: closing.length,
        p50: round2(percentile(closing, 0.5) / 1000),
        p99: round2(percentile(closing, 0.99) / 1000),
        max: round2((closing.at(-1) ?? 0) / 1000),
      },
      // Wall time Redis spent inside script calls, and the CPU time it used meanwhile: wall time
      // well above CPU time means redis-server was descheduled mid-call (a busy machine), which
      // lengthens calls in SLOWLOG without more work being done.
      scriptMs: round2(scriptUsec / 1000),
      serverCpuMs: Math.round(server.cpuSeconds * 1000),
      usecPerSession: round2(scriptUsec / sessions),
      maxWaitMs: round2(Math.max(0, ...waits)),
      leaseWaitMs,
      // The reaper process's CPU time during the reap (all its threads): above ~90% of totalMs,
      // the reaper, not Redis, bounds the speed.
      reaperCpuMs: Math.round(cpuMs),
      // Times the kernel took redis-server's core away during the reap (null: not on Linux, or
      // no pid): each can stretch the call it lands in by a scheduler slice.
      redisPreemptions:
        preemptedBefore === null || preemptedAfter === null
          ? null
          : preemptedAfter - preemptedBefore,
      ownCore,
      // Sessions this reaper process reaped before this reap (0: it had never reaped).
      warmUpSessions,
    };
    log(
      `reap: ${sessions} sessions in ${result.totalMs} ms (${result.sessionsPerSec}/s), ` +
        `${result.calls} script calls, longest ${result.maxCallMs} ms (${result.maxCallScript}), ` +
        `close calls p50 ${result.closeCallMs.p50} ms p99 ${result.closeCallMs.p99} ms`,
    );
    return result;
  } finally {
    for (const child of dying) await kill(child);
    await restoreConfig(admin, savedConfig).catch(() => undefined);
    await reader.close();
    reaper.kill();
    admin.disconnect();
  }
}

/**
 * A dying instance with `sessions` sessions, SIGKILLed once they are all in Redis, and Redis TIME
 * past its lease: resolves with its report and how long the lease took to lapse. Its process goes
 * into `dying`, for the caller to kill whatever happens.
 */
async function killedVictim(config, dying, reaper) {
  const { url, namespace, reader, sessions, leaseMs, heartbeatIntervalMs, log } = config;
  const users = config.users ?? Math.max(1, Math.floor(sessions / 4));
  // Filling goes through a real monitor at ingest speed: 1,000,000 sessions take minutes.
  const fillTimeoutMs = config.fillTimeoutMs ?? Math.max(120_000, sessions / 2);
  const { child, ready, failed } = startDyingInstance(
    { url, namespace, sessions, users, leaseMs, heartbeatIntervalMs },
    fillTimeoutMs,
  );
  dying.push(child);
  const victim = await ready;
  await reaper.connected;
  const before = await Promise.race([reader.stats(), failed]);
  if (before.now.sessions !== sessions || before.now.users !== victim.users) {
    throw new Error(
      `reap: expected ${sessions} live sessions and ${victim.users} users before the kill, found ${before.now.sessions} and ${before.now.users}`,
    );
  }

  await kill(child);
  const killedAt = Date.now();
  // Reaping before Redis TIME passes the lease would find nothing; wait without writing.
  for (;;) {
    const { lapsed } = await reader.deadInstances();
    if (lapsed.includes(INSTANCE_ID)) break;
    if (Date.now() - killedAt > leaseMs * 5 + 5000) {
      throw new Error(`reap: the lease of ${INSTANCE_ID} never lapsed`);
    }
    await sleep(50);
  }
  const leaseWaitMs = Date.now() - killedAt;
  log(
    `reap: ${sessions} sessions (${victim.users} users) of a SIGKILLed instance, lease lapsed ${leaseWaitMs} ms after the kill`,
  );
  return { ...victim, leaseWaitMs };
}

/** Puts back the server settings the measurement changed; once. */
async function restoreConfig(admin, saved) {
  for (const [name, value] of Object.entries(saved)) {
    await admin.config('SET', name, value);
    delete saved[name];
  }
}

/**
 * SLOWLOG entries of script calls, named after the lua/ script they ran: by SHA, by source (EVAL;
 * SLOWLOG truncates it to a prefix), or else by KEYS count when only one script takes that many.
 */
function scriptCalls(entries) {
  const calls = [];
  for (const [, , usec, args] of entries) {
    const command = String(args[0]).toLowerCase();
    if (!SCRIPT_COMMANDS.has(command)) continue;
    const body = String(args[1]);
    const prefix = body.replace(/\.\.\. \(\d+ more bytes\)$/, '');
    const byKeys = SCRIPTS.filter((s) => s.numberOfKeys === Number(args[2]));
    const script =
      SCRIPTS.find((s) => s.sha === body || s.source.startsWith(prefix)) ??
      (byKeys.length === 1 ? byKeys[0] : undefined);
    calls.push({ command, script: script?.name ?? 'unknown', usec: Number(usec) });
  }
  return calls;
}

/** A speed means nothing if sessions were left behind or closed twice. */
async function verify({ reader, admin, victim, sessions, report }) {
  const after = await reader.stats();
  const problems = [];
  if (report.sessions !== sessions) problems.push(`reap closed ${report.sessions}`);
  if (report.instances !== 1) problems.push(`reap finished ${report.instances} instances`);
  if (after.now.sessions !== 0) problems.push(`now.sessions ${after.now.sessions}`);
  if (after.now.users !== 0) problems.push(`now.users ${after.now.users}`);
  if (after.now.anonymousSessions !== 0) {
    problems.push(`now.anonymousSessions ${after.now.anonymousSessions}`);
  }
  if (after.now.instances !== 0) problems.push(`now.instances ${after.now.instances}`);
  const left = await admin.zcard(reader.keys.instanceSessions(INSTANCE_ID, victim.incarnation));
  if (left !== 0) problems.push(`${left} members left in the instance sessions zset`);
  const reaping = await admin.hlen(reader.keys.reaping());
  if (reaping !== 0) problems.push(`${reaping} incarnations still in the reaping hash`);
  if (problems.length > 0) {
    throw new Error(`reap left wrong counts (expected ${sessions} closed, 0 live): ${problems}`);
  }
}

function round2(n) {
  return Math.round(n * 100) / 100;
}

module.exports = { runReap, killedVictim };
