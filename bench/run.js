'use strict';
/**
 * `npm run bench`: ingest throughput against the Redis SET ceiling, Redis memory per live
 * session, reaping a dead instance and the heartbeat's cost, measured side by side on one private
 * redis-server in one run.
 *
 *   node bench/run.js [--json] [--sessions 200000] [--users 50000] [--live 10000]
 *                     [--memory-sessions 100000] [--max-batch-size N] [--chunk 10000]
 *                     [--ceiling-requests 1000000]
 *                     [--reap-sessions 100000] [--reap-batch N] [--heartbeats 1000]
 *                     [--skip-liveness]
 *
 * With --json, stdout carries exactly one JSON object; everything else goes to stderr. (npm prints
 * its own "> sau-monitor bench" banner on stdout: use `npm run --silent bench -- --json` to pipe it.)
 */
const os = require('node:os');
const { parseArgs } = require('node:util');
const { Redis } = require('ioredis');
const { startPrivateRedis } = require('./redis-process');
const { measureSetCeiling } = require('./ceiling');
const { runIngest } = require('./ingest');
const { runMemory } = require('./memory');
const { runUserAgentBench } = require('./user-agents');
const { runReap } = require('./reap');
const { runHeartbeat } = require('./heartbeat');

/**
 * Targets from the issues: ingest within 4x of raw SETs, a live session under 200 bytes; a dead
 * instance's 100,000 sessions reaped in under 2 s with no script call over 5 ms, and a heartbeat
 * that costs the same at 1,000 and at 100,000 sessions.
 */
const TARGETS = {
  ratio: 0.25,
  bytesPerSession: 200,
  bytesPerSessionWithMeta: 250,
  uaCachedPerSec: 1_000_000,
  reapMaxCallMs: 5,
  reapSessionsPerSec: 50_000,
  heartbeat: 'bytesAt1k == bytesAt100k and commandsAt1k == commandsAt100k',
};

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      sessions: { type: 'string', default: '200000' },
      users: { type: 'string', default: '50000' },
      live: { type: 'string', default: '10000' },
      chunk: { type: 'string', default: '10000' },
      'memory-sessions': { type: 'string', default: '100000' },
      'max-batch-size': { type: 'string' },
      'ceiling-requests': { type: 'string', default: '1000000' },
      'reap-sessions': { type: 'string', default: '100000' },
      'reap-batch': { type: 'string' },
      heartbeats: { type: 'string', default: '1000' },
      'skip-liveness': { type: 'boolean', default: false },
    },
  });
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    json: values.json,
    sessions: int('sessions'),
    users: int('users'),
    live: int('live'),
    chunk: int('chunk'),
    memorySessions: int('memory-sessions'),
    maxBatchSize: values['max-batch-size'] === undefined ? undefined : int('max-batch-size'),
    ceilingRequests: int('ceiling-requests'),
    reapSessions: int('reap-sessions'),
    reapBatch: values['reap-batch'] === undefined ? undefined : int('reap-batch'),
    heartbeats: int('heartbeats'),
    skipLiveness: values['skip-liveness'],
  };
}

async function machineInfo(url) {
  const client = new Redis(url);
  try {
    const info = (await client.info('server')) + (await client.info('memory'));
    const field = (name) => (new RegExp(`^${name}:(.*)$`, 'm').exec(info) ?? [])[1]?.trim();
    const cpus = os.cpus();
    return {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      redis: field('redis_version'),
      redisAllocator: field('mem_allocator'),
      // Other work on the machine skews both numbers; a reader of the result should see it.
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    };
  } finally {
    client.disconnect();
  }
}

/** Fixed-width table: the numbers a reader compares across runs and machines. */
function renderTable(result) {
  const { machine, ingest, memory } = result;
  const n = (x) => Math.round(x).toLocaleString('en-US');
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  const rows = [
    ['machine', `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`],
    ['node / redis', `${machine.node} / redis ${machine.redis} (${machine.redisAllocator})`],
    ['load average', `${machine.loadAverage1m} (1 min, at start)`],
    [],
    [
      'ingest',
      `${n(ingest.events)} events (${n(ingest.sessions)} sessions x open+login+close, ` +
        `${n(ingest.distinctUsers)} users, ${n(ingest.liveSessions)} live), batch ${ingest.maxBatchSize}`,
    ],
    ['  events/sec', `${n(ingest.eventsPerSec)}  (${n(ingest.elapsedMs)} ms)`],
    [
      '  ceiling SET/sec',
      `${n(ingest.ceilingSetPerSec)}  (redis-benchmark -P 32, best of ${ingest.ceilingSamples.map(n).join(' / ')})`,
    ],
    [
      '  ratio',
      `${ingest.ratio.toFixed(3)}  target >= ${TARGETS.ratio}  ${verdict(ingest.ratio >= TARGETS.ratio)}`,
    ],
    [
      '  redis side',
      `busy ${Math.round(ingest.server.busyFraction * 100)}% of wall time, ` +
        `${ingest.server.scriptUsecPerEvent} us script time/event, ` +
        `${ingest.server.commandsPerEvent} redis.call/event ` +
        `(${n(ingest.server.commandsInsideScriptsMs)} of ${n(ingest.server.scriptMs)} ms inside commands)`,
    ],
    [
      '  top commands',
      ingest.server.commands
        .filter((c) => !/^(eval|evalsha|fcall)/.test(c.command))
        .slice(0, 5)
        .map((c) => `${c.command} ${(c.calls / ingest.events).toFixed(2)}/event ${c.usecPerCall}us`)
        .join(', '),
    ],
    [
      '  day DAU',
      `${n(ingest.dayActiveUsers)} counted / ${n(ingest.distinctUsers)} distinct (HLL past ${n(ingest.exactThreshold)})`,
    ],
    [],
    [
      'memory',
      `${n(memory.sessions)} live logged-in sessions, one distinct user each (17-char ids)`,
    ],
    [
      '  bytes/session',
      `${memory.bytesPerSession}  target <= ${TARGETS.bytesPerSession}  ` +
        verdict(memory.bytesPerSession <= TARGETS.bytesPerSession),
    ],
    [
      '  with metadata',
      `${memory.bytesPerSessionWithMeta} (half logged in; device/OS/app profile + /24 address)  ` +
        `target <= ${TARGETS.bytesPerSessionWithMeta}  ` +
        verdict(memory.bytesPerSessionWithMeta <= TARGETS.bytesPerSessionWithMeta),
    ],
    [
      'user agents',
      `cached ${n(result.ua.cachedPerSec)}/s  target >= ${n(TARGETS.uaCachedPerSec)}  ` +
        `${verdict(result.ua.cachedPerSec >= TARGETS.uaCachedPerSec)}; cold parses ${n(result.ua.coldPerSec)}/s`,
    ],
    [
      '  used_memory',
      `${n(memory.usedMemoryBefore)} -> ${n(memory.usedMemoryAfter)} (+${n(memory.usedMemoryDelta)})`,
    ],
  ];
  for (const s of memory.structures) {
    rows.push([
      `  ${s.structure}`,
      `${String(s.bytesPerSession).padStart(7)} B/session  ${n(s.bytes).padStart(11)} B  ${s.type}/${s.encoding}`,
    ]);
  }
  rows.push([
    '  unattributed',
    `${String(memory.unattributedBytesPerSession).padStart(7)} B/session  (allocator rounding MEMORY USAGE misses, e.g. 24-byte dict entries take 32; client buffers ${n(memory.clientBuffersDelta)} B)`,
  ]);
  if (result.reap) rows.push([], ...reapRows(result.reap, n, verdict));
  if (result.heartbeat) rows.push([], ...heartbeatRows(result.heartbeat, n, verdict));
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map((r) => (r.length ? `${r[0].padEnd(width)}  ${r[1]}` : '')).join('\n');
}

function reapRows(reap, n, verdict) {
  return [
    [
      'reap',
      `${n(reap.sessions)} sessions of a SIGKILLed instance (${n(Math.ceil(reap.sessions / 2))} logged in, ` +
        `${n(reap.users)} users), ${reap.closeBatchSize} sessions per call, one SauReader`,
    ],
    [
      '  sessions/sec',
      `${n(reap.sessionsPerSec)}  (${n(reap.totalMs)} ms)  ` +
        `target >= ${n(TARGETS.reapSessionsPerSec)} (100,000 in < 2 s)  ` +
        verdict(reap.meetsSpeedTarget),
    ],
    [
      '  longest call',
      `${reap.maxCallMs} ms (${reap.maxCallScript})  target <= ${TARGETS.reapMaxCallMs}  ` +
        `${verdict(reap.meetsCallTarget)}  (SLOWLOG, calls over ${reap.slowlogThresholdUs} us)`,
    ],
    [
      '  close calls',
      `${reap.closeCalls} calls, p50 ${reap.closeCallMs.p50} ms, p99 ${reap.closeCallMs.p99} ms; ` +
        `${reap.usecPerSession} us/session in Redis; longest round trip ${reap.maxRoundTripMs} ms`,
    ],
    [
      '  redis side',
      `${n(reap.scriptMs)} ms inside ${reap.calls} script calls, ${n(reap.serverCpuMs)} ms server CPU` +
        (reap.scriptMs > reap.serverCpuMs * 1.1
          ? ' (wall above CPU: redis-server was descheduled mid-call, calls look longer)'
          : ''),
    ],
  ];
}

function heartbeatRows(hb, n, verdict) {
  const [small, large] = hb.sizes;
  return [
    [
      'heartbeat',
      `${n(small.size)} and ${n(large.size)} live sessions per instance, ${n(hb.beats)} heartbeats each`,
    ],
    [
      '  bytes/heartbeat',
      `${hb.bytesAt1k} at ${n(small.size)}, ${hb.bytesAt100k} at ${n(large.size)} ` +
        `(request ${small.requestBytes} + reply ${small.replyBytes}; RESP says ${small.expectedBytes})  ` +
        `target equal  ${verdict(hb.meetsTarget)}`,
    ],
    [
      '  commands',
      `${hb.commandsAt1k} at ${n(small.size)}, ${hb.commandsAt100k} at ${n(large.size)} ` +
        `(${Object.keys(small.commandsInside).sort().join(', ')} in one EVALSHA)`,
    ],
    [
      '  us/heartbeat',
      `${hb.usecAt1k} at ${n(small.size)}, ${hb.usecAt100k} at ${n(large.size)} in Redis; ` +
        `round trip ${hb.roundTripUsecAt1k} / ${hb.roundTripUsecAt100k}`,
    ],
  ];
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const log = (message) => process.stderr.write(`[bench] ${message}\n`);
  const started = Date.now();
  const redis = await startPrivateRedis({ log });
  try {
    const machine = await machineInfo(redis.url);
    // A fresh namespace per run and per measurement: nothing from one can be counted in another.
    const runId = `${Date.now().toString(36)}`;

    // The ceiling is sampled before and after ingest and the higher sample is used: on a shared
    // machine one sample can land in someone else's busy second, and a low ceiling would flatter
    // the ratio.
    const ceilingSamples = [];
    const sampleCeiling = async () => {
      const sample = await measureSetCeiling({
        host: redis.host,
        port: redis.port,
        requests: options.ceilingRequests,
      });
      log(`ceiling: ${Math.round(sample.setPerSec)} SET/s (${sample.command})`);
      ceilingSamples.push(sample);
    };
    await sampleCeiling();

    log(`ingest: ${options.sessions} sessions over ${options.users} users`);
    const ingest = await runIngest({
      url: redis.url,
      namespace: `bench-ingest-${runId}`,
      sessions: options.sessions,
      users: options.users,
      liveSessions: options.live,
      chunkSessions: options.chunk,
      maxBatchSize: options.maxBatchSize,
      log,
    });

    await sampleCeiling();
    const ceiling = ceilingSamples.reduce((a, b) => (b.setPerSec > a.setPerSec ? b : a));

    log(`memory: ${options.memorySessions} live sessions`);
    const memory = await runMemory({
      url: redis.url,
      namespace: `bench-memory-${runId}`,
      sessions: options.memorySessions,
      log,
    });

    log('user agents: cached lookups and cold parses');
    const ua = await runUserAgentBench({ iterations: 2_000_000 });

    let reap;
    let heartbeat;
    if (!options.skipLiveness) {
      log(`reap: ${options.reapSessions} sessions of a dead instance`);
      reap = await runReap({
        url: redis.url,
        namespace: `bench-reap-${runId}`,
        sessions: options.reapSessions,
        closeBatchSize: options.reapBatch,
        log,
      });
      log(`heartbeat: ${options.heartbeats} heartbeats at 1,000 and 100,000 sessions`);
      heartbeat = await runHeartbeat({
        url: redis.url,
        namespace: `bench-heartbeat-${runId}`,
        beats: options.heartbeats,
        log,
      });
    }

    const result = {
      machine,
      ingest: {
        ...ingest,
        ceilingSetPerSec: Math.round(ceiling.setPerSec),
        ceilingCommand: ceiling.command,
        ceilingSamples: ceilingSamples.map((c) => Math.round(c.setPerSec)),
        ratio: Math.round((ingest.eventsPerSec / ceiling.setPerSec) * 1000) / 1000,
      },
      memory,
      ua,
      ...(reap ? { reap, heartbeat } : {}),
      targets: TARGETS,
      durationMs: Date.now() - started,
    };
    result.ingest.meetsTarget = result.ingest.ratio >= TARGETS.ratio;
    result.memory.meetsTarget = result.memory.bytesPerSession <= TARGETS.bytesPerSession;
    if (reap) {
      reap.meetsSpeedTarget = reap.sessionsPerSec >= TARGETS.reapSessionsPerSec;
      reap.meetsCallTarget = reap.maxCallMs <= TARGETS.reapMaxCallMs;
      heartbeat.meetsTarget =
        heartbeat.bytesAt1k === heartbeat.bytesAt100k &&
        heartbeat.commandsAt1k === heartbeat.commandsAt100k;
    }

    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${renderTable(result)}\n`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await redis.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
