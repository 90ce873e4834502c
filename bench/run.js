'use strict';
/**
 * `npm run bench`: the full benchmark, measured side by side on one private redis-server in one
 * run: ingest at several batch sizes against a naive MULTI-per-event counter, a Centrifugo-style
 * presence peer and the Redis SET ceiling, with the Lua each applyBatch call allocates (untimed,
 * lua-allocation.js); memory per live session (library and naive) at 100,000
 * and 1,000,000 sessions; stats() latency at those sizes; distinct-user accuracy (exact and HLL);
 * user-agent lookups; reaping a dead instance at 100,000 and 1,000,000 sessions and the
 * heartbeat's cost. Progress goes to stderr; the table (or, with --json, exactly one JSON object)
 * to stdout; bench/RESULTS.md is rewritten every run.
 *
 * Flags: see bench/options.js (every size can be turned down for a quick run). npm prints its
 * own "> sau-monitor bench" banner on stdout: use `npm run --silent bench -- --json` to pipe it.
 */
const { resolve } = require('node:path');
const { startPrivateRedis } = require('./redis-process');
const { failureText, parseOptions } = require('./options');
const { machineInfo, loadAverage } = require('./machine-info');
const { runNaiveMemory, FILL_SESSIONS_IN_FLIGHT } = require('./naive');
const { measureIngest } = require('./ingest-section');
const { IN_FLIGHT: PEER_IN_FLIGHT } = require('./centrifugo-peer');
const { runMemory } = require('./memory');
const { measureStatsLatency, addPastDays, buildWindowCache } = require('./stats-latency');
const { runAccuracy } = require('./accuracy');
const { runUserAgentBench } = require('./user-agents');
const { measureReap } = require('./reap-section');
const { runHeartbeat } = require('./heartbeat');
const { meteorIds } = require('./meteor-id');
const { TARGETS, verdicts } = require('./targets');
const { renderTable } = require('./report-table');
const { writeResults } = require('./results-file');

/** How this run was started, for RESULTS.md: through npm, or node directly. */
function commandLine(argv) {
  const args = argv.map((a) => (/^[\w.,/=-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') {
    return `npm run bench${args ? ` -- ${args}` : ''}`;
  }
  return `node bench/run.js${args ? ` ${args}` : ''}`;
}

/**
 * Memory per live session, library then naive, at each size; stats() latency is measured while
 * the library's sessions of that size are live. Metadata memory only at the first size.
 */
async function measureMemoryAndStats({ redis, runId, options, log }) {
  const largest = options.memorySessions[options.memorySessions.length - 1];
  log(`ids: ${2 * largest} Meteor-shaped ids for sessions and users`);
  const ids = meteorIds(2 * largest);
  const library = [];
  const naive = [];
  const stats = [];
  for (const [i, sessions] of options.memorySessions.entries()) {
    const namespace = `bench-memory-${sessions}-${runId}`;
    const sessionIds = ids.slice(0, sessions);
    const userIds = ids.slice(largest, largest + sessions);
    log(`memory: ${sessions} live sessions${i === 0 ? ' (and with metadata)' : ''}`);
    library.push(
      await runMemory({
        url: redis.url,
        namespace,
        sessions,
        sessionIds,
        userIds,
        withMeta: i === 0,
        whileLive: async ({ sessions: liveSessions }) => {
          log(`stats: ${options.statsCalls} calls at ${liveSessions} live sessions`);
          const measure = (label) =>
            measureStatsLatency({
              url: redis.url,
              namespace,
              liveSessions,
              calls: options.statsCalls,
              label,
            });
          stats.push(await measure());
          if (sessions !== largest) return;
          // The same reading after a month of history: 29 past days to merge per window, first
          // as a reader alone must, then with the window cache a sampling monitor keeps.
          log('stats: adding 29 past days of 20,000 users each');
          await addPastDays({ url: redis.url, namespace });
          log(`stats: ${options.statsCalls} calls with 30 days of history, no window cache`);
          stats.push(await measure(`+ 29 past days, no cache`));
          await buildWindowCache({ url: redis.url, namespace });
          log(`stats: ${options.statsCalls} calls with 30 days of history and the window cache`);
          stats.push(await measure(`+ 29 past days, cache`));
        },
        log,
      }),
    );
    log(`naive memory: ${sessions} live sessions`);
    naive.push(
      await runNaiveMemory({
        url: redis.url,
        namespace: `bench-naive-memory-${sessions}-${runId}`,
        sessions,
        sessionIds,
        userIds,
        log,
      }),
    );
  }
  return { library, naive, stats };
}

async function main() {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  const started = Date.now();
  const log = (message) =>
    process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  const redis = await startPrivateRedis({ log });
  try {
    const machine = await machineInfo(redis.url);
    // A fresh namespace per run and per measurement: nothing from one can be counted in another.
    const runId = `${Date.now().toString(36)}`;

    const { ingest, naiveIngest, peer } = await measureIngest({ redis, runId, options, log });
    const memoryAndStats = await measureMemoryAndStats({ redis, runId, options, log });

    log(`accuracy: ${options.accuracyUsers.join(', ')} distinct users, exact and HLL`);
    const accuracy = await runAccuracy({
      url: redis.url,
      namespace: `bench-accuracy-${runId}`,
      sizes: options.accuracyUsers,
      log,
    });

    log('user agents: cached lookups and cold parses');
    const ua = await runUserAgentBench({ iterations: 2_000_000 });

    let reap;
    let heartbeat;
    if (!options.skipLiveness) {
      reap = await measureReap({ redis, runId, options, log });
      log(`heartbeat: ${options.heartbeats} heartbeats at 1,000 and 100,000 sessions`);
      heartbeat = await runHeartbeat({
        url: redis.url,
        namespace: `bench-heartbeat-${runId}`,
        beats: options.heartbeats,
        log,
      });
    }

    const [memory] = memoryAndStats.library;
    const [naiveMemory] = memoryAndStats.naive;
    // The headline is the reading at the largest size without added history (the issue's case).
    const statsAtLargest = memoryAndStats.stats.filter((s) => !s.label.startsWith('+')).at(-1);
    const result = {
      machine: { ...machine, loadAverageAtEnd1m: loadAverage() },
      command: commandLine(argv),
      ingest,
      naive: {
        how:
          'per event one MULTI/EXEC of plain commands (HSET/SADD/HINCRBY/PFADD/DEL), awaited before ' +
          `the next, on one connection; no Lua, no batching; memory filled with the same commands, ${FILL_SESSIONS_IN_FLIGHT} sessions a pipeline`,
        eventsPerSec: naiveIngest.eventsPerSec,
        bytesPerSession: naiveMemory.bytesPerSession,
        ingest: naiveIngest,
        memory: memoryAndStats.naive,
      },
      peer: {
        how:
          "Centrifugo's Redis presence with user mapping (centrifugal/centrifuge presence_add.lua / " +
          'presence_rem.lua): per event one EVALSHA (client ZADD + HSET, user ZADD + HINCRBY, EXPIREs; ' +
          `the reverse on close), ${PEER_IN_FLIGHT} calls in flight on one connection`,
        eventsPerSec: peer.eventsPerSec,
        samplesPerSec: peer.samplesPerSec,
        scriptUsecPerEvent: peer.server.scriptUsecPerEvent,
        commandsPerEvent: peer.server.commandsPerEvent,
        redisCpuUsecPerEvent: peer.server.cpuUsecPerEvent,
        ingest: peer,
      },
      memory: {
        ...memory,
        bySize: memoryAndStats.library.map((m, i) => ({
          sessions: m.sessions,
          bytesPerSession: m.bytesPerSession,
          naiveBytesPerSession: memoryAndStats.naive[i].bytesPerSession,
        })),
      },
      stats: {
        calls: options.statsCalls,
        window: 'all',
        liveSessions: statsAtLargest.liveSessions,
        p50Ms: statsAtLargest.p50Ms,
        p99Ms: statsAtLargest.p99Ms,
        // The script alone (INFO latencystats), and a PING timed beside each call: the floor.
        redisP99Ms: statsAtLargest.redisP99Ms,
        pingP99Ms: statsAtLargest.pingP99Ms,
        bySize: memoryAndStats.stats,
      },
      accuracy,
      ua,
      ...(reap ? { reap, heartbeat } : {}),
      targets: TARGETS,
      durationMs: Date.now() - started,
      finishedAt: new Date().toISOString(),
    };
    result.ingest.meetsTarget = result.ingest.ratio >= TARGETS.ratio;
    result.ingest.meetsNaiveTarget = result.ingest.ratioToNaive >= TARGETS.ratioToNaive;
    result.ingest.meetsPeerTarget = result.ingest.ratioToPeer >= TARGETS.ratioToPeer;
    result.memory.meetsTarget = result.memory.bytesPerSession <= TARGETS.bytesPerSession;
    result.stats.meetsTarget = result.stats.p99Ms <= TARGETS.statsP99Ms;
    accuracy.meetsTarget =
      accuracy.maxErrorAtLargest <= TARGETS.accuracyMaxErrorAt1M && accuracy.exactAllZero;
    if (reap) {
      heartbeat.meetsTarget =
        heartbeat.bytesAt1k === heartbeat.bytesAt100k &&
        heartbeat.commandsAt1k === heartbeat.commandsAt100k;
    }
    result.verdicts = verdicts(result);

    const table = renderTable(result);
    const resultsPath = resolve(__dirname, '..', options.results);
    writeResults(resultsPath, result, table);
    log(`wrote ${resultsPath}`);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${table}\n`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await redis.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${failureText(err)}\n`);
  process.exitCode = 1;
});
