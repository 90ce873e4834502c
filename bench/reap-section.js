'use strict';
/**
 * The reap section of `npm run bench` (bench/run.js): reap.js measures one reap; this runs it at
 * every size, with one call in flight, by a warm reaper, and with redis-server on a core of its own.
 */
const { runReap } = require('./reap');
const { canPin } = require('./cpu-affinity');
const { TARGETS } = require('./targets');
const { measureReapLuaAllocation } = require('./lua-allocation');

/** Sessions of the untimed reap whose close calls' Lua allocation is counted (at most the first size). */
const LUA_ALLOCATION_SESSIONS = 20_000;

/**
 * What a reaper process reaps before the warm run is measured: enough close calls (100) for V8 to
 * compile the reaper's code, which a fresh process runs interpreted for its first ~40 calls.
 */
const WARM_UP_SESSIONS = 25_000;

/**
 * Reaping a SIGKILLed instance at each --reap-sessions size, one after the other in namespaces of
 * their own. The first size (100,000 by default) carries the speed target and the headline fields;
 * every size has the longest-call target. Then the first size again with one close call in flight
 * (the reaper's default keeps eight): the speed and latency that option trades, side by side. Then
 * the first size by a reaper process that reaped a smaller instance first: a fresh process (as
 * `sau-cli reap` is) spends its first calls compiling, a monitor's reaper in a running server has
 * done so when it reaped before. Last, where a process can be given a core of its own, the largest
 * size with redis-server on one core and the reaper on the other: on two shared cores, a call's
 * SLOWLOG time also counts the time redis-server waited for its core, and this run shows what the
 * calls cost without that. Untimed, between them: the Lua each close call allocates
 * (lua-allocation.js).
 */
async function measureReap({ redis, runId, options, log }) {
  // One reap in a namespace of its own (`kind` names the variant), judged on its longest call.
  const reap = async (kind, sessions, extra = {}) => {
    const run = await runReap({
      url: redis.url,
      namespace: `bench-reap-${kind}${sessions}-${runId}`,
      sessions,
      closeBatchSize: options.reapBatch,
      redisPid: redis.pid,
      log,
      ...extra,
    });
    return { ...run, meetsCallTarget: run.maxCallMs <= TARGETS.reapMaxCallMs };
  };
  const bySize = [];
  for (const sessions of options.reapSessions) {
    log(`reap: ${sessions} sessions of a dead instance`);
    bySize.push(await reap('', sessions));
  }
  const [first] = bySize;
  log(`reap: ${first.sessions} sessions again, one close call in flight`);
  const oneInFlight = await reap('serial-', first.sessions, {
    reaperOptions: { closeCallsInFlight: 1 },
  });
  log(`reap: ${first.sessions} sessions again, by a reaper process that has reaped before`);
  const warm = await reap('warm-', first.sessions, { warmUpSessions: WARM_UP_SESSIONS });
  const luaSessions = Math.min(LUA_ALLOCATION_SESSIONS, first.sessions);
  log(`reap: ${luaSessions} sessions, untimed, counting the Lua each close call allocates`);
  const luaAllocation = await measureReapLuaAllocation({
    url: redis.url,
    namespace: `bench-reap-lua-${runId}`,
    sessions: luaSessions,
    log,
  });
  log(
    `reap: ${luaAllocation.kbPerCall} KB a close call (${luaAllocation.bytesPerSession} B a session)`,
  );
  let ownCore = null;
  if (canPin()) {
    const largest = bySize.at(-1).sessions;
    log(`reap: ${largest} sessions again, redis-server on a core of its own`);
    ownCore = await reap('own-core-', largest, { ownCore: true });
  }
  return {
    ...first,
    oneInFlight,
    warm,
    luaAllocation,
    ownCore,
    meetsSpeedTarget: first.sessionsPerSec >= TARGETS.reapSessionsPerSec,
    meetsCallTarget: first.meetsCallTarget,
    meetsCallTargetAtEverySize: bySize.every((run) => run.meetsCallTarget),
    bySize,
  };
}

module.exports = { measureReap };
