'use strict';
/**
 * `npm run bench`: ingest throughput against the Redis SET ceiling, and Redis memory per live
 * session, measured side by side on one private redis-server in one run.
 *
 *   node bench/run.js [--json] [--sessions 200000] [--users 50000] [--live 10000]
 *                     [--memory-sessions 100000] [--max-batch-size N] [--chunk 10000]
 *                     [--ceiling-requests 1000000]
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

/** Targets from the issue: ingest within 4x of raw SETs, and a live session under 200 bytes. */
const TARGETS = { ratio: 0.25, bytesPerSession: 200 };

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
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map((r) => (r.length ? `${r[0].padEnd(width)}  ${r[1]}` : '')).join('\n');
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
      targets: TARGETS,
      durationMs: Date.now() - started,
    };
    result.ingest.meetsTarget = result.ingest.ratio >= TARGETS.ratio;
    result.memory.meetsTarget = result.memory.bytesPerSession <= TARGETS.bytesPerSession;

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
