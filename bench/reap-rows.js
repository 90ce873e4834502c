'use strict';
/**
 * The reap rows of the bench table (report-table.js): each size's speed, longest call, close
 * calls, and what Redis and the reaper process spent; then one call in flight, a warm reaper, the
 * Lua a close call allocates, and redis-server on a core of its own.
 */
const { TARGETS, setAt } = require('./targets');
const { n, verdict } = require('./table-format');

function reapRows(reap) {
  const rows = [
    [
      'reap',
      'sessions of a SIGKILLed instance (half logged in), ' +
        `${reap.closeBatchSize} sessions per call, ${reap.callsInFlight} calls in flight, one SauReaper`,
    ],
  ];
  for (const [i, size] of reap.bySize.entries()) {
    const at = `  ${n(size.sessions)}`;
    const speed =
      i === 0
        ? `target >= ${n(TARGETS.reapSessionsPerSec)}${setAt(size.sessions, 100_000)}  ` +
          verdict(reap.meetsSpeedTarget)
        : '(speed target set at the first size)';
    rows.push(
      [
        `${at} sessions/sec`,
        `${n(size.sessionsPerSec)}  (${n(size.totalMs)} ms, ${n(size.users)} users)  ${speed}`,
      ],
      [
        `${at} longest call`,
        `${size.maxCallMs} ms (${size.maxCallScript})  target <= ${TARGETS.reapMaxCallMs}  ` +
          `${verdict(size.meetsCallTarget)}  (SLOWLOG, calls over ${size.slowlogThresholdUs} us)`,
      ],
      [
        `${at} close calls`,
        `${size.closeCalls} calls, p50 ${size.closeCallMs.p50} ms, p99 ${size.closeCallMs.p99} ms; ` +
          `${size.usecPerSession} us/session in Redis; longest wait between answers ${size.maxWaitMs} ms`,
      ],
      [`${at} redis side`, redisSide(size)],
      [`${at} reaper side`, reaperSide(size)],
    );
  }
  const one = reap.oneInFlight;
  if (one) {
    rows.push([
      `  ${n(one.sessions)}, 1 in flight`,
      `${n(one.sessionsPerSec)} sessions/s; close calls p50 ${one.closeCallMs.p50} ms, ` +
        `p99 ${one.closeCallMs.p99} ms, longest ${one.maxCallMs} ms; ${one.usecPerSession} us/session ` +
        `in Redis  (closeCallsInFlight 1; ${reap.callsInFlight} in flight above: ` +
        `${(reap.bySize[0].sessionsPerSec / one.sessionsPerSec).toFixed(2)}x its speed)`,
    ]);
  }
  const warm = reap.warm;
  if (warm) {
    rows.push(
      [
        `  ${n(warm.sessions)}, warm reaper`,
        `${n(warm.sessionsPerSec)} sessions/s  (its process reaped ${n(warm.warmUpSessions)} ` +
          `sessions first, as a monitor's reaper that has reaped before; ` +
          `${(warm.sessionsPerSec / reap.bySize[0].sessionsPerSec).toFixed(2)}x the fresh process above); ` +
          `close calls p50 ${warm.closeCallMs.p50} ms, p99 ${warm.closeCallMs.p99} ms, ` +
          `longest ${warm.maxCallMs} ms`,
      ],
      ['    redis side', redisSide(warm)],
      ['    reaper side', reaperSide(warm)],
    );
  }
  const lua = reap.luaAllocation;
  if (lua) {
    rows.push([
      '  lua allocation',
      `${lua.kbPerCall} KB a close call of ${lua.closeBatchSize} sessions (${lua.bytesPerSession} B a ` +
        `session), reaping ${n(lua.sessions)} sessions untimed; closeSessions' own, counted by a ` +
        'copy of it (lua-allocation.js)',
    ]);
  }
  const own = reap.ownCore;
  if (own) {
    rows.push(
      [
        `  ${n(own.sessions)}, own core`,
        `redis-server on a core of its own, the reaper on the other: ${n(own.sessionsPerSec)} ` +
          `sessions/s; longest call ${own.maxCallMs} ms  target <= ${TARGETS.reapMaxCallMs}  ` +
          `${verdict(own.meetsCallTarget)}; close calls p50 ${own.closeCallMs.p50} ms, ` +
          `p99 ${own.closeCallMs.p99} ms`,
      ],
      ['    redis side', redisSide(own)],
      ['    reaper side', reaperSide(own)],
    );
  }
  return rows;
}

function redisSide(run) {
  const preempted =
    run.redisPreemptions === null ? '' : `; preempted ${n(run.redisPreemptions)} times`;
  return (
    `${n(run.scriptMs)} ms inside ${run.calls} script calls, ${n(run.serverCpuMs)} ms server CPU` +
    preempted +
    (run.scriptMs > run.serverCpuMs * 1.1
      ? ' (wall above CPU: redis-server was descheduled mid-call, calls look longer)'
      : '')
  );
}

function reaperSide(run) {
  const busy = Math.round((100 * run.reaperCpuMs) / run.totalMs);
  return `${n(run.reaperCpuMs)} ms CPU in ${n(run.totalMs)} ms (${busy}% of a core, every thread)`;
}

module.exports = { reapRows };
