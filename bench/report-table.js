'use strict';
/**
 * The fixed-width table of one bench run: what stdout shows and bench/RESULTS.md embeds. Each
 * measurement's peers (library batch sizes, naive baseline, SET ceiling; library vs naive memory;
 * stats at each size; exact vs HLL) stand on adjacent rows, so they are read side by side.
 */
const { TARGETS, scriptTimeTargets } = require('./targets');
const { FILL_SESSIONS_IN_FLIGHT } = require('./naive');
const { n, verdict, pct } = require('./table-format');
const { reapRows } = require('./reap-rows');
const { MAX_BATCHES_IN_FLIGHT } = require('../dist/monitor/batch-writer');

function renderTable(result) {
  const { machine } = result;
  const rows = [
    ['machine', `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`],
    ['node / redis', `${machine.node} / redis ${machine.redis} (${machine.redisAllocator})`],
    [
      'load average',
      `${machine.loadAverage1m} at start, ${machine.loadAverageAtEnd1m} at end (1 min)`,
    ],
    [],
    ...ingestRows(result),
    [],
    ...memoryRows(result),
    [],
    ...statsRows(result.stats),
    [],
    ...accuracyRows(result.accuracy),
    [],
    [
      'user agents',
      `cached ${n(result.ua.cachedPerSec)}/s  target >= ${n(TARGETS.uaCachedPerSec)}  ` +
        `${verdict(result.ua.cachedPerSec >= TARGETS.uaCachedPerSec)}; cold parses ${n(result.ua.coldPerSec)}/s`,
    ],
  ];
  if (result.reap) rows.push([], ...reapRows(result.reap));
  if (result.heartbeat) rows.push([], ...heartbeatRows(result.heartbeat));
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map((r) => (r.length ? `${r[0].padEnd(width)}  ${r[1]}` : '')).join('\n');
}

/** Where a figure is the median of alternated runs: each run's events/s. */
function medianOf(samplesPerSec) {
  if (!samplesPerSec || samplesPerSec.length < 2) return '';
  return `; the median of ${samplesPerSec.length} alternated runs of ${samplesPerSec.map(n).join(' / ')} events/s`;
}

function ingestRows({ ingest, naive, peer }) {
  const rows = [
    [
      'ingest',
      `${n(ingest.events)} events (${n(ingest.sessions)} sessions x open+login+close, ` +
        `${n(ingest.distinctUsers)} users, ${n(ingest.liveSessions)} live), the same stream for every peer; ` +
        `one connection each; calls in flight: naive 1, monitor ${MAX_BATCHES_IN_FLIGHT} (batches), Centrifugo-style peer ${peer.ingest.inFlight}`,
    ],
  ];
  for (const run of ingest.bySize) {
    rows.push([
      `  batch ${run.maxBatchSize}`,
      `${n(run.eventsPerSec).padStart(9)} events/s  ${run.ratioToNaive.toFixed(2)}x naive  ` +
        `${run.ratioToPeer.toFixed(2)}x peer  ` +
        `${run.ratio.toFixed(3)} of ceiling  (${n(run.elapsedMs)} ms; redis busy ` +
        `${Math.round(run.busyFraction * 100)}%, ${run.redisCpuUsecPerEvent} us redis CPU, ` +
        `${run.scriptUsecPerEvent} us script and ` +
        `${run.commandsPerEvent} redis.call per event; monitor process ` +
        `${run.processCpuUsecPerEvent} us CPU per event)` +
        medianOf(run.samplesPerSec),
    ]);
  }
  rows.push([
    '  lua allocation',
    ingest.bySize
      .map(
        (run) =>
          `batch ${run.maxBatchSize} ${run.luaKbPerCall} KB a call (${run.luaKbPerEvent} an event)`,
      )
      .join(', ') +
      "; applyBatch's own, counted by a copy of it in a run of its own (lua-allocation.js)",
  ]);
  rows.push(
    [
      '  naive',
      `${n(naive.eventsPerSec).padStart(9)} events/s  one MULTI/EXEC of plain commands per event, ` +
        `awaited (${naive.ingest.commandsPerEvent} commands/event; ${n(naive.ingest.elapsedMs)} ms)`,
    ],
    [
      '  centrifugo peer',
      `${n(peer.eventsPerSec).padStart(9)} events/s  Centrifugo's presence add/rem, one EVALSHA per ` +
        `event, ${peer.ingest.inFlight} in flight (${n(peer.ingest.elapsedMs)} ms; redis busy ` +
        `${Math.round(peer.ingest.server.busyFraction * 100)}%, ${peer.redisCpuUsecPerEvent} us redis CPU, ` +
        `${peer.scriptUsecPerEvent} us script and ` +
        `${peer.commandsPerEvent} redis.call per event)` +
        medianOf(peer.samplesPerSec),
    ],
    [
      '  SET ceiling',
      `${n(ingest.ceilingSetPerSec).padStart(9)} SET/s     redis-benchmark -P 32 -t set, best of ` +
        `${ingest.ceilingSamples.map(n).join(' / ')} (before and after ingest)`,
    ],
    [
      `  batch ${ingest.maxBatchSize} / naive`,
      `${ingest.ratioToNaive.toFixed(2)}x  target >= ${TARGETS.ratioToNaive}x  ` +
        verdict(ingest.ratioToNaive >= TARGETS.ratioToNaive),
    ],
    [
      `  batch ${ingest.maxBatchSize} / peer`,
      `${ingest.ratioToPeer.toFixed(2)}x  target >= ${TARGETS.ratioToPeer}x  ` +
        verdict(ingest.ratioToPeer >= TARGETS.ratioToPeer),
    ],
    [
      `  batch ${ingest.maxBatchSize} / peer, redis CPU`,
      `${ingest.redisCpuRatioToPeer.toFixed(2)}x less Redis CPU per event than the peer ` +
        `(${ingest.bySize.at(-1).redisCpuUsecPerEvent} against ${peer.redisCpuUsecPerEvent} us; no target: ` +
        'what each event costs a Redis that many writers share)',
    ],
    [
      `  batch ${ingest.maxBatchSize} / ceiling`,
      `${ingest.ratio.toFixed(3)}  target >= ${TARGETS.ratio}  ${verdict(ingest.ratio >= TARGETS.ratio)}`,
    ],
    ...scriptTimeTargets(ingest).map((t) => [
      `  script, batch ${t.maxBatchSize}`,
      `${t.measured} us/event  target <= ${t.target} us${t.setAt}  ${verdict(t.ok)}`,
    ]),
    [
      '  top commands',
      `(batch ${ingest.maxBatchSize}) ` +
        ingest.server.commands
          .filter((c) => !/^(eval|evalsha|fcall)/.test(c.command))
          .slice(0, 5)
          .map(
            (c) => `${c.command} ${(c.calls / ingest.events).toFixed(2)}/event ${c.usecPerCall}us`,
          )
          .join(', '),
    ],
    [
      '  day DAU',
      `${n(ingest.dayActiveUsers)} counted / ${n(ingest.distinctUsers)} distinct ` +
        `(HLL past ${n(ingest.exactThreshold)}); naive (exact set) ${n(naive.ingest.dayActiveUsers)}`,
    ],
  );
  return rows;
}

function memoryRows({ memory, naive }) {
  const rows = [
    [
      'memory',
      'bytes per live logged-in session, one distinct user each (17-char ids), used_memory delta',
    ],
  ];
  for (const size of memory.bySize) {
    rows.push([
      `  at ${n(size.sessions)}`,
      `library ${String(size.bytesPerSession).padStart(6)}   naive ${String(size.naiveBytesPerSession).padStart(6)}` +
        `   (naive filled by pipelines of ${FILL_SESSIONS_IN_FLIGHT} sessions' commands: memory does not depend on speed)`,
    ]);
  }
  rows.push(
    [
      `  target at ${n(memory.sessions)}`,
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
      '  used_memory',
      `${n(memory.usedMemoryBefore)} -> ${n(memory.usedMemoryAfter)} (+${n(memory.usedMemoryDelta)}) at ${n(memory.sessions)}`,
    ],
  );
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
  const naiveAtFirst = naive.memory[0];
  rows.push([
    `  naive at ${n(naiveAtFirst.sessions)}`,
    naiveAtFirst.structures
      .filter((s) => s.bytesPerSession >= 1)
      .map((s) => `${s.structure} ${s.bytesPerSession}`)
      .join(', '),
  ]);
  return rows;
}

function statsRows(stats) {
  const rows = [
    [
      'stats()',
      `${n(stats.calls)} calls of stats({ window: 'all' }) one after the other, client round trip`,
    ],
  ];
  for (const size of stats.bySize) {
    rows.push([
      `  ${size.label}`,
      `p50 ${size.p50Ms} ms  p99 ${size.p99Ms} ms  max ${size.maxMs} ms; in Redis p50 ` +
        `${size.redisP50Ms} ms p99 ${size.redisP99Ms} ms (${size.serverUsecPerCall} us mean); ` +
        `PING beside it p50 ${size.pingP50Ms} ms p99 ${size.pingP99Ms} ms`,
    ]);
  }
  rows.push([
    `  p99 at ${n(stats.liveSessions)}`,
    `${stats.p99Ms} ms  target <= ${TARGETS.statsP99Ms} ms  ${verdict(stats.meetsTarget)}`,
  ]);
  return rows;
}

function accuracyRows(accuracy) {
  const rows = [
    [
      'accuracy',
      "a day's distinct users counted vs truth (markActiveUsers, read by stats()); " +
        'exact: threshold 2x users, HLL: threshold users/2',
    ],
  ];
  for (const users of accuracy.sizes) {
    const of = (mode) => accuracy.cases.find((c) => c.users === users && c.mode === mode);
    const exact = of('exact');
    const hll = of('hll');
    rows.push([
      `  ${n(users)} users`,
      `exact ${n(exact.counted).padStart(9)} (${pct(exact.relativeError)})   ` +
        `HLL ${n(hll.counted).padStart(9)} (${pct(hll.relativeError)})`,
    ]);
  }
  rows.push([
    `  max error at ${n(accuracy.largest)}`,
    `${pct(accuracy.maxErrorAtLargest)}  target <= ${TARGETS.accuracyMaxErrorAt1M * 100} %  ` +
      verdict(accuracy.meetsTarget),
  ]);
  return rows;
}

function heartbeatRows(hb) {
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

module.exports = { renderTable };
