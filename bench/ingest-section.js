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

/**
 * Ingest at every batch size, the naive baseline and the Centrifugo-style peer over one workload,
 * between two samples of the SET ceiling. The higher ceiling sample is used: on a shared machine
 * one sample can land in someone else's busy second, and a low ceiling would flatter the ratio.
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
  log(`centrifugo peer: the same ${workload.events} events, ${PEER_IN_FLIGHT} calls in flight`);
  const peer = await runCentrifugoPeer({
    url: redis.url,
    namespace: `bench-peer-${runId}`,
    workload,
    log,
  });
  const runs = [];
  for (const maxBatchSize of options.batchSizes) {
    log(`ingest: the same ${workload.events} events, batch ${maxBatchSize}`);
    runs.push(
      await runIngest({
        url: redis.url,
        namespace: `bench-ingest-${maxBatchSize}-${runId}`,
        workload,
        chunkSessions: options.chunk,
        maxBatchSize,
        log,
      }),
    );
  }
  await sampleCeiling();
  const ceiling = ceilingSamples.reduce((a, b) => (b.setPerSec > a.setPerSec ? b : a));
  const ratioOf = (eventsPerSec, to) => Math.round((eventsPerSec / to) * 1000) / 1000;
  const bySize = runs.map((run) => ({
    maxBatchSize: run.maxBatchSize,
    eventsPerSec: run.eventsPerSec,
    elapsedMs: run.elapsedMs,
    ratio: ratioOf(run.eventsPerSec, ceiling.setPerSec),
    ratioToNaive: ratioOf(run.eventsPerSec, naive.eventsPerSec),
    ratioToPeer: ratioOf(run.eventsPerSec, peer.eventsPerSec),
    busyFraction: run.server.busyFraction,
    scriptUsecPerEvent: run.server.scriptUsecPerEvent,
    commandsPerEvent: run.server.commandsPerEvent,
    processCpuUsecPerEvent: run.processCpuUsecPerEvent,
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
      bySize,
    },
    naiveIngest: naive,
    peer,
  };
}

module.exports = { measureIngest };
