'use strict';
/**
 * The ingest section of `npm run bench` (bench/run.js): ingest.js measures one monitor at one batch
 * size; this runs the same workload through the naive baseline, the Centrifugo-style peer and the
 * monitor at every batch size, between two samples of the SET ceiling, and relates them.
 */
const { measureSetCeiling } = require('./ceiling');
const { ingestWorkload } = require('./event-stream');
const { runIngest } = require('./ingest');
const { runNaiveIngest } = require('./naive');
const { runCentrifugoPeer, IN_FLIGHT: PEER_IN_FLIGHT } = require('./centrifugo-peer');
const { measureLuaAllocation } = require('./lua-allocation');

/**
 * Runs of the Centrifugo-style peer and of the largest batch, alternated, whose medians the ratio
 * between them is taken from: each run lasts about half a second, and on a shared host one run
 * alone moves by a tenth or more from the next.
 */
const HEADLINE_ROUNDS = 3;

/** The run of median events/s among `runs`, with every run's events/s as `samplesPerSec`. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
  return {
    ...sorted[Math.floor(sorted.length / 2)],
    samplesPerSec: runs.map((r) => r.eventsPerSec),
  };
}

/**
 * Ingest at every batch size, the naive baseline and the Centrifugo-style peer over one workload,
 * between two samples of the SET ceiling. The higher ceiling sample is used: on a shared machine
 * one sample can land in someone else's busy second, and a low ceiling would flatter the ratio.
 * The peer and the largest batch run HEADLINE_ROUNDS times, alternated, and count by their medians.
 */
async function measureIngest({ redis, runId, options, log }) {
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

  const workload = ingestWorkload({
    sessions: options.sessions,
    users: options.users,
    liveSessions: options.live,
  });
  log(
    `naive: ${workload.events} events (${options.sessions} sessions over ${options.users} users)`,
  );
  const naive = await runNaiveIngest({
    url: redis.url,
    namespace: `bench-naive-${runId}`,
    workload,
    log,
  });
  const ingest = (maxBatchSize, round = 1) => {
    log(`ingest: the same ${workload.events} events, batch ${maxBatchSize}`);
    return runIngest({
      url: redis.url,
      namespace: `bench-ingest-${maxBatchSize}-${runId}-${round}`,
      workload,
      chunkSessions: options.chunk,
      maxBatchSize,
      log,
    });
  };
  const runs = [];
  for (const maxBatchSize of options.batchSizes.slice(0, -1)) runs.push(await ingest(maxBatchSize));
  const peerRuns = [];
  const largestRuns = [];
  for (let round = 1; round <= HEADLINE_ROUNDS; round++) {
    log(`centrifugo peer: the same ${workload.events} events, ${PEER_IN_FLIGHT} calls in flight`);
    peerRuns.push(
      await runCentrifugoPeer({
        url: redis.url,
        namespace: `bench-peer-${runId}-${round}`,
        workload,
        log,
      }),
    );
    largestRuns.push(await ingest(options.batchSizes.at(-1), round));
  }
  const peer = medianRun(peerRuns);
  runs.push(medianRun(largestRuns));
  await sampleCeiling();
  // Untimed: the counting copy of the script is slower than the script.
  const allocations = [];
  for (const maxBatchSize of options.batchSizes) {
    log(`lua allocation: the same ${workload.events} events, batch ${maxBatchSize}`);
    const allocation = await measureLuaAllocation({
      url: redis.url,
      namespace: `bench-lua-allocation-${maxBatchSize}-${runId}`,
      workload,
      chunkSessions: options.chunk,
      maxBatchSize,
    });
    log(`lua allocation: ${allocation.kbPerCall} KB a call, ${allocation.kbPerEvent} KB an event`);
    allocations.push(allocation);
  }
  const ceiling = ceilingSamples.reduce((a, b) => (b.setPerSec > a.setPerSec ? b : a));
  const ratioOf = (eventsPerSec, to) => Math.round((eventsPerSec / to) * 1000) / 1000;
  const bySize = runs.map((run, i) => ({
    maxBatchSize: run.maxBatchSize,
    eventsPerSec: run.eventsPerSec,
    elapsedMs: run.elapsedMs,
    ratio: ratioOf(run.eventsPerSec, ceiling.setPerSec),
    ratioToNaive: ratioOf(run.eventsPerSec, naive.eventsPerSec),
    ratioToPeer: ratioOf(run.eventsPerSec, peer.eventsPerSec),
    busyFraction: run.server.busyFraction,
    redisCpuUsecPerEvent: run.server.cpuUsecPerEvent,
    scriptUsecPerEvent: run.server.scriptUsecPerEvent,
    commandsPerEvent: run.server.commandsPerEvent,
    processCpuUsecPerEvent: run.processCpuUsecPerEvent,
    luaKbPerCall: allocations[i].kbPerCall,
    luaKbPerEvent: allocations[i].kbPerEvent,
    ...(run.samplesPerSec ? { samplesPerSec: run.samplesPerSec } : {}),
  }));
  // The headline is the largest batch: what a busy server's monitor sends.
  const largest = runs[runs.length - 1];
  const headline = bySize[bySize.length - 1];
  return {
    ingest: {
      ...largest,
      ceilingSetPerSec: Math.round(ceiling.setPerSec),
      ceilingCommand: ceiling.command,
      ceilingSamples: ceilingSamples.map((c) => Math.round(c.setPerSec)),
      ratio: headline.ratio,
      ratioToNaive: headline.ratioToNaive,
      ratioToPeer: headline.ratioToPeer,
      // How many times less of Redis's CPU an event costs than the peer's: events/s say which
      // side is faster on this machine; this says what each costs a Redis shared by many writers.
      redisCpuRatioToPeer:
        Math.round((peer.server.cpuUsecPerEvent / headline.redisCpuUsecPerEvent) * 100) / 100,
      bySize,
    },
    naiveIngest: naive,
    peer,
  };
}

module.exports = { measureIngest };
